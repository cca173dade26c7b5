#include "store/sqlite.hpp"

#include <sqlite3.h>

#include <mutex>

namespace torii::store {

Database::~Database() {
  if (db_) sqlite3_close_v2(db_);
}

Database& Database::operator=(Database&& o) noexcept {
  if (this != &o) {
    if (db_) sqlite3_close_v2(db_);
    db_ = o.db_;
    o.db_ = nullptr;
  }
  return *this;
}

namespace {

// Before SQLite's first use: no global allocation statistics (a mutex taken
// on every malloc) and no per-connection mutexes (a connection is only ever
// used by one thread at a time).
void configure_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
  });
}

}  // namespace

bool Database::open(const std::string& path, std::string& error, bool read_only) {
  configure_once();
  int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  flags |= SQLITE_OPEN_NOMUTEX;  // one thread per connection
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    error = db ? sqlite3_errmsg(db) : "out of memory";
    if (db) sqlite3_close_v2(db);
    return false;
  }
  if (db_) sqlite3_close_v2(db_);
  db_ = db;
  // Readers wait for a writer's checkpoint rather than failing with BUSY.
  sqlite3_busy_timeout(db_, 5000);
  // Room for SQLite's small allocations inside the connection (fewer mallocs per row).
  sqlite3_db_config(db_, SQLITE_DBCONFIG_LOOKASIDE, nullptr, 512, 1024);
  if (!read_only && !exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", error)) return false;
  return true;
}

bool Database::exec(std::string_view sql, std::string& error) {
  char* msg = nullptr;
  std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
    error = msg ? msg : sqlite3_errmsg(db_);
    sqlite3_free(msg);
    return false;
  }
  return true;
}

bool Database::prepare(std::string_view sql, Statement& out, std::string& error) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), int(sql.size()), &st, nullptr) != SQLITE_OK) {
    error = sqlite3_errmsg(db_);
    return false;
  }
  out = Statement();
  out.st_ = st;
  return true;
}

std::string Database::last_error() const { return db_ ? sqlite3_errmsg(db_) : "not open"; }
int Database::last_code() const { return db_ ? (sqlite3_extended_errcode(db_) & 0xff) : SQLITE_CANTOPEN; }
int64_t Database::changes() const { return db_ ? sqlite3_changes64(db_) : 0; }
int64_t Database::last_insert_rowid() const { return db_ ? sqlite3_last_insert_rowid(db_) : 0; }

Statement::~Statement() {
  if (st_) sqlite3_finalize(st_);
}

Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    if (st_) sqlite3_finalize(st_);
    st_ = o.st_;
    ok_ = o.ok_;
    o.st_ = nullptr;
  }
  return *this;
}

void Statement::bind(int i, int64_t v) { sqlite3_bind_int64(st_, i, v); }
void Statement::bind(int i, double v) { sqlite3_bind_double(st_, i, v); }
// A null pointer would bind NULL, not an empty string.
void Statement::bind(int i, std::string_view v) {
  sqlite3_bind_text(st_, i, v.data() ? v.data() : "", int(v.size()), SQLITE_TRANSIENT);
}
void Statement::bind_static(int i, std::string_view v) {
  sqlite3_bind_text(st_, i, v.data() ? v.data() : "", int(v.size()), SQLITE_STATIC);
}
void Statement::bind_null(int i) { sqlite3_bind_null(st_, i); }

bool Statement::step() {
  int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  ok_ = rc == SQLITE_DONE;
  return false;
}

void Statement::reset() {
  sqlite3_reset(st_);
  ok_ = true;
}

void Statement::clear() {
  sqlite3_clear_bindings(st_);
}

int Statement::columns() const { return sqlite3_column_count(st_); }
bool Statement::is_null(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
bool Statement::is_integer(int col) const { return sqlite3_column_type(st_, col) == SQLITE_INTEGER; }
bool Statement::is_real(int col) const { return sqlite3_column_type(st_, col) == SQLITE_FLOAT; }
int64_t Statement::int64(int col) const { return sqlite3_column_int64(st_, col); }
double Statement::real(int col) const { return sqlite3_column_double(st_, col); }
std::string_view Statement::text(int col) const {
  const unsigned char* p = sqlite3_column_text(st_, col);
  return p ? std::string_view(reinterpret_cast<const char*>(p), size_t(sqlite3_column_bytes(st_, col))) : std::string_view();
}
std::string_view Statement::name(int col) const { return sqlite3_column_name(st_, col); }

}  // namespace torii::store
