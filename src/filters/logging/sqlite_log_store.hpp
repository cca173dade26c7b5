#pragma once
// The request log in the node's SQLite file: the schema (versioned
// migrations, store/schema.cpp), batched inserts, and incremental retention
// in small batched deletes.
#include "filters/logging/log_store.hpp"
#include "store/sqlite.hpp"

namespace torii::filters::logging {

class SqliteLogStore final : public LogStore {
 public:
  bool open(const std::string& path, std::string& error);
  bool insert(const std::vector<std::unique_ptr<LogRecord>>& batch, std::string& error) override;
  // Deletes at most `limit` rows (and bodies) older than the cutoffs; the number deleted.
  int64_t purge(int64_t rows_before_us, int64_t bodies_before_us, int limit, std::string& error) override;
  // The connection's page cache (it grows to its cap with the database).
  int64_t cache_bytes() const override;

 private:
  store::Database db_;
  store::Statement insert_, insert_body_, insert_tag_, upsert_rollup_;
};

}  // namespace torii::filters::logging
