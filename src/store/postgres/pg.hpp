#pragma once
// A thin RAII layer over libpq for the store's background threads (the
// admin thread, the ledger's writer, the directory's watcher): one
// connection per thread, blocking calls, text parameters and results, and
// errors as messages. Never used on a worker's event loop. A connection
// that broke is opened again on the next call.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;
struct pg_result;

namespace torii::store {

class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(pg_result* r) : r_(r) {}
  ~PgResult();
  PgResult(PgResult&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  PgResult& operator=(PgResult&& o) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  int rows() const;
  bool is_null(int row, int col) const;
  std::string_view text(int row, int col) const;
  int64_t int64(int row, int col) const;
  double real(int row, int col) const;

 private:
  pg_result* r_ = nullptr;
};

// A parameter: text, or NULL.
using PgParam = std::optional<std::string>;

class PgConnection {
 public:
  PgConnection() = default;
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  bool open(const std::string& conninfo, std::string& error);
  // Runs `sql` ($1, $2... placeholders); false with `error` (and
  // `sqlstate`, e.g. "23505" for a unique violation, and the violated
  // constraint's name in `constraint`) on failure.
  // Inside a transaction (after a successful "BEGIN", until "COMMIT" or
  // "ROLLBACK") a broken connection is not opened again: the statements
  // after the break fail, and never run outside the transaction.
  bool exec(std::string_view sql, const std::vector<PgParam>& params, PgResult* out, std::string& error);
  // Several statements without parameters in one round trip (one implicit
  // transaction unless they say BEGIN/COMMIT themselves).
  bool run_script(const std::string& sql, std::string& error);
  const std::string& sqlstate() const { return sqlstate_; }
  const std::string& constraint() const { return constraint_; }

 private:
  bool ensure(std::string& error);
  // Before a call: clears the last failure's details; connected, and never
  // reconnected inside a transaction.
  bool ready(std::string& error);
  bool fail_result(pg_result* raw, std::string& error);
  std::string conninfo_;
  pg_conn* conn_ = nullptr;
  bool in_transaction_ = false;
  std::string sqlstate_, constraint_;
};

inline PgParam pg_text(std::string_view s) { return std::string(s); }
// `s` as PostgreSQL's text takes it: a NUL or a byte that is not part of
// valid UTF-8 (which it refuses, failing the whole statement) becomes U+FFFD.
std::string pg_safe_text(std::string_view s);

inline PgParam pg_text_or_null(std::string_view s) { return s.empty() ? PgParam() : PgParam(std::string(s)); }
inline PgParam pg_int(int64_t v) { return std::to_string(v); }
PgParam pg_real(double v);
inline PgParam pg_opt_int(const std::optional<int64_t>& v) { return v ? pg_int(*v) : PgParam(); }
inline PgParam pg_opt_real(const std::optional<double>& v) { return v ? pg_real(*v) : PgParam(); }

// The tables of the shared store (keys, teams, users, the spend ledger, the
// change counter), created when missing.
bool pg_ensure_schema(PgConnection& c, std::string& error);

}  // namespace torii::store
