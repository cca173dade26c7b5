#pragma once
// The request log's times: Unix microseconds, read from and written as
// RFC 3339 (UTC).
#include <cstdint>
#include <string>
#include <string_view>

namespace torii::filters::logging {

// Parses RFC 3339 ("2026-12-01T10:00:00Z", offsets and fractions allowed),
// a date ("2026-12-01") or Unix seconds into Unix microseconds.
bool parse_time(std::string_view text, int64_t& out_us);
// Unix microseconds as RFC 3339 in UTC with microseconds ("...T10:00:00.000000Z").
std::string format_time(int64_t us);

}  // namespace torii::filters::logging
