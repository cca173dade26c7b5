#pragma once
// The spend ledger (table spend_ledger): settled cost per entity (key,
// user, team) per UTC hour, in nano-dollars. Budgets read their period's
// spend from it at start-up; the admin API reads entities' spend from it.
// One connection per thread that uses it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite.hpp"

namespace torii::store {

struct LedgerDelta {
  std::string level;  // "key", "user", "team"
  std::string id;
  int64_t hour = 0;   // start_us / 3600e6
  int64_t nusd = 0;
  int64_t requests = 0;
};

// How far a spend journal file (governance/spend_journal.hpp) is applied.
struct JournalMark {
  std::string name;  // node id / file
  int64_t seq = 0;
};

class LedgerStore {
 public:
  virtual ~LedgerStore() = default;
  // Adds every delta, and raises each journal's applied number to its mark,
  // in one transaction; false (nothing written) on failure.
  virtual bool add(const std::vector<LedgerDelta>& deltas, const std::vector<JournalMark>& marks,
                   std::string& error) = 0;
  // The number up to which journal `name` is applied (0: none yet).
  virtual std::optional<int64_t> journal_applied(std::string_view name, std::string& error) = 0;
  // Spend of (level, id) from `since_us` on (0: ever).
  virtual std::optional<int64_t> spent_since(std::string_view level, std::string_view id, int64_t since_us,
                                             std::string& error) = 0;
};

class SqliteLedgerStore final : public LedgerStore {
 public:
  bool open(const std::string& path, std::string& error);
  bool add(const std::vector<LedgerDelta>& deltas, const std::vector<JournalMark>& marks,
           std::string& error) override;
  std::optional<int64_t> journal_applied(std::string_view name, std::string& error) override;
  std::optional<int64_t> spent_since(std::string_view level, std::string_view id, int64_t since_us,
                                     std::string& error) override;

 private:
  Database db_;
  Statement upsert_, mark_;
};

}  // namespace torii::store
