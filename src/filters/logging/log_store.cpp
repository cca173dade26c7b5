#include "filters/logging/log_store.hpp"

#include "filters/logging/pg_log_store.hpp"
#include "filters/logging/sqlite_log_store.hpp"

namespace torii::filters::logging {

std::unique_ptr<LogStore> open_log_store(const store::StoreLocation& where, std::string& error) {
  if (!where.postgres.empty()) {
    auto s = std::make_unique<PgLogStore>();
    if (!s->open(where.postgres, error)) return nullptr;
    return s;
  }
  auto s = std::make_unique<SqliteLogStore>();
  if (!s->open(where.sqlite_path, error)) return nullptr;
  return s;
}

std::string log_store_name(const store::StoreLocation& where) {
  return where.postgres.empty() ? where.sqlite_path : std::string("PostgreSQL");
}

}  // namespace torii::filters::logging
