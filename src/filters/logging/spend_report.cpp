// GET /admin/spend: totals per group over a time range. Whole days come from
// the writer's daily rollups, the remaining whole hours from its hourly ones,
// and the partial hours at either end of the range from the request rows.
// The rollups keep one dimension at a time; a report that filters on one
// dimension and groups by another, or filters on status, cache or session,
// is summed from the rows.
#include <algorithm>
#include <limits>

#include "core/errors.hpp"
#include "filters/logging/log_query.hpp"
#include "filters/logging/query_common.hpp"
#include "filters/logging/rollup.hpp"

namespace torii::filters::logging {

namespace json = boost::json;

namespace {

struct Totals {
  int64_t requests = 0, input = 0, output = 0, cached = 0, cache_write = 0, reasoning = 0, errors = 0, cache_hits = 0,
          unpriced = 0;
  double cost = 0;
};

// null group (no key, no user...) sorts apart from every string.
using Groups = std::map<std::optional<std::string>, Totals>;

// In the SQL SQLite and PostgreSQL share (no boolean sums, no total()).
constexpr const char* kRawMeasures =
    "count(*), sum(r.input_tokens), sum(r.output_tokens), sum(r.cached_tokens), sum(r.cache_write_tokens), "
    "sum(r.reasoning_tokens), coalesce(sum(r.cost_usd), 0), sum(CASE WHEN r.status >= 400 THEN 1 ELSE 0 END), "
    "sum(CASE WHEN r.cache IN ('hit', 'semantic-hit') THEN 1 ELSE 0 END), "
    "sum(CASE WHEN r.cost_usd IS NULL AND r.status < 400 THEN 1 ELSE 0 END)";
constexpr const char* kRollupMeasures =
    "sum(requests), sum(input_tokens), sum(output_tokens), sum(cached_tokens), sum(cache_write_tokens), "
    "sum(reasoning_tokens), coalesce(sum(cost_usd), 0), sum(errors), sum(cache_hits), sum(unpriced)";

// Runs a "SELECT group, <10 measures> ... GROUP BY 1" and adds its rows to `into`.
bool collect(LogReader& db, const std::string& sql, const Filters& f, Groups& into) {
  std::unique_ptr<LogRows> rows = db.query(sql, f.binds);
  if (!rows) return false;
  const LogRows& st = *rows;
  while (rows->next()) {
    std::optional<std::string> g;
    if (!st.is_null(0)) g = std::string(st.text(0));
    Totals& t = into[g];
    t.requests += st.int64(1);
    t.input += st.int64(2);
    t.output += st.int64(3);
    t.cached += st.int64(4);
    t.cache_write += st.int64(5);
    t.reasoning += st.int64(6);
    t.cost += st.real(7);
    t.errors += st.int64(8);
    t.cache_hits += st.int64(9);
    t.unpriced += st.int64(10);
  }
  return st.ok();
}

// The request rows matching `q` (its since/until included).
std::optional<QueryAnswer> raw(LogReader& db, const std::string& group, const std::map<std::string, std::string>& q,
                               Groups& into) {
  static const std::map<std::string, std::string> columns = {
      {"key", "r.key_id"},  {"team", "r.team_id"},      {"user", "r.user_id"},
      {"model", "r.model"}, {"provider", "r.provider"}, {"tag", "t.tag"},
  };
  const std::string seconds = "r.start_us / 1000000";
  const std::string expr = group == "day"    ? db.utc_day(seconds)
                           : group == "hour" ? db.utc_hour(seconds)
                                             : columns.at(group);
  Filters f;
  if (auto e = read_filters(q, f, "r")) return e;
  const std::string from = group == "tag" ? " FROM request_tags t JOIN requests r ON r.id = t.request AND r.start_us = t.start_us"
                                          : " FROM requests r";
  const std::string sql = "SELECT " + expr + ", " + kRawMeasures + from + f.where + " GROUP BY 1";
  if (!collect(db, sql, f, into)) return store_failure(db);
  return std::nullopt;
}

}  // namespace

QueryAnswer spend_report(const store::StoreLocation& where, std::string_view query_string) {
  const auto q = parse_query(query_string);
  static const std::vector<std::string> known = {"since", "until", "key", "team", "user", "model", "provider",
                                                 "status", "tag", "cache", "session", "group_by"};
  for (const auto& [name, v] : q)
    if (std::find(known.begin(), known.end(), name) == known.end())
      return query_error(400, "unknown query parameter '" + name + "'", name);
  std::string group = "model";
  if (auto it = q.find("group_by"); it != q.end()) group = it->second;
  static const std::vector<std::string> groups = {"key", "team", "user", "model", "provider", "tag", "day", "hour"};
  if (std::find(groups.begin(), groups.end(), group) == groups.end())
    return query_error(400, "group_by: expected key, team, user, model, provider, tag, day or hour, got '" + group + "'",
                       "group_by");
  {
    Filters check;  // every value is checked before anything is read
    if (auto e = read_filters(q, check, "r")) return *e;
  }
  QueryAnswer answer;
  std::unique_ptr<LogReader> reader = open_log_reader(where, answer);
  if (!reader) return answer;
  LogReader& db = *reader;

  // Which rollup rows answer: a dimension and, when filtered, its value.
  static const std::vector<std::string> dims = {"key", "team", "user", "model", "provider", "tag"};
  std::vector<std::pair<std::string, std::string>> dim_filters;
  for (const auto& d : dims)
    if (auto it = q.find(d); it != q.end()) dim_filters.emplace_back(d, it->second);
  const bool by_time = group == "day" || group == "hour";
  bool rollup = !q.count("status") && !q.count("cache") && !q.count("session") && dim_filters.size() <= 1;
  std::string dim = by_time ? "all" : group;
  std::optional<std::string> value;
  if (rollup && dim_filters.size() == 1) {
    if (by_time || dim_filters[0].first == group) {
      dim = dim_filters[0].first;
      value = dim_filters[0].second;
    } else {
      rollup = false;
    }
  }
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min(), kMax = std::numeric_limits<int64_t>::max();
  int64_t since = kMin, until = kMax;
  if (auto it = q.find("since"); it != q.end()) parse_time(it->second, since);
  if (auto it = q.find("until"); it != q.end()) parse_time(it->second, until);
  if (since != kMin && since < 0) rollup = false;
  // Whole hours [h0, h1) and, within them, whole days [d0, d1).
  const int64_t h0 = since == kMin ? kMin : (since + kHourUs - 1) / kHourUs;
  const int64_t h1 = until == kMax ? kMax : until / kHourUs;
  if (h0 >= h1) rollup = false;

  Groups totals;
  if (!rollup) {
    if (auto e = raw(db, group, q, totals)) return *e;
  } else {
    // Rollup rows of `period` (0 hour, 1 day) with bucket in [lo, hi).
    auto from_rollup = [&](int period, int64_t lo, int64_t hi) -> bool {
      if (lo >= hi) return true;
      const std::string seconds = std::string("bucket * ") + (period == 0 ? "3600" : "86400");
      const std::string expr = group == "hour"  ? db.utc_hour(seconds)
                               : group == "day" ? db.utc_day(seconds)
                                                : "NULLIF(value, '')";
      Filters f;
      f.add_int("period = ?", period);
      f.add_text("dim = ?", dim);
      if (lo != kMin) f.add_int("bucket >= ?", lo);
      if (hi != kMax) f.add_int("bucket < ?", hi);
      if (value) f.add_text("value = ?", *value);
      const std::string sql = "SELECT " + expr + ", " + kRollupMeasures + " FROM spend_rollup" + f.where + " GROUP BY 1";
      return collect(db, sql, f, totals);
    };
    bool ok = true;
    if (group == "hour") {
      ok = from_rollup(0, h0, h1);
    } else {
      const int64_t d0 = h0 == kMin ? kMin : (h0 + 23) / 24;
      const int64_t d1 = h1 == kMax ? kMax : h1 / 24;
      if (d0 < d1) {
        ok = from_rollup(1, d0, d1) && from_rollup(0, h0, d0 == kMin ? kMin : d0 * 24) &&
             from_rollup(0, d1 == kMax ? kMax : d1 * 24, h1);
      } else {
        ok = from_rollup(0, h0, h1);
      }
    }
    if (!ok) return store_failure(db);
    // The partial hours at the edges, from the rows.
    if (since != kMin && since < h0 * kHourUs) {
      auto edge = q;
      edge["until"] = std::to_string(h0 * 3600);
      if (auto e = raw(db, group, edge, totals)) return *e;
    }
    if (until != kMax && h1 * kHourUs < until) {
      auto edge = q;
      edge["since"] = std::to_string(h1 * 3600);
      if (auto e = raw(db, group, edge, totals)) return *e;
    }
  }

  std::vector<std::pair<std::optional<std::string>, Totals>> rows(totals.begin(), totals.end());
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.cost > b.second.cost; });
  json::array data;
  double total_cost = 0;
  int64_t total_requests = 0;
  for (const auto& [g, t] : rows) {
    json::object o;
    o["group"] = g ? json::value(json::string(*g)) : json::value(nullptr);
    o["requests"] = t.requests;
    o["input_tokens"] = t.input;
    o["output_tokens"] = t.output;
    o["cached_tokens"] = t.cached;
    o["cache_write_tokens"] = t.cache_write;
    o["reasoning_tokens"] = t.reasoning;
    o["cost_usd"] = t.cost;
    o["errors"] = t.errors;
    o["cache_hits"] = t.cache_hits;
    o["unpriced_requests"] = t.unpriced;
    total_cost += t.cost;
    total_requests += t.requests;
    data.push_back(std::move(o));
  }
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
