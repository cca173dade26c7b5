#include "store/entity_store.hpp"

namespace torii::store {

namespace {

constexpr const char* kColumns =
    "id, name, models, metadata, blocked, created_us, updated_us, max_budget_usd, budget_period, rpm, tpm, max_parallel, "
    "model_limits, guardrails";

EntityRow read_row(const Statement& st) {
  EntityRow r;
  r.id = st.text(0);
  r.name = st.is_null(1) ? std::string() : std::string(st.text(1));
  r.policy.models_json = st.text(2);
  r.metadata_json = st.text(3);
  r.blocked = st.int64(4) != 0;
  r.created_us = st.int64(5);
  r.updated_us = st.int64(6);
  read_limits(st, 7, r.policy);
  return r;
}

void bind_row(Statement& s, const EntityRow& r) {
  s.bind(1, std::string_view(r.id));
  s.bind_text_or_null(2, r.name);
  s.bind(3, std::string_view(r.policy.models_json));
  s.bind(4, std::string_view(r.metadata_json));
  s.bind(5, int64_t(r.blocked));
  s.bind(6, r.created_us);
  s.bind(7, r.updated_us);
  bind_limits(s, 8, r.policy);
}

}  // namespace

bool SqliteEntityStore::run(Statement& s, std::string& error) {
  s.step();
  if (s.ok()) return true;
  const std::string message = db_.last_error();
  error = message.find(std::string(table_) + ".name") != std::string::npos ? "name" : message;
  return false;
}

bool SqliteEntityStore::insert(const EntityRow& row, std::string& error) {
  Statement s;
  if (!db_.prepare(std::string("INSERT INTO ") + table_ + " (" + kColumns +
                       ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                   s, error))
    return false;
  bind_row(s, row);
  return run(s, error);
}

bool SqliteEntityStore::update(const EntityRow& row, std::string& error) {
  Statement s;
  if (!db_.prepare(std::string("UPDATE ") + table_ +
                       " SET name = ?2, models = ?3, metadata = ?4, blocked = ?5, created_us = ?6, updated_us = ?7, "
                       "max_budget_usd = ?8, budget_period = ?9, rpm = ?10, tpm = ?11, max_parallel = ?12, model_limits = ?13, guardrails = ?14 "
                       "WHERE id = ?1",
                   s, error))
    return false;
  bind_row(s, row);
  return run(s, error);
}

bool SqliteEntityStore::remove(const std::string& id, std::string& error) {
  Statement s;
  if (!db_.prepare(std::string("DELETE FROM ") + table_ + " WHERE id = ?1", s, error)) return false;
  s.bind(1, std::string_view(id));
  return run(s, error);
}

std::optional<EntityRow> SqliteEntityStore::get(const std::string& id, std::string& error) {
  Statement s;
  if (!db_.prepare(std::string("SELECT ") + kColumns + " FROM " + table_ + " WHERE id = ?1", s, error))
    return std::nullopt;
  s.bind(1, std::string_view(id));
  if (s.step()) return read_row(s);
  if (!s.ok()) error = db_.last_error();
  return std::nullopt;
}

bool SqliteEntityStore::list(std::vector<EntityRow>& out, std::string& error) {
  Statement s;
  if (!db_.prepare(std::string("SELECT ") + kColumns + " FROM " + table_ + " ORDER BY created_us, id", s, error))
    return false;
  while (s.step()) out.push_back(read_row(s));
  if (!s.ok()) error = db_.last_error();
  return s.ok();
}

}  // namespace torii::store
