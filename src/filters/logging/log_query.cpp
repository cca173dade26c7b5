#include "filters/logging/log_query.hpp"

#include <algorithm>
#include <cstdio>

#include "core/errors.hpp"
#include "filters/logging/query_common.hpp"

namespace torii::filters::logging {

namespace json = boost::json;

namespace {

constexpr int kMaxLimit = 1000;
constexpr int kDefaultLimit = 50;

constexpr const char* kColumns =
    "r.id, r.request_id, r.start_us, r.duration_ms, r.ttft_ms, r.upstream_ms, r.surface, r.method, r.path, r.model, "
    "r.provider, r.upstream_model, r.fallback_model, r.attempts, r.status, r.error_code, r.cancelled, r.streamed, "
    "r.key_id, r.team_id, r.user_id, r.session_id, r.tags, r.metadata, r.input_tokens, r.output_tokens, "
    "r.cached_tokens, r.cache_write_tokens, r.reasoning_tokens, r.audio_tokens, r.usage_estimated, r.cost_usd, "
    "r.cache, r.guardrails, r.cache_saved_usd, r.finish_reason";
// The index of the first column after kColumns.
constexpr int kAfterColumns = 36;

json::object row_json(const LogRows& st) {
  json::object o;
  o["request_id"] = st.text(1);
  o["start_time"] = format_time(st.int64(2));
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
  o["cache_saved_usd"] = nullable_real(st, 34);
  o["guardrails"] = nullable_text(st, 33);
  o["finish_reason"] = nullable_text(st, 35);
  return o;
}

}  // namespace

QueryAnswer list_logs(const store::StoreLocation& where, std::string_view query_string) {
  const auto q = parse_query(query_string);
  static const std::vector<std::string> known = {"since", "until", "key", "team", "user", "model", "provider",
                                                 "status", "tag", "cache", "session", "limit", "cursor"};
  for (const auto& [name, v] : q)
    if (std::find(known.begin(), known.end(), name) == known.end())
      return query_error(400, "unknown query parameter '" + name + "'", name);
  Filters f;
  if (auto e = read_filters(q, f, "r")) return *e;
  int64_t limit = kDefaultLimit;
  if (auto it = q.find("limit"); it != q.end() && (!parse_int(it->second, limit) || limit < 1 || limit > kMaxLimit))
    return query_error(400, "limit: expected an integer from 1 to 1000", "limit");
  // The cursor is the last row's (start_us, id): pages go by start time,
  // newest first, on the same indexes the filters use.
  if (auto it = q.find("cursor"); it != q.end()) {
    const std::string& cur = it->second;
    const size_t dash = cur.find('-');
    int64_t start = 0, id = 0;
    if (dash == std::string::npos || !parse_int(std::string_view(cur).substr(0, dash), start) ||
        !parse_int(std::string_view(cur).substr(dash + 1), id) || start < 0 || id < 0)
      return query_error(400, "cursor: not a cursor from this API", "cursor");
    f.add_int("(r.start_us < ?", start);
    f.where += " OR (r.start_us = ";
    f.add_int_value(start);
    f.where += " AND r.id < ";
    f.add_int_value(id);
    f.where += "))";
  }
  QueryAnswer answer;
  std::unique_ptr<LogReader> db = open_log_reader(where, answer);
  if (!db) return answer;
  // Newest first; one more row than asked tells whether there is a next page.
  const std::string sql = std::string("SELECT ") + kColumns + " FROM requests r" + f.where +
                          " ORDER BY r.start_us DESC, r.id DESC LIMIT " + std::to_string(limit + 1);
  std::unique_ptr<LogRows> rows = db->query(sql, f.binds);
  if (!rows) return store_failure(*db);
  const LogRows& st = *rows;
  json::array data;
  int64_t last_id = 0, last_start = 0;
  bool more = false;
  while (rows->next()) {
    if (int64_t(data.size()) == limit) {
      more = true;
      break;
    }
    last_id = st.int64(0);
    last_start = st.int64(2);
    data.push_back(row_json(st));
  }
  if (!st.ok()) return store_failure(*db);
  json::object root;
  root["object"] = "list";
  root["data"] = std::move(data);
  root["next_cursor"] =
      more ? json::value(json::string(std::to_string(last_start) + "-" + std::to_string(last_id))) : json::value(nullptr);
  answer.body = json::serialize(root);
  return answer;
}

QueryAnswer get_log(const store::StoreLocation& where, std::string_view request_id) {
  QueryAnswer answer;
  std::unique_ptr<LogReader> db = open_log_reader(where, answer);
  if (!db) return answer;
  const std::string sql = std::string("SELECT ") + kColumns +
                          ", b.request_body, b.response_body, b.truncated FROM requests r LEFT JOIN request_bodies b "
                          "ON b.request = r.id AND b.start_us = r.start_us WHERE r.request_id = ? "
                          "ORDER BY r.start_us DESC, r.id DESC LIMIT 1";
  std::unique_ptr<LogRows> rows = db->query(sql, {{false, 0, std::string(request_id)}});
  if (!rows) return store_failure(*db);
  const LogRows& st = *rows;
  if (!rows->next()) {
    if (!st.ok()) return store_failure(*db);
    return {404, openai_error_body(make_error(404, "no logged request has the id '" + std::string(request_id) + "'",
                                              "log_not_found"))};
  }
  json::object o = row_json(st);
  o["request_body"] = nullable_text(st, kAfterColumns);
  o["response_body"] = nullable_text(st, kAfterColumns + 1);
  o["bodies_truncated"] = !st.is_null(kAfterColumns + 2) && st.int64(kAfterColumns + 2) != 0;
  answer.body = json::serialize(o);
  return answer;
}

}  // namespace torii::filters::logging
