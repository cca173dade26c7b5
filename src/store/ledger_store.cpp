#include "store/ledger_store.hpp"

#include "store/schema.hpp"

namespace torii::store {

namespace {
constexpr int64_t kHourUs = 3'600'000'000;
}

bool SqliteLedgerStore::open(const std::string& path, std::string& error) {
  if (!open_database(path, db_, error)) return false;
  return db_.prepare(
      "INSERT INTO spend_ledger (level, id, hour, spend_nusd, requests) VALUES (?1, ?2, ?3, ?4, ?5) "
      "ON CONFLICT (level, id, hour) DO UPDATE SET spend_nusd = spend_nusd + excluded.spend_nusd, "
      "requests = requests + excluded.requests",
      upsert_, error) &&
         db_.prepare("INSERT INTO spend_journal (name, applied_seq) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET "
                     "applied_seq = max(applied_seq, excluded.applied_seq)",
                     mark_, error);
}

std::optional<int64_t> SqliteLedgerStore::journal_applied(std::string_view name, std::string& error) {
  Statement s;
  if (!db_.prepare("SELECT applied_seq FROM spend_journal WHERE name = ?1", s, error)) return std::nullopt;
  s.bind(1, name);
  if (s.step()) return s.int64(0);
  if (!s.ok()) {
    error = db_.last_error();
    return std::nullopt;
  }
  return 0;
}

bool SqliteLedgerStore::add(const std::vector<LedgerDelta>& deltas, const std::vector<JournalMark>& marks,
                            std::string& error) {
  if (deltas.empty() && marks.empty()) return true;
  if (!db_.exec("BEGIN IMMEDIATE", error)) return false;
  for (const auto& d : deltas) {
    upsert_.reset();
    upsert_.bind(1, std::string_view(d.level));
    upsert_.bind(2, std::string_view(d.id));
    upsert_.bind(3, d.hour);
    upsert_.bind(4, d.nusd);
    upsert_.bind(5, d.requests);
    upsert_.step();
    if (!upsert_.ok()) {
      error = db_.last_error();
      upsert_.reset();
      std::string ignored;
      db_.exec("ROLLBACK", ignored);
      return false;
    }
  }
  upsert_.reset();
  for (const auto& m : marks) {
    mark_.reset();
    mark_.bind(1, std::string_view(m.name));
    mark_.bind(2, m.seq);
    mark_.step();
    if (!mark_.ok()) {
      error = db_.last_error();
      mark_.reset();
      std::string ignored;
      db_.exec("ROLLBACK", ignored);
      return false;
    }
  }
  mark_.reset();
  if (db_.exec("COMMIT", error)) return true;
  std::string ignored;
  db_.exec("ROLLBACK", ignored);
  return false;
}

std::optional<int64_t> SqliteLedgerStore::spent_since(std::string_view level, std::string_view id, int64_t since_us,
                                                std::string& error) {
  Statement s;
  if (!db_.prepare("SELECT coalesce(sum(spend_nusd), 0) FROM spend_ledger WHERE level = ?1 AND id = ?2 AND hour >= ?3",
                   s, error))
    return std::nullopt;
  s.bind(1, level);
  s.bind(2, id);
  s.bind(3, since_us / kHourUs);
  if (s.step()) return s.int64(0);
  error = db_.last_error();
  return std::nullopt;
}

}  // namespace torii::store
