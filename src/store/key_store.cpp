#include "store/key_store.hpp"

#include <sqlite3.h>

#include "store/schema.hpp"

namespace torii::store {

namespace {

constexpr const char* kColumns =
    "id, hash, previous_hash, previous_until_us, prefix, alias, team_id, user_id, models, expires_at_us, metadata, "
    "tags, blocked, created_us, updated_us, revoked_us, max_budget_usd, budget_period, rpm, tpm, max_parallel, model_limits, "
    "guardrails";

KeyRow read_row(const Statement& st) {
  KeyRow r;
  r.id = st.text(0);
  r.hash = st.text(1);
  r.previous_hash = st.text(2);
  r.previous_until_us = st.is_null(3) ? 0 : st.int64(3);
  r.prefix = st.text(4);
  r.alias = st.text(5);
  r.team_id = st.text(6);
  r.user_id = st.text(7);
  r.policy.models_json = st.text(8);
  if (!st.is_null(9)) r.expires_at_us = st.int64(9);
  r.metadata_json = st.text(10);
  r.tags_json = st.text(11);
  r.blocked = st.int64(12) != 0;
  r.created_us = st.int64(13);
  r.updated_us = st.int64(14);
  if (!st.is_null(15)) r.revoked_us = st.int64(15);
  read_limits(st, 16, r.policy);
  return r;
}

void bind_row(Statement& s, const KeyRow& r) {
  s.bind(1, r.id);
  s.bind(2, r.hash);
  s.bind_text_or_null(3, r.previous_hash);
  if (r.previous_until_us) s.bind(4, r.previous_until_us);
  else s.bind_null(4);
  s.bind(5, r.prefix);
  s.bind_text_or_null(6, r.alias);
  s.bind_text_or_null(7, r.team_id);
  s.bind_text_or_null(8, r.user_id);
  s.bind(9, r.policy.models_json);
  if (r.expires_at_us) s.bind(10, *r.expires_at_us);
  else s.bind_null(10);
  s.bind(11, r.metadata_json);
  s.bind(12, r.tags_json);
  s.bind(13, int64_t(r.blocked));
  s.bind(14, r.created_us);
  s.bind(15, r.updated_us);
  if (r.revoked_us) s.bind(16, *r.revoked_us);
  else s.bind_null(16);
  bind_limits(s, 17, r.policy);
}

bool run(Database& db, Statement& s, std::string& error) {
  s.step();
  if (s.ok()) return true;
  const std::string message = db.last_error();
  error = message.find("virtual_keys.alias") != std::string::npos ? "alias" : message;
  return false;
}

}  // namespace

bool SqliteKeyStore::open(const std::string& path, std::string& error) { return open_database(path, db_, error); }

bool SqliteKeyStore::insert(const KeyRow& row, std::string& error) {
  Statement s;
  if (!db_.prepare(std::string("INSERT INTO virtual_keys (") + kColumns +
                       ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)",
                   s, error))
    return false;
  bind_row(s, row);
  return run(db_, s, error);
}

bool SqliteKeyStore::update(const KeyRow& row, std::string& error) {
  Statement s;
  if (!db_.prepare("UPDATE virtual_keys SET hash = ?2, previous_hash = ?3, previous_until_us = ?4, prefix = ?5, "
                   "alias = ?6, team_id = ?7, user_id = ?8, models = ?9, expires_at_us = ?10, metadata = ?11, "
                   "tags = ?12, blocked = ?13, created_us = ?14, updated_us = ?15, revoked_us = ?16, max_budget_usd = ?17, "
                   "budget_period = ?18, rpm = ?19, tpm = ?20, max_parallel = ?21, model_limits = ?22, guardrails = ?23 WHERE id = ?1",
                   s, error))
    return false;
  bind_row(s, row);
  return run(db_, s, error);
}

std::optional<KeyRow> SqliteKeyStore::get(const std::string& id, std::string& error) {
  Statement s;
  if (!db_.prepare(std::string("SELECT ") + kColumns + " FROM virtual_keys WHERE id = ?1", s, error)) return std::nullopt;
  s.bind(1, id);
  if (s.step()) return read_row(s);
  if (!s.ok()) error = db_.last_error();
  return std::nullopt;
}

bool SqliteKeyStore::list(std::vector<KeyRow>& out, std::string& error) {
  Statement s;
  if (!db_.prepare(std::string("SELECT ") + kColumns + " FROM virtual_keys ORDER BY created_us, id", s, error))
    return false;
  while (s.step()) out.push_back(read_row(s));
  if (!s.ok()) error = db_.last_error();
  return s.ok();
}

int64_t SqliteKeyStore::count_members(const char* column, const std::string& id) {
  Statement s;
  std::string error;
  if (!db_.prepare(std::string("SELECT count(*) FROM virtual_keys WHERE revoked_us IS NULL AND ") + column + " = ?1", s,
                   error))
    return 0;
  s.bind(1, std::string_view(id));
  return s.step() ? s.int64(0) : 0;
}

}  // namespace torii::store
