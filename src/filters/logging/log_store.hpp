#pragma once
// Where the request log is written: the node's SQLite file, or PostgreSQL
// when store.postgres is set (then every node writes to, and reads, one
// log). Used by the log writer's thread only (queries open their own
// connection, see log_reader.hpp).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "filters/logging/log_record.hpp"
#include "store/open_stores.hpp"

namespace torii::filters::logging {

class LogStore {
 public:
  virtual ~LogStore() = default;
  // All of `batch` in one transaction, or none of it (false, with `error`).
  virtual bool insert(const std::vector<std::unique_ptr<LogRecord>>& batch, std::string& error) = 0;
  // Removes some of what is older than the cutoffs (rows, bodies); how much
  // it removed (0 when nothing is left to remove), or -1 with `error`.
  virtual int64_t purge(int64_t rows_before_us, int64_t bodies_before_us, int limit, std::string& error) = 0;
  // Bytes of the log the process's memory holds (SQLite's page cache).
  virtual int64_t cache_bytes() const { return 0; }
};

// Opens (and creates or migrates) the log at `where`.
std::unique_ptr<LogStore> open_log_store(const store::StoreLocation& where, std::string& error);
// "PostgreSQL" or the SQLite file's path, for messages.
std::string log_store_name(const store::StoreLocation& where);

}  // namespace torii::filters::logging
