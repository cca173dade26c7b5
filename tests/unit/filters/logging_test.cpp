// The request log's pieces that need no process: redaction, time parsing,
// the ring, the attribution checks, and the SQLite store with its migration
// and retention.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include <boost/json.hpp>

#include "filters/logging/log_query.hpp"
#include "filters/logging/sqlite_log_store.hpp"
#include "filters/logging/logging_filter.hpp"
#include "filters/logging/redact.hpp"
#include "core/ring.hpp"
#include "filters/logging/spool.hpp"

using namespace torii;
using namespace torii::filters::logging;

TEST(LogRedaction, EmailsCardsAndSecrets) {
  EXPECT_EQ(redact("write to jane.doe+x@mail.example.com now"), "write to [EMAIL] now");
  EXPECT_EQ(redact("card 4111 1111 1111 1111."), "card [CARD].");
  EXPECT_EQ(redact("card 4111-1111-1111-1111"), "card [CARD]");
  EXPECT_EQ(redact("not a card 4111 1111 1111 1112"), "not a card 4111 1111 1111 1112");  // fails Luhn
  EXPECT_EQ(redact("key=sk-proj-abcdefghijklmnopqrstuvwx;"), "key=[SECRET];");
  EXPECT_EQ(redact("AKIAABCDEFGHIJKLMNOP"), "[SECRET]");
  EXPECT_EQ(redact("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig"), "jwt [SECRET]");
  EXPECT_EQ(redact("sk-short and a@b and 12345"), "sk-short and a@b and 12345");
  EXPECT_EQ(redact("order 1234567890123"), "order 1234567890123");  // 13 digits, not Luhn-valid
}

TEST(LogQuery, ParsesTimes) {
  int64_t us = 0;
  ASSERT_TRUE(parse_time("1970-01-02T00:00:00Z", us));
  EXPECT_EQ(us, 86'400'000'000LL);
  ASSERT_TRUE(parse_time("2026-12-01T10:00:00.5+01:00", us));
  int64_t utc = 0;
  ASSERT_TRUE(parse_time("2026-12-01T09:00:00Z", utc));
  EXPECT_EQ(us, utc + 500'000);
  ASSERT_TRUE(parse_time("2026-12-01", us));
  EXPECT_EQ(us, utc - 9LL * 3600 * 1'000'000);
  ASSERT_TRUE(parse_time("1764579600", us));
  EXPECT_EQ(us, 1764579600LL * 1'000'000);
  for (const char* bad : {"yesterday", "2026-13-01", "2026-12-01T25:00:00Z", "2026-12-01T10:00:00", "-5", ""})
    EXPECT_FALSE(parse_time(bad, us)) << bad;
}

TEST(LogRing, KeepsOrderAndRefusesWhenFull) {
  torii::core::SpscRing<int> ring(4);
  for (int i = 0; i < 4; ++i) {
    auto p = std::make_unique<int>(i);
    ASSERT_TRUE(ring.push(p));
  }
  auto extra = std::make_unique<int>(9);
  EXPECT_FALSE(ring.push(extra));
  EXPECT_NE(extra, nullptr) << "a refused record stays with the caller";
  for (int i = 0; i < 4; ++i) EXPECT_EQ(*ring.pop(), i);
  EXPECT_EQ(ring.pop(), nullptr);
}

TEST(LogAttribution, HeadersAreCheckedAndNamed) {
  http::Headers ok;
  ok.add("x-torii-metadata", R"({"feature":"search"})");
  ok.add("x-torii-tags", "a, b");
  EXPECT_FALSE(check_attribution(ok));
  auto refused = [](const char* name, std::string value) {
    http::Headers h;
    h.add(name, value);
    auto e = check_attribution(h);
    return e ? e->param : std::string("accepted");
  };
  EXPECT_EQ(refused("x-torii-metadata", "{not json"), "x-torii-metadata");
  EXPECT_EQ(refused("x-torii-metadata", "[1]"), "x-torii-metadata");
  EXPECT_EQ(refused("x-torii-metadata", "{\"a\":\"" + std::string(5000, 'x') + "\"}"), "x-torii-metadata");
  EXPECT_EQ(refused("x-torii-tags", "a,,b"), "x-torii-tags");
  EXPECT_EQ(refused("x-torii-tags", std::string(65, 't')), "x-torii-tags");
  EXPECT_EQ(refused("x-torii-user", std::string(300, 'u')), "x-torii-user");
}

TEST(LogStoreTest, WritesBatchesAndPurgesByAge) {
  auto dir = std::filesystem::temp_directory_path() / ("torii_log_store_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string db = (dir / "torii.db").string();
  SqliteLogStore store;
  std::string error;
  ASSERT_TRUE(store.open(db, error)) << error;
  std::vector<std::unique_ptr<LogRecord>> batch;
  for (int i = 0; i < 3; ++i) {
    auto r = std::make_unique<LogRecord>();
    r->request_id = "r" + std::to_string(i);
    r->start_us = i == 0 ? 1'000'000 : 4'000'000'000'000'000LL;  // the first is ancient
    r->surface = "openai";
    r->method = "POST";
    r->path = "/v1/chat/completions";
    r->status = 200;
    r->tags = "t1,t2";
    r->has_bodies = true;
    r->request_body = "mail x@example.com";
    r->cost_usd = 0.25;
    batch.push_back(std::move(r));
  }
  ASSERT_TRUE(store.insert(batch, error)) << error;
  auto page = list_logs({db}, "limit=10");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("\"r2\""), std::string::npos);
  auto one = get_log({db}, "r1");
  ASSERT_EQ(one.status, 200);
  EXPECT_NE(one.body.find("mail [EMAIL]"), std::string::npos) << one.body;
  auto spend = spend_report({db}, "group_by=tag");
  EXPECT_NE(spend.body.find("\"group\":\"t1\""), std::string::npos) << spend.body;

  EXPECT_EQ(store.purge(2'000'000, 2'000'000, 1000, error), 2) << error;  // the row and its body
  EXPECT_EQ(get_log({db}, "r0").status, 404);
  EXPECT_EQ(get_log({db}, "r1").status, 200);
  // Reopening finds the schema at its version and migrates nothing.
  SqliteLogStore again;
  EXPECT_TRUE(again.open(db, error)) << error;
  std::filesystem::remove_all(dir);
}

// The spend report reads whole hours from the rollups and the partial hours
// at the ends of the range from the rows: the sum must be exact either way.
TEST(LogStoreTest, SpendReportsAddUpAcrossRollupsAndEdges) {
  auto dir = std::filesystem::temp_directory_path() / ("torii_spend_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string db = (dir / "torii.db").string();
  SqliteLogStore store;
  std::string error;
  ASSERT_TRUE(store.open(db, error)) << error;
  const int64_t hour = 3'600'000'000LL, base = 1'764'547'200'000'000LL;  // 2025-12-01T00:00:00Z
  std::vector<std::unique_ptr<LogRecord>> batch;
  // One request every 10 minutes for 10 hours, costing 1, 2, 3... cents.
  for (int i = 0; i < 60; ++i) {
    auto r = std::make_unique<LogRecord>();
    r->request_id = "s" + std::to_string(i);
    r->start_us = base + int64_t(i) * hour / 6;
    r->surface = "openai";
    r->method = "POST";
    r->path = "/v1/chat/completions";
    r->model = i % 2 ? "odd" : "even";
    r->status = 200;
    r->tags = i % 3 == 0 ? "third" : "";
    r->usage.input = 10;
    r->cost_usd = 0.01 * (i + 1);
    r->cache = i % 4 == 0 ? "hit" : "miss";
    batch.push_back(std::move(r));
  }
  ASSERT_TRUE(store.insert(batch, error)) << error;
  auto expected = [&](int64_t since, int64_t until, auto pred) {
    double sum = 0;
    for (int i = 0; i < 60; ++i) {
      int64_t t = base + int64_t(i) * hour / 6;
      if (t >= since && t < until && pred(i)) sum += 0.01 * (i + 1);
    }
    return sum;
  };
  auto cost_of = [](const std::string& body, const std::string& group) {
    auto v = boost::json::parse(body);
    for (const auto& g : v.at("data").as_array())
      if (g.at("group").is_string() && g.at("group").as_string() == group) return g.at("cost_usd").to_number<double>();
    return -1.0;
  };
  // Mid-hour to mid-hour: two partial hours and whole hours between.
  const int64_t since = base + hour + hour / 4, until = base + 7 * hour + hour / 2;
  auto iso = [](int64_t us) { return std::to_string(us / 1'000'000); };
  auto a = spend_report({db}, "group_by=model&since=" + iso(since) + "&until=" + iso(until));
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_NEAR(cost_of(a.body, "odd"), expected(since, until, [](int i) { return i % 2 == 1; }), 1e-9);
  EXPECT_NEAR(cost_of(a.body, "even"), expected(since, until, [](int i) { return i % 2 == 0; }), 1e-9);
  auto t = spend_report({db}, "group_by=tag&since=" + iso(since) + "&until=" + iso(until));
  EXPECT_NEAR(cost_of(t.body, "third"), expected(since, until, [](int i) { return i % 3 == 0; }), 1e-9) << t.body;
  auto d = spend_report({db}, "group_by=hour&model=odd&since=" + iso(since));
  double hours_sum = 0;
  const boost::json::value hours = boost::json::parse(d.body);
  for (const auto& g : hours.at("data").as_array()) hours_sum += g.at("cost_usd").to_number<double>();
  EXPECT_NEAR(hours_sum, expected(since, INT64_MAX, [](int i) { return i % 2 == 1; }), 1e-9);
  // Over days: whole days from the daily rollups, the hours around them
  // from the hourly ones, the partial hours from the rows.
  std::vector<std::unique_ptr<LogRecord>> days;
  double multi_expected = 0;
  const int64_t m_since = base + 20 * hour + hour / 3, m_until = base + 4 * 24 * hour + 5 * hour + hour / 2;
  for (int i = 0; i < 5 * 24 * 4; ++i) {  // every 15 minutes for 5 days
    auto r = std::make_unique<LogRecord>();
    r->request_id = "m" + std::to_string(i);
    r->start_us = base + int64_t(i) * hour / 4;
    r->surface = "openai";
    r->method = "POST";
    r->path = "/p";
    r->model = "multi";
    r->key_id = i % 2 ? "k1" : "k2";
    r->status = 200;
    r->cost_usd = 0.001 * (i % 7 + 1);
    if (r->start_us >= m_since && r->start_us < m_until && i % 2) multi_expected += *r->cost_usd;
    days.push_back(std::move(r));
  }
  ASSERT_TRUE(store.insert(days, error)) << error;
  auto md = spend_report({db}, "group_by=day&model=multi&key=k1&since=" + iso(m_since) + "&until=" + iso(m_until));
  auto mk = spend_report({db}, "group_by=key&key=k1&since=" + iso(m_since) + "&until=" + iso(m_until));
  EXPECT_NEAR(cost_of(mk.body, "k1"), multi_expected, 1e-9) << mk.body;
  double days_sum = 0;
  const boost::json::value dv = boost::json::parse(md.body);
  for (const auto& g : dv.at("data").as_array()) days_sum += g.at("cost_usd").to_number<double>();
  EXPECT_NEAR(days_sum, multi_expected, 1e-9) << md.body;  // two dimension filters: from the rows
  auto kd = spend_report({db}, "group_by=day&key=k1&since=" + iso(m_since) + "&until=" + iso(m_until));
  double kd_sum = 0;
  const boost::json::value kdv = boost::json::parse(kd.body);
  for (const auto& g : kdv.at("data").as_array()) kd_sum += g.at("cost_usd").to_number<double>();
  EXPECT_NEAR(kd_sum, multi_expected, 1e-9) << kd.body;
  EXPECT_EQ(kdv.at("data").as_array().size(), 5u);

  // A filter the rollups do not carry reads the rows, with the same answer.
  auto s = spend_report({db}, "group_by=model&status=200&since=" + iso(since) + "&until=" + iso(until));
  EXPECT_NEAR(cost_of(s.body, "odd"), cost_of(a.body, "odd"), 1e-9);
  // Every measure, not only the cost: the rollups count what the rows do
  // (they once left cache_hits at 0).
  auto groups = [](const std::string& body) {
    std::map<std::string, boost::json::object> out;
    const boost::json::value v = boost::json::parse(body);
    for (const auto& g : v.at("data").as_array())
      out[std::string(g.at("group").as_string())] = g.as_object();
    return out;
  };
  const auto from_rollups = groups(a.body), from_rows = groups(s.body);
  ASSERT_EQ(from_rollups.size(), 2u);
  for (const auto& [name, g] : from_rollups) {
    const boost::json::object& r = from_rows.at(name);
    for (const char* f : {"requests", "input_tokens", "output_tokens", "cached_tokens", "cache_write_tokens",
                          "reasoning_tokens", "errors", "cache_hits", "unpriced_requests"})
      EXPECT_EQ(g.at(f).as_int64(), r.at(f).as_int64()) << name << "." << f;
  }
  EXPECT_GT(from_rollups.at("even").at("cache_hits").as_int64(), 0);

  // A version-1 database (no rollups) is migrated on open, its rows summed in.
  const std::string before_migration =
      spend_report({db}, "group_by=day&since=" + iso(since) + "&until=" + iso(m_until)).body;
  {
    torii::store::Database raw;
    ASSERT_TRUE(raw.open(db, error)) << error;
    ASSERT_TRUE(raw.exec("DROP TABLE spend_rollup; DROP TABLE virtual_keys; DROP TABLE teams; DROP TABLE users; DROP TABLE spend_ledger; DROP TABLE responses; DROP TABLE spend_journal; "
                         "ALTER TABLE requests DROP COLUMN cache_saved_usd; ALTER TABLE requests DROP COLUMN finish_reason; "
                         "PRAGMA user_version = 1;", error)) << error;
  }
  SqliteLogStore migrated;
  ASSERT_TRUE(migrated.open(db, error)) << error;
  auto m = spend_report({db}, "group_by=day&since=" + iso(since) + "&until=" + iso(m_until));
  EXPECT_EQ(m.body, before_migration);
  std::filesystem::remove_all(dir);
}

TEST(LogSpool, RecordsRoundTripThroughTheFile) {
  LogRecord r;
  r.request_id = "id-1";
  r.start_us = 123456789;
  r.duration_ms = 1.5;
  r.ttft_ms = 0.25;
  r.surface = "anthropic";
  r.method = "POST";
  r.path = "/v1/messages";
  r.model = "m";
  r.status = 499;
  r.cancelled = true;
  r.tags = "a,b";
  r.metadata = R"({"x":1})";
  r.usage.input = 3;
  r.usage.output = 4;
  r.usage.estimated = true;
  r.cost_usd = 0.5;
  r.cache = "hit";
  r.cache_saved_usd = 0.25;
  r.guardrails = "pii:mask";
  r.finish_reason = "stop,length";
  r.has_bodies = true;
  r.request_body = "line\nbreak \"quoted\"";
  LogRecord back;
  ASSERT_TRUE(record_from_json(record_to_json(r), back));
  EXPECT_EQ(record_to_json(back), record_to_json(r));
  EXPECT_EQ(back.usage, r.usage);
  EXPECT_EQ(back.cache, "hit");
  EXPECT_EQ(back.cache_saved_usd, 0.25);
  EXPECT_EQ(back.guardrails, "pii:mask");
  EXPECT_EQ(back.finish_reason, "stop,length");
  EXPECT_FALSE(record_from_json("{\"v\":2}", back));
  EXPECT_FALSE(record_from_json("{\"v\":1,\"request_id\":\"torn", back));

  auto path = std::filesystem::temp_directory_path() / ("torii_spool_" + std::to_string(::getpid()));
  Spool spool(path.string(), 1 << 20);
  std::deque<std::unique_ptr<LogRecord>> q;
  for (int i = 0; i < 3; ++i) q.push_back(std::make_unique<LogRecord>(r));
  EXPECT_EQ(spool.append(q, 3), 3u);
  EXPECT_EQ(spool.load().size(), 3u);
  Spool tiny(path.string(), 10);  // already past its cap: nothing more fits
  EXPECT_EQ(tiny.append(q, 3), 0u);
  spool.clear();
  EXPECT_TRUE(spool.empty());
}
