#pragma once
// Where keys, teams, users and the spend ledger live: the embedded SQLite
// file, or PostgreSQL when store.postgres is set (shared by every node).
#include <memory>
#include <string>

#include "store/entity_store.hpp"
#include "store/key_store.hpp"
#include "store/ledger_store.hpp"

namespace torii::store {

struct StoreLocation {
  std::string sqlite_path;  // {store.path}/torii.db
  std::string postgres;     // conninfo or URI; "" = the SQLite file
};

// One connection for keys, teams and users (the admin thread's).
struct EntityStores {
  std::shared_ptr<void> connection;
  std::unique_ptr<KeyStore> keys;
  std::unique_ptr<EntityStore> teams, users;
};

bool open_entity_stores(const StoreLocation& where, EntityStores& out, std::string& error);
// A ledger connection of its own (the writer and the reader each open one).
std::unique_ptr<LedgerStore> open_ledger_store(const StoreLocation& where, std::string& error);

}  // namespace torii::store
