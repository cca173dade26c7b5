#include "store/response_store.hpp"

#include "store/postgres/pg.hpp"
#include "store/schema.hpp"

namespace torii::store {

namespace {

class SqliteResponseStore final : public ResponseStore {
 public:
  bool open(const std::string& path, std::string& error) { return open_database(path, db_, error); }

  bool put(const ResponseRow& row, std::string& error) override {
    Statement s;
    if (!db_.prepare("INSERT OR REPLACE INTO responses (id, owner, created_us, previous_id, response, input_items) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                     s, error))
      return false;
    s.bind(1, std::string_view(row.id));
    s.bind(2, std::string_view(row.owner));
    s.bind(3, row.created_us);
    s.bind_text_or_null(4, row.previous_id);
    s.bind_static(5, row.response_json);
    s.bind_static(6, row.input_items_json);
    s.step();
    if (s.ok()) return true;
    error = db_.last_error();
    return false;
  }

  std::optional<ResponseRow> get(const std::string& id, std::string& error) override {
    Statement s;
    if (!db_.prepare("SELECT owner, created_us, coalesce(previous_id, ''), response, input_items FROM responses "
                     "WHERE id = ?1",
                     s, error))
      return std::nullopt;
    s.bind(1, std::string_view(id));
    if (!s.step()) {
      if (!s.ok()) error = db_.last_error();
      return std::nullopt;
    }
    ResponseRow row;
    row.id = id;
    row.owner = s.text(0);
    row.created_us = s.int64(1);
    row.previous_id = s.text(2);
    row.response_json = s.text(3);
    row.input_items_json = s.text(4);
    return row;
  }

  bool remove(const std::string& id, std::string& error) override {
    Statement s;
    if (!db_.prepare("DELETE FROM responses WHERE id = ?1", s, error)) return false;
    s.bind(1, std::string_view(id));
    s.step();
    if (!s.ok()) {
      error = db_.last_error();
      return false;
    }
    return db_.changes() > 0;
  }

 private:
  Database db_;
};

class PgResponseStore final : public ResponseStore {
 public:
  bool open(const std::string& conninfo, std::string& error) {
    return c_.open(conninfo, error) && pg_ensure_schema(c_, error);
  }

  bool put(const ResponseRow& row, std::string& error) override {
    return c_.exec("INSERT INTO responses (id, owner, created_us, previous_id, response, input_items) "
                   "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET response = excluded.response, "
                   "input_items = excluded.input_items",
                   {pg_text(row.id), pg_text(row.owner), pg_int(row.created_us), pg_text_or_null(row.previous_id),
                    pg_text(row.response_json), pg_text(row.input_items_json)},
                   nullptr, error);
  }

  std::optional<ResponseRow> get(const std::string& id, std::string& error) override {
    PgResult r;
    if (!c_.exec("SELECT owner, created_us, coalesce(previous_id, ''), response, input_items FROM responses "
                 "WHERE id = $1",
                 {pg_text(id)}, &r, error))
      return std::nullopt;
    if (r.rows() == 0) return std::nullopt;
    ResponseRow row;
    row.id = id;
    row.owner = r.text(0, 0);
    row.created_us = r.int64(0, 1);
    row.previous_id = r.text(0, 2);
    row.response_json = r.text(0, 3);
    row.input_items_json = r.text(0, 4);
    return row;
  }

  bool remove(const std::string& id, std::string& error) override {
    PgResult r;
    if (!c_.exec("DELETE FROM responses WHERE id = $1 RETURNING id", {pg_text(id)}, &r, error)) return false;
    return r.rows() > 0;
  }

 private:
  PgConnection c_;
};

}  // namespace

std::unique_ptr<ResponseStore> open_response_store(const StoreLocation& where, std::string& error) {
  if (!where.postgres.empty()) {
    auto s = std::make_unique<PgResponseStore>();
    if (!s->open(where.postgres, error)) return nullptr;
    return s;
  }
  auto s = std::make_unique<SqliteResponseStore>();
  if (!s->open(where.sqlite_path, error)) return nullptr;
  return s;
}

}  // namespace torii::store
