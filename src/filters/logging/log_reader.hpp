#pragma once
// A read connection to the request log, in the SQLite file or in
// PostgreSQL, with what differs between the two (placeholders, date
// functions) behind it, so the admin API's queries are written once.
// Opened per query on the admin thread; PostgreSQL's connection is kept
// per thread.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "filters/logging/log_query.hpp"
#include "store/open_stores.hpp"

namespace torii::filters::logging {

// A value for the n-th "?" of a query.
struct QueryBind {
  bool is_int;
  int64_t i;
  std::string s;
};

class LogRows {
 public:
  virtual ~LogRows() = default;
  // The next row; false at the end, or on a failure (ok() false).
  virtual bool next() = 0;
  virtual bool ok() const = 0;
  virtual bool is_null(int col) const = 0;
  virtual std::string_view text(int col) const = 0;
  virtual int64_t int64(int col) const = 0;
  virtual double real(int col) const = 0;
};

class LogReader {
 public:
  virtual ~LogReader() = default;
  // `sql` with "?" placeholders, bound in order; null on failure (error()).
  virtual std::unique_ptr<LogRows> query(const std::string& sql, const std::vector<QueryBind>& binds) = 0;
  virtual std::string error() const = 0;
  // SQL for the UTC day ("2026-12-04") and hour ("2026-12-04T10:00:00Z") of
  // the Unix seconds `seconds` (an SQL expression).
  virtual std::string utc_day(const std::string& seconds) const = 0;
  virtual std::string utc_hour(const std::string& seconds) const = 0;
};

// A reader of the log at `where`, or null with the 503 to answer in `failure`.
std::unique_ptr<LogReader> open_log_reader(const store::StoreLocation& where, QueryAnswer& failure);
// The 503 for a query that failed.
QueryAnswer store_failure(const LogReader& reader);

}  // namespace torii::filters::logging
