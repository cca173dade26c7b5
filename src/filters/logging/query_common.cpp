#include "filters/logging/query_common.hpp"

#include <charconv>

#include "core/errors.hpp"
#include "http/percent.hpp"

namespace torii::filters::logging {

namespace json = boost::json;


QueryAnswer query_error(int status, std::string message, std::string param) {
  return {status, openai_error_body(make_error(status, std::move(message), "invalid_query", std::move(param)))};
}

std::map<std::string, std::string> parse_query(std::string_view q) {
  std::map<std::string, std::string> out;
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view part = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    out[http::percent_decode(part.substr(0, eq), true)] =
        eq == std::string_view::npos ? "" : http::percent_decode(part.substr(eq + 1), true);
  }
  return out;
}

bool parse_int(std::string_view s, int64_t& out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

void Filters::add_text(const std::string& clause, std::string v) {
  where += " AND " + clause;
  binds.push_back({false, 0, std::move(v)});
}

void Filters::add_int(const std::string& clause, int64_t v) {
  where += " AND " + clause;
  binds.push_back({true, v, {}});
}

std::optional<QueryAnswer> read_filters(const std::map<std::string, std::string>& q, Filters& f, const char* table) {
  const std::string t = table;
  for (const auto& [name, value] : q) {
    if (name == "since" || name == "until") {
      int64_t us;
      if (!parse_time(value, us))
        return query_error(400, name + ": expected an RFC 3339 time, a date or Unix seconds, got '" + value + "'", name);
      f.add_int(t + (name == "since" ? ".start_us >= ?" : ".start_us < ?"), us);
    } else if (name == "key") {
      f.add_text(t + ".key_id = ?", value);
    } else if (name == "team") {
      f.add_text(t + ".team_id = ?", value);
    } else if (name == "user") {
      f.add_text(t + ".user_id = ?", value);
    } else if (name == "model") {
      f.add_text(t + ".model = ?", value);
    } else if (name == "provider") {
      f.add_text(t + ".provider = ?", value);
    } else if (name == "session") {
      f.add_text(t + ".session_id = ?", value);
    } else if (name == "cache") {
      f.add_text(t + ".cache = ?", value);
    } else if (name == "tag") {
      // Correlated, so the newest-first walk of the rows drives the query.
      // (start_us lets PostgreSQL look in the row's day's partition only.)
      f.add_text("EXISTS (SELECT 1 FROM request_tags WHERE tag = ? AND request = " + t + ".id AND start_us = " + t +
                     ".start_us)",
                 value);
    } else if (name == "status") {
      int64_t code;
      if (value.size() == 3 && value[0] >= '1' && value[0] <= '5' && value.substr(1) == "xx") {
        f.add_int(t + ".status / 100 = ?", value[0] - '0');
      } else if (value == "error") {
        f.add_int(t + ".status >= ?", 400);
      } else if (parse_int(value, code) && code >= 100 && code <= 599) {
        f.add_int(t + ".status = ?", code);
      } else {
        return query_error(400, "status: expected a status (429), a class (4xx) or 'error', got '" + value + "'", "status");
      }
    }
  }
  return std::nullopt;
}

json::value nullable_text(const LogRows& row, int col) {
  return row.is_null(col) ? json::value(nullptr) : json::value(json::string(row.text(col)));
}
json::value nullable_real(const LogRows& row, int col) {
  return row.is_null(col) ? json::value(nullptr) : json::value(row.real(col));
}

}  // namespace torii::filters::logging
