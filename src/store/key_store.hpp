#pragma once
// Virtual keys in the embedded store (table virtual_keys). Used from the
// admin thread only (writes) and by the key directory's loads; never from
// a worker's event loop.
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
  bool open(const std::string& path, std::string& error);
  // "alias" when the alias is taken; other failures as the store's message.
  bool insert(const KeyRow& row, std::string& error);
  bool update(const KeyRow& row, std::string& error);
  std::optional<KeyRow> get(const std::string& id, std::string& error);
  bool list(std::vector<KeyRow>& out, std::string& error);
  // How many live keys belong to the team (or user) `id`.
  int64_t count_members(const char* column, const std::string& id);
  Database& db() { return db_; }

 private:
  Database db_;
};

}  // namespace torii::store
