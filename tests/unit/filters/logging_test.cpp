// The request log's pieces that need no process: redaction, time parsing,
// the ring, the attribution checks, and the SQLite store with its migration
// and retention.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "filters/logging/log_query.hpp"
#include "filters/logging/log_store.hpp"
#include "filters/logging/logging_filter.hpp"
#include "filters/logging/redact.hpp"
#include "filters/logging/ring.hpp"

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
  SpscRing<int> ring(4);
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
  LogStore store;
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
  auto page = list_logs(db, "limit=10");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("\"r2\""), std::string::npos);
  auto one = get_log(db, "r1");
  ASSERT_EQ(one.status, 200);
  EXPECT_NE(one.body.find("mail [EMAIL]"), std::string::npos) << one.body;
  auto spend = spend_report(db, "group_by=tag");
  EXPECT_NE(spend.body.find("\"group\":\"t1\""), std::string::npos) << spend.body;

  EXPECT_EQ(store.purge(2'000'000, 2'000'000, 1000, error), 2) << error;  // the row and its body
  EXPECT_EQ(get_log(db, "r0").status, 404);
  EXPECT_EQ(get_log(db, "r1").status, 200);
  // Reopening finds the schema at its version and migrates nothing.
  LogStore again;
  EXPECT_TRUE(again.open(db, error)) << error;
  std::filesystem::remove_all(dir);
}
