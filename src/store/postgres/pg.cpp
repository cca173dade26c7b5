#include "store/postgres/pg.hpp"

#include <libpq-fe.h>

#include "core/utf8.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>

namespace torii::store {

PgResult::~PgResult() {
  if (r_) PQclear(r_);
}

PgResult& PgResult::operator=(PgResult&& o) noexcept {
  if (this != &o) {
    if (r_) PQclear(r_);
    r_ = o.r_;
    o.r_ = nullptr;
  }
  return *this;
}

int PgResult::rows() const { return r_ ? PQntuples(r_) : 0; }
bool PgResult::is_null(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
std::string_view PgResult::text(int row, int col) const {
  return {PQgetvalue(r_, row, col), size_t(PQgetlength(r_, row, col))};
}
int64_t PgResult::int64(int row, int col) const {
  std::string_view t = text(row, col);
  int64_t v = 0;
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}
double PgResult::real(int row, int col) const { return std::strtod(PQgetvalue(r_, row, col), nullptr); }

PgParam pg_real(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return std::string(buf);
}

PgConnection::~PgConnection() {
  if (conn_) PQfinish(conn_);
}

bool PgConnection::open(const std::string& conninfo, std::string& error) {
  conninfo_ = conninfo;
  return ensure(error);
}

bool PgConnection::ensure(std::string& error) {
  if (conn_ && PQstatus(conn_) == CONNECTION_OK) return true;
  if (conn_) {
    PQreset(conn_);
    if (PQstatus(conn_) == CONNECTION_OK) return true;
    PQfinish(conn_);
    conn_ = nullptr;
  }
  // Defaults a server that never answers needs, before the configured
  // string, whose own settings come later and so win: give up connecting
  // after 5 s, and notice a connection gone silent within about 30 s.
  static const char* const keys[] = {"connect_timeout", "keepalives_idle", "keepalives_interval",
                                     "keepalives_count", "dbname", nullptr};
  const char* const values[] = {"5", "10", "5", "4", conninfo_.c_str(), nullptr};
  conn_ = PQconnectdbParams(keys, values, 1);
  if (PQstatus(conn_) == CONNECTION_OK) return true;
  error = PQerrorMessage(conn_);
  while (!error.empty() && (error.back() == '\n' || error.back() == ' ')) error.pop_back();
  PQfinish(conn_);
  conn_ = nullptr;
  return false;
}

bool PgConnection::ready(std::string& error) {
  sqlstate_.clear();
  constraint_.clear();
  if (in_transaction_ && (!conn_ || PQstatus(conn_) != CONNECTION_OK)) {
    error = "the connection to PostgreSQL broke inside a transaction";
    return false;
  }
  return ensure(error);
}

bool PgConnection::fail_result(pg_result* raw, std::string& error) {
  error = raw ? PQresultErrorMessage(raw) : PQerrorMessage(conn_);
  while (!error.empty() && (error.back() == '\n' || error.back() == ' ')) error.pop_back();
  if (raw) {
    if (const char* s = PQresultErrorField(raw, PG_DIAG_SQLSTATE)) sqlstate_ = s;
    if (const char* c = PQresultErrorField(raw, PG_DIAG_CONSTRAINT_NAME)) constraint_ = c;
    PQclear(raw);
  }
  return false;
}

bool PgConnection::exec(std::string_view sql, const std::vector<PgParam>& params, PgResult* out, std::string& error) {
  const bool begins = sql == "BEGIN", ends = sql == "COMMIT" || sql == "ROLLBACK";
  if (!ready(error)) {
    if (ends) in_transaction_ = false;
    return false;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  const std::string text(sql);
  pg_result* raw = PQexecParams(conn_, text.c_str(), int(values.size()), nullptr, values.data(), nullptr, nullptr, 0);
  if (ends) in_transaction_ = false;
  const ExecStatusType st = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return fail_result(raw, error);
  if (begins) in_transaction_ = true;
  if (out) *out = PgResult(raw);
  else PQclear(raw);
  return true;
}

bool PgConnection::run_script(const std::string& sql, std::string& error) {
  if (!ready(error)) return false;
  pg_result* raw = PQexec(conn_, sql.c_str());
  const ExecStatusType st = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return fail_result(raw, error);
  PQclear(raw);
  return true;
}

std::string pg_safe_text(std::string_view s) { return core::valid_utf8(s, true); }

bool pg_ensure_schema(PgConnection& c, std::string& error) {
  static constexpr const char* kPolicy =
      "models TEXT NOT NULL, max_budget_usd DOUBLE PRECISION, budget_period TEXT, rpm BIGINT, tpm BIGINT, "
      "max_parallel BIGINT, model_limits TEXT NOT NULL DEFAULT '{}', guardrails TEXT NOT NULL DEFAULT '[]'";
  const std::string sql[] = {
      // Several nodes may start at once: the lock makes the creation one at a time.
      "SELECT pg_advisory_lock(7350189)",
      std::string("CREATE TABLE IF NOT EXISTS virtual_keys (id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, "
                  "previous_hash TEXT, previous_until_us BIGINT, prefix TEXT NOT NULL, alias TEXT UNIQUE, team_id TEXT, "
                  "user_id TEXT, expires_at_us BIGINT, metadata TEXT NOT NULL, tags TEXT NOT NULL, blocked BOOLEAN NOT NULL, "
                  "created_us BIGINT NOT NULL, updated_us BIGINT NOT NULL, revoked_us BIGINT, ") +
          kPolicy + ")",
      std::string("CREATE TABLE IF NOT EXISTS teams (id TEXT PRIMARY KEY, name TEXT UNIQUE, metadata TEXT NOT NULL, "
                  "blocked BOOLEAN NOT NULL, created_us BIGINT NOT NULL, updated_us BIGINT NOT NULL, ") +
          kPolicy + ")",
      std::string("CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, name TEXT UNIQUE, metadata TEXT NOT NULL, "
                  "blocked BOOLEAN NOT NULL, created_us BIGINT NOT NULL, updated_us BIGINT NOT NULL, ") +
          kPolicy + ")",
      "CREATE TABLE IF NOT EXISTS spend_ledger (level TEXT NOT NULL, id TEXT NOT NULL, hour BIGINT NOT NULL, "
      "spend_nusd BIGINT NOT NULL, requests BIGINT NOT NULL, PRIMARY KEY (level, id, hour))",
      "CREATE TABLE IF NOT EXISTS torii_changes (one INTEGER PRIMARY KEY CHECK (one = 1), version BIGINT NOT NULL)",
      "INSERT INTO torii_changes VALUES (1, 0) ON CONFLICT DO NOTHING",
      "CREATE TABLE IF NOT EXISTS responses (id TEXT PRIMARY KEY, owner TEXT NOT NULL, created_us BIGINT NOT NULL, "
      "previous_id TEXT, response TEXT NOT NULL, input_items TEXT NOT NULL)",
      "CREATE TABLE IF NOT EXISTS spend_journal (name TEXT PRIMARY KEY, applied_seq BIGINT NOT NULL)",
      // Columns added since the tables were first made.
      "ALTER TABLE virtual_keys ADD COLUMN IF NOT EXISTS model_limits TEXT NOT NULL DEFAULT '{}'",
      "ALTER TABLE teams ADD COLUMN IF NOT EXISTS model_limits TEXT NOT NULL DEFAULT '{}'",
      "ALTER TABLE users ADD COLUMN IF NOT EXISTS model_limits TEXT NOT NULL DEFAULT '{}'",
      "ALTER TABLE virtual_keys ADD COLUMN IF NOT EXISTS guardrails TEXT NOT NULL DEFAULT '[]'",
      "ALTER TABLE teams ADD COLUMN IF NOT EXISTS guardrails TEXT NOT NULL DEFAULT '[]'",
      "ALTER TABLE users ADD COLUMN IF NOT EXISTS guardrails TEXT NOT NULL DEFAULT '[]'",
      "SELECT pg_advisory_unlock(7350189)",
  };
  for (const auto& s : sql)
    if (!c.exec(s, {}, nullptr, error)) {
      std::string ignored;
      c.exec("SELECT pg_advisory_unlock(7350189)", {}, nullptr, ignored);
      return false;
    }
  return true;
}

}  // namespace torii::store
