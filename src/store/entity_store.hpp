#pragma once
// Teams and users in the embedded store (tables teams, users): a name, a
// policy (model allow-list, budget, rate limits), metadata, blocked. Used
// from the admin thread and the key directory's loads only.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/policy_columns.hpp"
#include "store/sqlite.hpp"

namespace torii::store {

struct EntityRow {
  std::string id;
  std::string name;
  PolicyColumns policy;
  std::string metadata_json = "{}";
  bool blocked = false;
  int64_t created_us = 0, updated_us = 0;
};

class EntityStore {
 public:
  virtual ~EntityStore() = default;
  // "name" when the name is taken; other failures as the store's message.
  virtual bool insert(const EntityRow& row, std::string& error) = 0;
  virtual bool update(const EntityRow& row, std::string& error) = 0;
  virtual bool remove(const std::string& id, std::string& error) = 0;
  virtual std::optional<EntityRow> get(const std::string& id, std::string& error) = 0;
  virtual bool list(std::vector<EntityRow>& out, std::string& error) = 0;
};

class SqliteEntityStore final : public EntityStore {
 public:
  // `table` is "teams" or "users"; `db` is the key store's connection.
  SqliteEntityStore(Database& db, const char* table) : db_(db), table_(table) {}
  bool insert(const EntityRow& row, std::string& error) override;
  bool update(const EntityRow& row, std::string& error) override;
  bool remove(const std::string& id, std::string& error) override;
  std::optional<EntityRow> get(const std::string& id, std::string& error) override;
  bool list(std::vector<EntityRow>& out, std::string& error) override;

 private:
  bool run(Statement& s, std::string& error);
  Database& db_;
  const char* table_;
};

}  // namespace torii::store
