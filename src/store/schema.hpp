#pragma once
// The embedded store's schema (torii.db under store.path): every table the
// gateway keeps (request log, spend rollups, virtual keys, teams, users, spend ledger,
// stored Responses), created and
// migrated in order on open. Each connection opens through here, so the
// first one to open an older database brings it up to date.
#include <string>

#include "store/sqlite.hpp"

namespace torii::store {

// The schema version this build writes (PRAGMA user_version).
inline constexpr int kSchemaVersion = 10;

// Opens (creating) `path` in WAL mode and migrates it to kSchemaVersion.
bool open_database(const std::string& path, Database& db, std::string& error);

}  // namespace torii::store
