#include "store/postgres/pg_stores.hpp"

namespace torii::store {

namespace {

constexpr const char* kKeyColumns =
    "id, hash, previous_hash, previous_until_us, prefix, alias, team_id, user_id, models, expires_at_us, metadata, "
    "tags, blocked, created_us, updated_us, revoked_us, max_budget_usd, budget_period, rpm, tpm, max_parallel, "
    "model_limits, guardrails";

std::optional<int64_t> opt_int(const PgResult& r, int row, int col) {
  if (r.is_null(row, col)) return std::nullopt;
  return r.int64(row, col);
}

void read_policy(const PgResult& r, int row, int first, PolicyColumns& p) {
  if (!r.is_null(row, first)) p.max_budget_usd = r.real(row, first);
  p.budget_period = r.is_null(row, first + 1) ? std::string() : std::string(r.text(row, first + 1));
  p.rpm = opt_int(r, row, first + 2);
  p.tpm = opt_int(r, row, first + 3);
  p.max_parallel = opt_int(r, row, first + 4);
  if (!r.is_null(row, first + 5)) p.model_limits_json = std::string(r.text(row, first + 5));
  if (!r.is_null(row, first + 6)) p.guardrails_json = std::string(r.text(row, first + 6));
}

void add_policy(std::vector<PgParam>& v, const PolicyColumns& p) {
  v.push_back(pg_opt_real(p.max_budget_usd));
  v.push_back(pg_text_or_null(p.budget_period));
  v.push_back(pg_opt_int(p.rpm));
  v.push_back(pg_opt_int(p.tpm));
  v.push_back(pg_opt_int(p.max_parallel));
  v.push_back(pg_text(p.model_limits_json));
  v.push_back(pg_text(p.guardrails_json));
}

KeyRow read_key(const PgResult& r, int i) {
  KeyRow k;
  k.id = r.text(i, 0);
  k.hash = r.text(i, 1);
  k.previous_hash = r.is_null(i, 2) ? std::string() : std::string(r.text(i, 2));
  k.previous_until_us = r.is_null(i, 3) ? 0 : r.int64(i, 3);
  k.prefix = r.text(i, 4);
  k.alias = r.is_null(i, 5) ? std::string() : std::string(r.text(i, 5));
  k.team_id = r.is_null(i, 6) ? std::string() : std::string(r.text(i, 6));
  k.user_id = r.is_null(i, 7) ? std::string() : std::string(r.text(i, 7));
  k.policy.models_json = r.text(i, 8);
  k.expires_at_us = opt_int(r, i, 9);
  k.metadata_json = r.text(i, 10);
  k.tags_json = r.text(i, 11);
  k.blocked = r.text(i, 12) == "t";
  k.created_us = r.int64(i, 13);
  k.updated_us = r.int64(i, 14);
  k.revoked_us = opt_int(r, i, 15);
  read_policy(r, i, 16, k.policy);
  return k;
}

std::vector<PgParam> key_params(const KeyRow& k) {
  std::vector<PgParam> v{pg_text(k.id),
                         pg_text(k.hash),
                         pg_text_or_null(k.previous_hash),
                         k.previous_until_us ? pg_int(k.previous_until_us) : PgParam(),
                         pg_text(k.prefix),
                         pg_text_or_null(k.alias),
                         pg_text_or_null(k.team_id),
                         pg_text_or_null(k.user_id),
                         pg_text(k.policy.models_json),
                         pg_opt_int(k.expires_at_us),
                         pg_text(k.metadata_json),
                         pg_text(k.tags_json),
                         pg_text(k.blocked ? "true" : "false"),
                         pg_int(k.created_us),
                         pg_int(k.updated_us),
                         pg_opt_int(k.revoked_us)};
  add_policy(v, k.policy);
  return v;
}

// "alias" / "name" for a unique violation on that column, as SQLite's stores say.
void name_violation(const std::string& violated, const char* column, std::string& error) {
  if (violated.find(column) != std::string::npos) error = column;
}

}  // namespace

bool pg_write(PgConnection& c, std::string_view sql, const std::vector<PgParam>& params, std::string& error,
              std::string* unique_violated) {
  if (!c.exec("BEGIN", {}, nullptr, error)) return false;
  std::string ignored;
  if (!c.exec(sql, params, nullptr, error)) {
    if (unique_violated && c.sqlstate() == "23505") *unique_violated = c.constraint();
    c.exec("ROLLBACK", {}, nullptr, ignored);
    return false;
  }
  if (!c.exec("UPDATE torii_changes SET version = version + 1", {}, nullptr, error) ||
      !c.exec("COMMIT", {}, nullptr, error)) {
    c.exec("ROLLBACK", {}, nullptr, ignored);
    return false;
  }
  return true;
}

bool PgKeyStore::insert(const KeyRow& row, std::string& error) {
  const std::string sql = std::string("INSERT INTO virtual_keys (") + kKeyColumns +
                          ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, "
                          "$19, $20, $21, $22, $23)";
  std::string violated;
  if (pg_write(*c_, sql, key_params(row), error, &violated)) return true;
  name_violation(violated, "alias", error);
  return false;
}

bool PgKeyStore::update(const KeyRow& row, std::string& error) {
  const char* sql =
      "UPDATE virtual_keys SET hash = $2, previous_hash = $3, previous_until_us = $4, prefix = $5, alias = $6, "
      "team_id = $7, user_id = $8, models = $9, expires_at_us = $10, metadata = $11, tags = $12, blocked = $13, "
      "created_us = $14, updated_us = $15, revoked_us = $16, max_budget_usd = $17, budget_period = $18, rpm = $19, "
      "tpm = $20, max_parallel = $21, model_limits = $22, guardrails = $23 WHERE id = $1";
  std::string violated;
  if (pg_write(*c_, sql, key_params(row), error, &violated)) return true;
  name_violation(violated, "alias", error);
  return false;
}

std::optional<KeyRow> PgKeyStore::get(const std::string& id, std::string& error) {
  PgResult r;
  if (!c_->exec(std::string("SELECT ") + kKeyColumns + " FROM virtual_keys WHERE id = $1", {pg_text(id)}, &r, error))
    return std::nullopt;
  if (r.rows() == 0) return std::nullopt;
  return read_key(r, 0);
}

bool PgKeyStore::list(std::vector<KeyRow>& out, std::string& error) {
  PgResult r;
  if (!c_->exec(std::string("SELECT ") + kKeyColumns + " FROM virtual_keys ORDER BY created_us, id", {}, &r, error))
    return false;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_key(r, i));
  return true;
}

int64_t PgKeyStore::count_members(const char* column, const std::string& id) {
  PgResult r;
  std::string error;
  if (!c_->exec(std::string("SELECT count(*) FROM virtual_keys WHERE revoked_us IS NULL AND ") + column + " = $1",
                {pg_text(id)}, &r, error) ||
      r.rows() == 0)
    return 0;
  return r.int64(0, 0);
}

std::optional<int64_t> PgKeyStore::change_version(std::string& error) {
  PgResult r;
  if (!c_->exec("SELECT version FROM torii_changes WHERE one = 1", {}, &r, error) || r.rows() == 0) return std::nullopt;
  return r.int64(0, 0);
}

namespace {

constexpr const char* kEntityColumns =
    "id, name, models, metadata, blocked, created_us, updated_us, max_budget_usd, budget_period, rpm, tpm, max_parallel, "
    "model_limits, guardrails";

EntityRow read_entity(const PgResult& r, int i) {
  EntityRow e;
  e.id = r.text(i, 0);
  e.name = r.is_null(i, 1) ? std::string() : std::string(r.text(i, 1));
  e.policy.models_json = r.text(i, 2);
  e.metadata_json = r.text(i, 3);
  e.blocked = r.text(i, 4) == "t";
  e.created_us = r.int64(i, 5);
  e.updated_us = r.int64(i, 6);
  read_policy(r, i, 7, e.policy);
  return e;
}

std::vector<PgParam> entity_params(const EntityRow& e) {
  std::vector<PgParam> v{pg_text(e.id),          pg_text_or_null(e.name), pg_text(e.policy.models_json),
                         pg_text(e.metadata_json), pg_text(e.blocked ? "true" : "false"), pg_int(e.created_us),
                         pg_int(e.updated_us)};
  add_policy(v, e.policy);
  return v;
}

}  // namespace

bool PgEntityStore::insert(const EntityRow& row, std::string& error) {
  const std::string sql = std::string("INSERT INTO ") + table_ + " (" + kEntityColumns +
                          ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";
  std::string violated;
  if (pg_write(*c_, sql, entity_params(row), error, &violated)) return true;
  name_violation(violated, "name", error);
  return false;
}

bool PgEntityStore::update(const EntityRow& row, std::string& error) {
  const std::string sql = std::string("UPDATE ") + table_ +
                          " SET name = $2, models = $3, metadata = $4, blocked = $5, created_us = $6, updated_us = $7, "
                          "max_budget_usd = $8, budget_period = $9, rpm = $10, tpm = $11, max_parallel = $12, model_limits = $13, guardrails = $14 "
                          "WHERE id = $1";
  std::string violated;
  if (pg_write(*c_, sql, entity_params(row), error, &violated)) return true;
  name_violation(violated, "name", error);
  return false;
}

bool PgEntityStore::remove(const std::string& id, std::string& error) {
  return pg_write(*c_, std::string("DELETE FROM ") + table_ + " WHERE id = $1", {pg_text(id)}, error);
}

std::optional<EntityRow> PgEntityStore::get(const std::string& id, std::string& error) {
  PgResult r;
  if (!c_->exec(std::string("SELECT ") + kEntityColumns + " FROM " + table_ + " WHERE id = $1", {pg_text(id)}, &r,
                error))
    return std::nullopt;
  if (r.rows() == 0) return std::nullopt;
  return read_entity(r, 0);
}

bool PgEntityStore::list(std::vector<EntityRow>& out, std::string& error) {
  PgResult r;
  if (!c_->exec(std::string("SELECT ") + kEntityColumns + " FROM " + table_ + " ORDER BY created_us, id", {}, &r, error))
    return false;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_entity(r, i));
  return true;
}

bool PgLedgerStore::open(const std::string& conninfo, std::string& error) {
  return c_.open(conninfo, error) && pg_ensure_schema(c_, error);
}

bool PgLedgerStore::add(const std::vector<LedgerDelta>& deltas, const std::vector<JournalMark>& marks,
                        std::string& error) {
  if (deltas.empty() && marks.empty()) return true;
  std::string ignored;
  if (!c_.exec("BEGIN", {}, nullptr, error)) return false;
  for (const auto& d : deltas)
    if (!c_.exec("INSERT INTO spend_ledger (level, id, hour, spend_nusd, requests) VALUES ($1, $2, $3, $4, $5) "
                 "ON CONFLICT (level, id, hour) DO UPDATE SET spend_nusd = spend_ledger.spend_nusd + excluded.spend_nusd, "
                 "requests = spend_ledger.requests + excluded.requests",
                 {pg_text(d.level), pg_text(d.id), pg_int(d.hour), pg_int(d.nusd), pg_int(d.requests)}, nullptr, error)) {
      c_.exec("ROLLBACK", {}, nullptr, ignored);
      return false;
    }
  for (const auto& m : marks)
    if (!c_.exec("INSERT INTO spend_journal (name, applied_seq) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET "
                 "applied_seq = greatest(spend_journal.applied_seq, excluded.applied_seq)",
                 {pg_text(m.name), pg_int(m.seq)}, nullptr, error)) {
      c_.exec("ROLLBACK", {}, nullptr, ignored);
      return false;
    }
  if (c_.exec("COMMIT", {}, nullptr, error)) return true;
  c_.exec("ROLLBACK", {}, nullptr, ignored);
  return false;
}

std::optional<int64_t> PgLedgerStore::journal_applied(std::string_view name, std::string& error) {
  PgResult r;
  if (!c_.exec("SELECT applied_seq FROM spend_journal WHERE name = $1", {pg_text(name)}, &r, error)) return std::nullopt;
  return r.rows() == 0 ? 0 : r.int64(0, 0);
}

std::optional<int64_t> PgLedgerStore::spent_since(std::string_view level, std::string_view id, int64_t since_us,
                                                  std::string& error) {
  PgResult r;
  if (!c_.exec("SELECT coalesce(sum(spend_nusd), 0) FROM spend_ledger WHERE level = $1 AND id = $2 AND hour >= $3",
               {pg_text(level), pg_text(id), pg_int(since_us / 3'600'000'000)}, &r, error) ||
      r.rows() == 0)
    return std::nullopt;
  return r.int64(0, 0);
}

}  // namespace torii::store
