#include "filters/logging/log_query.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <optional>
#include <vector>

#include <boost/json.hpp>

#include "core/errors.hpp"
#include "store/sqlite.hpp"

namespace torii::filters::logging {

namespace json = boost::json;

namespace {

constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 1000;

QueryAnswer error(int status, std::string message, std::string param = "") {
  return {status, openai_error_body(make_error(status, std::move(message), "invalid_query", std::move(param)))};
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') out += ' ';
    else if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += char(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else out += s[i];
  }
  return out;
}

// name -> value; a repeated name keeps its last value.
std::map<std::string, std::string> parse_query(std::string_view q) {
  std::map<std::string, std::string> out;
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view part = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    out[percent_decode(part.substr(0, eq))] = eq == std::string_view::npos ? "" : percent_decode(part.substr(eq + 1));
  }
  return out;
}

bool parse_int(std::string_view s, int64_t& out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = unsigned(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + int64_t(doe) - 719468;
}

std::string rfc3339(int64_t us) {
  int64_t secs = us >= 0 ? us / 1'000'000 : (us - 999'999) / 1'000'000;
  int64_t micros = us - secs * 1'000'000;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  // civil_from_days
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = unsigned(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = int64_t(yoe) + era * 400 + (m <= 2);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ", static_cast<long long>(y), m, d,
                static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60),
                static_cast<long long>(rem % 60), static_cast<long long>(micros));
  return buf;
}

struct Filters {
  std::string where = " WHERE 1=1";
  struct Bind {  // bound in order of the clauses

    bool is_int;
    int64_t i;
    std::string s;
  };
  std::vector<Bind> binds;
  void add_text(const std::string& clause, std::string v) {
    where += " AND " + clause;
    binds.push_back({false, 0, std::move(v)});
  }
  void add_int(const std::string& clause, int64_t v) {
    where += " AND " + clause;
    binds.push_back({true, v, {}});
  }
  void bind(store::Statement& st) const {
    for (size_t i = 0; i < binds.size(); ++i) {
      if (binds[i].is_int) st.bind(int(i + 1), binds[i].i);
      else st.bind(int(i + 1), std::string_view(binds[i].s));
    }
  }
};

// The filters both /admin/logs and /admin/spend take. An error answer, or nothing.
std::optional<QueryAnswer> read_filters(const std::map<std::string, std::string>& q, Filters& f, const char* table) {
  const std::string t = table;
  for (const auto& [name, value] : q) {
    if (name == "since" || name == "until") {
      int64_t us;
      if (!parse_time(value, us))
        return error(400, name + ": expected an RFC 3339 time, a date or Unix seconds, got '" + value + "'", name);
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
      f.add_text(t + ".id IN (SELECT request FROM request_tags WHERE tag = ?)", value);
    } else if (name == "status") {
      int64_t code;
      if (value.size() == 3 && value[0] >= '1' && value[0] <= '5' && value.substr(1) == "xx") {
        f.add_int(t + ".status / 100 = ?", value[0] - '0');
      } else if (value == "error") {
        f.add_int(t + ".status >= ?", 400);
      } else if (parse_int(value, code) && code >= 100 && code <= 599) {
        f.add_int(t + ".status = ?", code);
      } else {
        return error(400, "status: expected a status (429), a class (4xx) or 'error', got '" + value + "'", "status");
      }
    }
  }
  return std::nullopt;
}

json::value nullable_text(const store::Statement& st, int col) {
  return st.is_null(col) ? json::value(nullptr) : json::value(json::string(st.text(col)));
}
json::value nullable_real(const store::Statement& st, int col) {
  return st.is_null(col) ? json::value(nullptr) : json::value(st.real(col));
}

constexpr const char* kColumns =
    "r.id, r.request_id, r.start_us, r.duration_ms, r.ttft_ms, r.upstream_ms, r.surface, r.method, r.path, r.model, "
    "r.provider, r.upstream_model, r.fallback_model, r.attempts, r.status, r.error_code, r.cancelled, r.streamed, "
    "r.key_id, r.team_id, r.user_id, r.session_id, r.tags, r.metadata, r.input_tokens, r.output_tokens, "
    "r.cached_tokens, r.cache_write_tokens, r.reasoning_tokens, r.audio_tokens, r.usage_estimated, r.cost_usd, "
    "r.cache, r.guardrails";

json::object row_json(const store::Statement& st) {
  json::object o;
  o["request_id"] = st.text(1);
  o["start_time"] = rfc3339(st.int64(2));
  o["duration_ms"] = st.real(3);
  o["ttft_ms"] = nullable_real(st, 4);
  o["upstream_ms"] = nullable_real(st, 5);
  o["surface"] = st.text(6);
  o["method"] = st.text(7);
  o["path"] = st.text(8);
  o["model"] = nullable_text(st, 9);
  o["provider"] = nullable_text(st, 10);
  o["upstream_model"] = nullable_text(st, 11);
  o["fallback_model"] = nullable_text(st, 12);
  o["attempts"] = st.int64(13);
  o["status"] = st.int64(14);
  o["error_code"] = nullable_text(st, 15);
  o["cancelled"] = st.int64(16) != 0;
  o["streamed"] = st.int64(17) != 0;
  o["key_id"] = nullable_text(st, 18);
  o["team_id"] = nullable_text(st, 19);
  o["user_id"] = nullable_text(st, 20);
  o["session_id"] = nullable_text(st, 21);
  json::array tags;
  std::string_view t = st.text(22);
  while (!t.empty()) {
    size_t comma = t.find(',');
    tags.emplace_back(json::string(t.substr(0, comma)));
    t = comma == std::string_view::npos ? std::string_view() : t.substr(comma + 1);
  }
  o["tags"] = std::move(tags);
  if (st.is_null(23)) {
    o["metadata"] = json::object();
  } else {
    boost::system::error_code ec;
    auto m = json::parse(st.text(23), ec);
    o["metadata"] = ec ? json::value(json::object()) : m;
  }
  json::object usage;
  usage["input_tokens"] = st.int64(24);
  usage["output_tokens"] = st.int64(25);
  usage["cached_tokens"] = st.int64(26);
  usage["cache_write_tokens"] = st.int64(27);
  usage["reasoning_tokens"] = st.int64(28);
  usage["audio_tokens"] = st.int64(29);
  usage["estimated"] = st.int64(30) != 0;
  o["usage"] = std::move(usage);
  o["cost_usd"] = nullable_real(st, 31);
  o["cache"] = nullable_text(st, 32);
  o["guardrails"] = nullable_text(st, 33);
  return o;
}

bool open_reader(const std::string& database, store::Database& db, QueryAnswer& answer) {
  std::string err;
  if (db.open(database, err, true)) return true;
  answer = {503, openai_error_body(make_error(503, "the request log is not readable: " + err, "store_unavailable"))};
  return false;
}

QueryAnswer store_failure(const store::Database& db) {
  return {503, openai_error_body(make_error(503, "the request log query failed: " + db.last_error(), "store_unavailable"))};
}

}  // namespace

bool parse_time(std::string_view s, int64_t& out_us) {
  int64_t secs;
  if (parse_int(s, secs)) {
    if (secs < 0 || secs > 253402300799) return false;
    out_us = secs * 1'000'000;
    return true;
  }
  auto num = [&](size_t at, size_t len, int& v) {
    if (at + len > s.size()) return false;
    v = 0;
    for (size_t i = at; i < at + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    return true;
  };
  int y, mo, d, h = 0, mi = 0, se = 0;
  if (!num(0, 4, y) || s.size() < 10 || s[4] != '-' || !num(5, 2, mo) || s[7] != '-' || !num(8, 2, d)) return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return false;
  int64_t micros = 0, offset = 0;
  if (s.size() > 10) {
    if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !num(11, 2, h) || s.size() < 19 || s[13] != ':' ||
        !num(14, 2, mi) || s[16] != ':' || !num(17, 2, se))
      return false;
    if (h > 23 || mi > 59 || se > 60) return false;
    size_t i = 19;
    if (i < s.size() && s[i] == '.') {
      ++i;
      int64_t scale = 100000;
      size_t digits = 0;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        if (scale > 0) micros += (s[i] - '0') * scale;
        scale /= 10;
        ++i;
        ++digits;
      }
      if (digits == 0) return false;
    }
    if (i >= s.size()) return false;
    if (s[i] == 'Z' || s[i] == 'z') {
      if (i + 1 != s.size()) return false;
    } else if (s[i] == '+' || s[i] == '-') {
      int oh, om;
      if (s.size() != i + 6 || !num(i + 1, 2, oh) || s[i + 3] != ':' || !num(i + 4, 2, om)) return false;
      offset = (oh * 3600 + om * 60) * (s[i] == '+' ? 1 : -1);
    } else {
      return false;
    }
  }
  const int64_t t = days_from_civil(y, unsigned(mo), unsigned(d)) * 86400 + h * 3600 + mi * 60 + se - offset;
  out_us = t * 1'000'000 + micros;
  return true;
}

QueryAnswer list_logs(const std::string& database, std::string_view query_string) {
  const auto q = parse_query(query_string);
  static const std::vector<std::string> known = {"since", "until", "key", "team", "user", "model", "provider",
                                                 "status", "tag", "cache", "session", "limit", "cursor"};
  for (const auto& [name, v] : q)
    if (std::find(known.begin(), known.end(), name) == known.end())
      return error(400, "unknown query parameter '" + name + "'", name);
  Filters f;
  if (auto e = read_filters(q, f, "r")) return *e;
  int64_t limit = kDefaultLimit;
  if (auto it = q.find("limit"); it != q.end() && (!parse_int(it->second, limit) || limit < 1 || limit > kMaxLimit))
    return error(400, "limit: expected an integer from 1 to 1000", "limit");
  if (auto it = q.find("cursor"); it != q.end()) {
    int64_t cursor;
    if (!parse_int(it->second, cursor) || cursor < 0) return error(400, "cursor: not a cursor from this API", "cursor");
    f.add_int("r.id < ?", cursor);
  }
  QueryAnswer answer;
  store::Database db;
  if (!open_reader(database, db, answer)) return answer;
  // Newest first; one more row than asked tells whether there is a next page.
  const std::string sql = std::string("SELECT ") + kColumns + " FROM requests r" + f.where +
                          " ORDER BY r.id DESC LIMIT " + std::to_string(limit + 1);
  store::Statement st;
  std::string err;
  if (!db.prepare(sql, st, err)) return store_failure(db);
  f.bind(st);
  json::array data;
  int64_t last_id = 0;
  bool more = false;
  while (st.step()) {
    if (int64_t(data.size()) == limit) {
      more = true;
      break;
    }
    last_id = st.int64(0);
    data.push_back(row_json(st));
  }
  if (!st.ok()) return store_failure(db);
  json::object root;
  root["object"] = "list";
  root["data"] = std::move(data);
  root["next_cursor"] = more ? json::value(json::string(std::to_string(last_id))) : json::value(nullptr);
  answer.body = json::serialize(root);
  return answer;
}

QueryAnswer get_log(const std::string& database, std::string_view request_id) {
  QueryAnswer answer;
  store::Database db;
  if (!open_reader(database, db, answer)) return answer;
  const std::string sql = std::string("SELECT ") + kColumns +
                          ", b.request_body, b.response_body, b.truncated FROM requests r LEFT JOIN request_bodies b "
                          "ON b.request = r.id WHERE r.request_id = ?1 ORDER BY r.id DESC LIMIT 1";
  store::Statement st;
  std::string err;
  if (!db.prepare(sql, st, err)) return store_failure(db);
  st.bind(1, request_id);
  if (!st.step()) {
    if (!st.ok()) return store_failure(db);
    return {404, openai_error_body(make_error(404, "no logged request has the id '" + std::string(request_id) + "'",
                                              "log_not_found"))};
  }
  json::object o = row_json(st);
  o["request_body"] = nullable_text(st, 34);
  o["response_body"] = nullable_text(st, 35);
  o["bodies_truncated"] = !st.is_null(36) && st.int64(36) != 0;
  answer.body = json::serialize(o);
  return answer;
}

QueryAnswer spend_report(const std::string& database, std::string_view query_string) {
  const auto q = parse_query(query_string);
  static const std::vector<std::string> known = {"since", "until", "key", "team", "user", "model", "provider",
                                                 "status", "tag", "cache", "session", "group_by"};
  for (const auto& [name, v] : q)
    if (std::find(known.begin(), known.end(), name) == known.end())
      return error(400, "unknown query parameter '" + name + "'", name);
  std::string group = "model";
  if (auto it = q.find("group_by"); it != q.end()) group = it->second;
  // The grouping expression over requests r (tags through their own table).
  static const std::map<std::string, std::string> groups = {
      {"key", "r.key_id"},       {"team", "r.team_id"},         {"user", "r.user_id"},
      {"model", "r.model"},      {"provider", "r.provider"},    {"tag", "t.tag"},
      {"day", "strftime('%Y-%m-%d', r.start_us / 1000000, 'unixepoch')"},
      {"hour", "strftime('%Y-%m-%dT%H:00:00Z', r.start_us / 1000000, 'unixepoch')"},
  };
  auto g = groups.find(group);
  if (g == groups.end())
    return error(400, "group_by: expected key, team, user, model, provider, tag, day or hour, got '" + group + "'",
                 "group_by");
  Filters f;
  if (auto e = read_filters(q, f, "r")) return *e;
  QueryAnswer answer;
  store::Database db;
  if (!open_reader(database, db, answer)) return answer;
  const std::string from = group == "tag" ? " FROM request_tags t JOIN requests r ON r.id = t.request" : " FROM requests r";
  const std::string sql =
      "SELECT " + g->second +
      " AS grp, count(*), sum(r.input_tokens), sum(r.output_tokens), sum(r.cached_tokens), sum(r.cache_write_tokens), "
      "sum(r.reasoning_tokens), total(r.cost_usd), sum(r.status >= 400), sum(r.cache IN ('hit', 'semantic-hit')), "
      "sum(r.cost_usd IS NULL AND r.status < 400) " +
      from + f.where + " GROUP BY grp ORDER BY total(r.cost_usd) DESC, grp";
  store::Statement st;
  std::string err;
  if (!db.prepare(sql, st, err)) return store_failure(db);
  f.bind(st);
  json::array data;
  double total_cost = 0;
  int64_t total_requests = 0;
  while (st.step()) {
    json::object o;
    o["group"] = nullable_text(st, 0);
    o["requests"] = st.int64(1);
    o["input_tokens"] = st.int64(2);
    o["output_tokens"] = st.int64(3);
    o["cached_tokens"] = st.int64(4);
    o["cache_write_tokens"] = st.int64(5);
    o["reasoning_tokens"] = st.int64(6);
    o["cost_usd"] = st.real(7);
    o["errors"] = st.int64(8);
    o["cache_hits"] = st.int64(9);
    o["unpriced_requests"] = st.int64(10);
    total_cost += st.real(7);
    total_requests += st.int64(1);
    data.push_back(std::move(o));
  }
  if (!st.ok()) return store_failure(db);
  json::object root;
  root["object"] = "spend_report";
  root["group_by"] = group;
  root["data"] = std::move(data);
  json::object total;
  total["requests"] = total_requests;
  total["cost_usd"] = total_cost;
  root["total"] = std::move(total);
  answer.body = json::serialize(root);
  return answer;
}

}  // namespace torii::filters::logging
