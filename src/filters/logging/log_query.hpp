#pragma once
// The admin API over the request log: GET /admin/logs (filters, cursor
// pagination), GET /admin/logs/{request_id} (with bodies) and GET
// /admin/spend (grouped totals). Each call opens its own read-only
// connection and runs on the caller's thread, which must not be a worker's
// event loop (the gateway runs these on its admin thread).
#include <string>
#include <string_view>

namespace torii::filters::logging {

struct QueryAnswer {
  int status = 200;
  std::string body;  // JSON; an OpenAI-shaped error when status is not 200
};

QueryAnswer list_logs(const std::string& database, std::string_view query_string);
QueryAnswer get_log(const std::string& database, std::string_view request_id);
QueryAnswer spend_report(const std::string& database, std::string_view query_string);

// Parses RFC 3339 ("2026-12-01T10:00:00Z", offsets and fractions allowed),
// a date ("2026-12-01") or Unix seconds into Unix microseconds.
bool parse_time(std::string_view text, int64_t& out_us);
// Unix microseconds as RFC 3339 in UTC with microseconds ("...T10:00:00.000000Z").
std::string format_time(int64_t us);

}  // namespace torii::filters::logging
