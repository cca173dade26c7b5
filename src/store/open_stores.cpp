#include "store/open_stores.hpp"

#include "store/postgres/pg_stores.hpp"

namespace torii::store {

bool open_entity_stores(const StoreLocation& where, EntityStores& out, std::string& error) {
  if (!where.postgres.empty()) {
    auto c = std::make_shared<PgConnection>();
    if (!c->open(where.postgres, error) || !pg_ensure_schema(*c, error)) return false;
    out.keys = std::make_unique<PgKeyStore>(c);
    out.teams = std::make_unique<PgEntityStore>(c, "teams");
    out.users = std::make_unique<PgEntityStore>(c, "users");
    out.connection = c;
    return true;
  }
  auto keys = std::make_unique<SqliteKeyStore>();
  if (!keys->open(where.sqlite_path, error)) return false;
  out.teams = std::make_unique<SqliteEntityStore>(keys->db(), "teams");
  out.users = std::make_unique<SqliteEntityStore>(keys->db(), "users");
  out.keys = std::move(keys);
  return true;
}

std::unique_ptr<LedgerStore> open_ledger_store(const StoreLocation& where, std::string& error) {
  if (!where.postgres.empty()) {
    auto s = std::make_unique<PgLedgerStore>();
    if (!s->open(where.postgres, error)) return nullptr;
    return s;
  }
  auto s = std::make_unique<SqliteLedgerStore>();
  if (!s->open(where.sqlite_path, error)) return nullptr;
  return s;
}

}  // namespace torii::store
