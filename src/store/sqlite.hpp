#pragma once
// A thin RAII layer over SQLite: a connection, prepared statements with
// typed binds and columns, and errors as messages (never exceptions). Used
// from the store's own threads only; a connection is never shared between
// threads.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace torii::store {

class Statement;

class Database {
 public:
  Database() = default;
  ~Database();
  Database(Database&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Database& operator=(Database&& o) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Opens (creating) the file in WAL mode; false with `error` on failure.
  bool open(const std::string& path, std::string& error, bool read_only = false);
  bool is_open() const { return db_ != nullptr; }
  // Runs one or more statements without results.
  bool exec(std::string_view sql, std::string& error);
  bool prepare(std::string_view sql, Statement& out, std::string& error);
  std::string last_error() const;
  // SQLITE_FULL, SQLITE_READONLY, SQLITE_IOERR, ...: the primary code of the last failure.
  int last_code() const;
  int64_t changes() const;
  int64_t last_insert_rowid() const;

  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

class Statement {
 public:
  Statement() = default;
  ~Statement();
  Statement(Statement&& o) noexcept : st_(o.st_) { o.st_ = nullptr; }
  Statement& operator=(Statement&& o) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based, as in SQLite.
  void bind(int i, int64_t v);
  void bind(int i, double v);
  void bind(int i, std::string_view v);  // copied by SQLite
  // Not copied: `v` must stay unchanged until the statement is reset.
  void bind_static(int i, std::string_view v);
  void bind_null(int i);
  void bind(int i, const std::optional<double>& v) { v ? bind(i, *v) : bind_null(i); }
  // "" binds NULL: absent attribution is NULL, not an empty string.
  void bind_text_or_null(int i, std::string_view v) { v.empty() ? bind_null(i) : bind_static(i, v); }

  // true: a row is ready; false: done (check ok()).
  bool step();
  bool ok() const { return ok_; }
  // Ready to run again; the bindings stay (every insert rebinds them all).
  void reset();
  void clear();  // drops the bindings

  int columns() const;
  bool is_null(int col) const;
  int64_t int64(int col) const;
  double real(int col) const;
  std::string_view text(int col) const;
  std::string_view name(int col) const;
  bool is_integer(int col) const;
  bool is_real(int col) const;

 private:
  friend class Database;
  sqlite3_stmt* st_ = nullptr;
  bool ok_ = true;
};

}  // namespace torii::store
