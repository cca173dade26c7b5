#pragma once
// Virtual keys in a store (table virtual_keys): the embedded SQLite one
// here, PostgreSQL in store/postgres/. Used from the admin thread only
// (writes) and by the key directory's loads; never from a worker's event loop.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/policy_columns.hpp"
#include "store/sqlite.hpp"

namespace torii::store {

struct KeyRow {
  std::string id;
  std::string hash;  // SHA-256 hex of the secret
  std::string previous_hash;
  int64_t previous_until_us = 0;
  std::string prefix;  // the secret's first characters, for display
  std::string alias, team_id, user_id;
  PolicyColumns policy;  // allow-list, budget, rate limits
  std::optional<int64_t> expires_at_us;
  std::string metadata_json = "{}";
  std::string tags_json = "[]";
  bool blocked = false;
  int64_t created_us = 0, updated_us = 0;
  std::optional<int64_t> revoked_us;
};

class KeyStore {
 public:
  virtual ~KeyStore() = default;
  // "alias" when the alias is taken; other failures as the store's message.
  virtual bool insert(const KeyRow& row, std::string& error) = 0;
  virtual bool update(const KeyRow& row, std::string& error) = 0;
  virtual std::optional<KeyRow> get(const std::string& id, std::string& error) = 0;
  virtual bool list(std::vector<KeyRow>& out, std::string& error) = 0;
  // How many live keys belong to the team (or user) `id`.
  virtual int64_t count_members(const char* column, const std::string& id) = 0;
  // A number that moves whenever any node changes a key, team or user (a
  // shared store); a store only this process writes has none.
  virtual std::optional<int64_t> change_version(std::string&) { return std::nullopt; }
};

// The embedded store's keys (torii.db).
class SqliteKeyStore final : public KeyStore {
 public:
  bool open(const std::string& path, std::string& error);
  bool insert(const KeyRow& row, std::string& error) override;
  bool update(const KeyRow& row, std::string& error) override;
  std::optional<KeyRow> get(const std::string& id, std::string& error) override;
  bool list(std::vector<KeyRow>& out, std::string& error) override;
  int64_t count_members(const char* column, const std::string& id) override;
  Database& db() { return db_; }

 private:
  Database db_;
};

}  // namespace torii::store
