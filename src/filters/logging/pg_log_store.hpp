#pragma once
// The request log in PostgreSQL (store.postgres): the same tables as the
// SQLite file, with requests, request_tags and request_bodies partitioned
// by day of start_us, so retention drops whole partitions (a day once all
// of it is past retention_days; bodies on content_retention_days) instead
// of deleting rows. Batches go in with multi-row INSERTs in one
// transaction, the spend rollups upserted in it. Several nodes write to
// one log; their partition changes take an advisory lock.
#include <set>

#include "filters/logging/log_store.hpp"
#include "store/postgres/pg.hpp"

namespace torii::filters::logging {

class PgLogStore final : public LogStore {
 public:
  bool open(const std::string& conninfo, std::string& error);
  bool insert(const std::vector<std::unique_ptr<LogRecord>>& batch, std::string& error) override;
  // Drops at most `limit` partitions wholly older than the cutoffs; how many.
  int64_t purge(int64_t rows_before_us, int64_t bodies_before_us, int limit, std::string& error) override;

 private:
  bool ensure_partitions(const std::vector<std::unique_ptr<LogRecord>>& batch, std::string& error);
  bool insert_in_transaction(const std::vector<std::unique_ptr<LogRecord>>& batch, std::string& error);

  store::PgConnection c_;
  std::set<int64_t> partitioned_days_;  // days whose partitions are known to exist
};

// The tables of the request log in PostgreSQL, created when missing.
bool pg_ensure_log_schema(store::PgConnection& c, std::string& error);

}  // namespace torii::filters::logging
