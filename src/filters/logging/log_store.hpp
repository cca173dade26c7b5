#pragma once
// The request log in SQLite: the schema (versioned migrations), batched
// inserts, and incremental retention. Used by the log writer's thread only
// (queries open their own connection, see log_query.hpp).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "filters/logging/log_record.hpp"
#include "store/sqlite.hpp"

namespace torii::filters::logging {

class LogStore {
 public:
  bool open(const std::string& path, std::string& error);
  // All of `batch` in one transaction, or none of it (false, with `error`).
  bool insert(const std::vector<std::unique_ptr<LogRecord>>& batch, std::string& error);
  // Deletes at most `limit` rows older than the cutoffs; the number deleted.
  int64_t purge(int64_t rows_before_us, int64_t bodies_before_us, int limit, std::string& error);
  // Bytes the connection's page cache holds (it grows to its cap with the
  // database): what the process's memory holds for the log, by design.
  int64_t cache_bytes() const;

 private:
  store::Database db_;
  store::Statement insert_, insert_body_, insert_tag_, upsert_rollup_;
};

}  // namespace torii::filters::logging
