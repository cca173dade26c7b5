#include "filters/logging/log_reader.hpp"

#include <map>

#include "core/errors.hpp"
#include "store/postgres/pg.hpp"
#include "store/sqlite.hpp"

namespace torii::filters::logging {

namespace {

class SqliteRows final : public LogRows {
 public:
  explicit SqliteRows(store::Statement st) : st_(std::move(st)) {}
  bool next() override { return st_.step(); }
  bool ok() const override { return st_.ok(); }
  bool is_null(int col) const override { return st_.is_null(col); }
  std::string_view text(int col) const override { return st_.text(col); }
  int64_t int64(int col) const override { return st_.int64(col); }
  double real(int col) const override { return st_.real(col); }

 private:
  store::Statement st_;
};

class SqliteReader final : public LogReader {
 public:
  bool open(const std::string& path, std::string& error) { return db_.open(path, error, true); }
  std::unique_ptr<LogRows> query(const std::string& sql, const std::vector<QueryBind>& binds) override {
    store::Statement st;
    std::string ignored;
    if (!db_.prepare(sql, st, ignored)) return nullptr;
    for (size_t i = 0; i < binds.size(); ++i) {
      if (binds[i].is_int) st.bind(int(i + 1), binds[i].i);
      else st.bind(int(i + 1), std::string_view(binds[i].s));
    }
    return std::make_unique<SqliteRows>(std::move(st));
  }
  std::string error() const override { return db_.last_error(); }
  std::string utc_day(const std::string& seconds) const override {
    return "strftime('%Y-%m-%d', " + seconds + ", 'unixepoch')";
  }
  std::string utc_hour(const std::string& seconds) const override {
    return "strftime('%Y-%m-%dT%H:00:00Z', " + seconds + ", 'unixepoch')";
  }

 private:
  store::Database db_;
};

// The whole result is in memory (a page of logs, a report's groups).
class PgRows final : public LogRows {
 public:
  explicit PgRows(store::PgResult r) : r_(std::move(r)) {}
  bool next() override { return ++row_ < r_.rows(); }
  bool ok() const override { return true; }
  bool is_null(int col) const override { return r_.is_null(row_, col); }
  std::string_view text(int col) const override { return r_.text(row_, col); }
  int64_t int64(int col) const override { return r_.int64(row_, col); }
  double real(int col) const override { return r_.real(row_, col); }

 private:
  store::PgResult r_;
  int row_ = -1;
};

// "?" to "$1", "$2"... (the queries' literals hold no "?").
std::string numbered_placeholders(const std::string& sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  for (char c : sql) {
    if (c == '?') out += "$" + std::to_string(++n);
    else out += c;
  }
  return out;
}

class PgReader final : public LogReader {
 public:
  explicit PgReader(store::PgConnection& c) : c_(c) {}
  std::unique_ptr<LogRows> query(const std::string& sql, const std::vector<QueryBind>& binds) override {
    std::vector<store::PgParam> params;
    params.reserve(binds.size());
    for (const QueryBind& b : binds) params.push_back(b.is_int ? store::pg_int(b.i) : store::pg_safe_text(b.s));
    store::PgResult r;
    if (!c_.exec(numbered_placeholders(sql), params, &r, error_)) return nullptr;
    return std::make_unique<PgRows>(std::move(r));
  }
  std::string error() const override { return error_; }
  std::string utc_day(const std::string& seconds) const override {
    return "to_char(to_timestamp(" + seconds + ") AT TIME ZONE 'UTC', 'YYYY-MM-DD')";
  }
  std::string utc_hour(const std::string& seconds) const override {
    return "to_char(to_timestamp(" + seconds + ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24\":00:00Z\"')";
  }

 private:
  store::PgConnection& c_;
  std::string error_;
};

QueryAnswer unreadable(const std::string& why) {
  return {503, openai_error_body(make_error(503, "the request log is not readable: " + why, "store_unavailable"))};
}

}  // namespace

std::unique_ptr<LogReader> open_log_reader(const store::StoreLocation& where, QueryAnswer& failure) {
  std::string error;
  if (!where.postgres.empty()) {
    // One connection per admin thread, opened again when it broke.
    thread_local std::map<std::string, std::unique_ptr<store::PgConnection>> connections;
    auto& c = connections[where.postgres];
    if (!c) {
      auto fresh = std::make_unique<store::PgConnection>();
      if (!fresh->open(where.postgres, error)) {
        failure = unreadable(error);
        return nullptr;
      }
      c = std::move(fresh);
    }
    return std::make_unique<PgReader>(*c);
  }
  auto reader = std::make_unique<SqliteReader>();
  if (!reader->open(where.sqlite_path, error)) {
    failure = unreadable(error);
    return nullptr;
  }
  return reader;
}

QueryAnswer store_failure(const LogReader& reader) {
  return {503,
          openai_error_body(make_error(503, "the request log query failed: " + reader.error(), "store_unavailable"))};
}

}  // namespace torii::filters::logging
