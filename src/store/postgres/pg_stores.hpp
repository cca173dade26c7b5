#pragma once
// Keys, teams, users and the spend ledger in PostgreSQL (store.postgres),
// shared by every node. Every write also moves torii_changes.version in the
// same transaction, which the nodes poll to rebuild their key tables.
#include <memory>

#include "store/entity_store.hpp"
#include "store/key_store.hpp"
#include "store/ledger_store.hpp"
#include "store/postgres/pg.hpp"

namespace torii::store {

class PgKeyStore final : public KeyStore {
 public:
  explicit PgKeyStore(std::shared_ptr<PgConnection> c) : c_(std::move(c)) {}
  bool insert(const KeyRow& row, std::string& error) override;
  bool update(const KeyRow& row, std::string& error) override;
  std::optional<KeyRow> get(const std::string& id, std::string& error) override;
  bool list(std::vector<KeyRow>& out, std::string& error) override;
  int64_t count_members(const char* column, const std::string& id) override;
  std::optional<int64_t> change_version(std::string& error) override;

 private:
  std::shared_ptr<PgConnection> c_;
};

class PgEntityStore final : public EntityStore {
 public:
  PgEntityStore(std::shared_ptr<PgConnection> c, const char* table) : c_(std::move(c)), table_(table) {}
  bool insert(const EntityRow& row, std::string& error) override;
  bool update(const EntityRow& row, std::string& error) override;
  bool remove(const std::string& id, std::string& error) override;
  std::optional<EntityRow> get(const std::string& id, std::string& error) override;
  bool list(std::vector<EntityRow>& out, std::string& error) override;

 private:
  std::shared_ptr<PgConnection> c_;
  const char* table_;
};

class PgLedgerStore final : public LedgerStore {
 public:
  bool open(const std::string& conninfo, std::string& error);
  bool add(const std::vector<LedgerDelta>& deltas, const std::vector<JournalMark>& marks,
           std::string& error) override;
  std::optional<int64_t> journal_applied(std::string_view name, std::string& error) override;
  std::optional<int64_t> spent_since(std::string_view level, std::string_view id, int64_t since_us,
                                     std::string& error) override;

 private:
  PgConnection c_;
};

// Runs `sql` and bumps the change counter in one transaction;
// `unique_violated` gets the constraint's name when `sql` broke one.
bool pg_write(PgConnection& c, std::string_view sql, const std::vector<PgParam>& params, std::string& error,
              std::string* unique_violated = nullptr);

}  // namespace torii::store
