// The request log at scale (bench scenario "logstore"): fills a fresh store
// (SQLite under DIR, or the PostgreSQL at POSTGRES, whose log tables must be
// absent or empty) with N requests spread over 30 days through the writer's
// own insert path (batches of 2048, redaction included), then times the
// admin API's queries on it: filtered pages of /admin/logs and 30-day
// /admin/spend reports. Prints one JSON object. Usage:
//   torii-log-bench DIR [ROWS=1000000] [BODIES=0|1] [POSTGRES]
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "filters/logging/log_query.hpp"
#include "filters/logging/log_store.hpp"
#include "store/postgres/pg.hpp"
#include "store/sqlite.hpp"

using namespace torii::filters::logging;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

uint64_t file_size(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? uint64_t(st.st_size) : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: torii-log-bench DIR [ROWS] [BODIES]\n");
    return 2;
  }
  const std::string dir = argv[1];
  const long rows = argc > 2 ? std::atol(argv[2]) : 1'000'000;
  const bool bodies = argc > 3 && std::string(argv[3]) == "1";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string db = dir + "/torii.db";
  const torii::store::StoreLocation where{db, argc > 4 ? argv[4] : ""};
  std::string error;
  std::unique_ptr<LogStore> store = open_log_store(where, error);
  if (!store) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }

  std::mt19937_64 rng(42);
  const int64_t now_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const int64_t span_us = 30LL * 86400 * 1'000'000;
  const char* models[] = {"workhorse", "smart", "cheap", "embed", "claude", "gemini", "local", "fallback"};
  const char* providers[] = {"openai", "anthropic", "gemini", "bedrock"};
  const std::string request_body =
      R"({"model":"workhorse","messages":[{"role":"system","content":"You are a helpful assistant for the support team."},{"role":"user","content":"My order 1234 has not arrived, can you check it? My email is someone@example.com."}]})";
  const std::string response_body =
      R"({"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"I am sorry to hear that. I checked order 1234: it left the warehouse yesterday and should arrive within two days."},"finish_reason":"stop"}],"usage":{"prompt_tokens":48,"completion_tokens":31,"total_tokens":79}})";

  const size_t batch_size = 2048;
  const auto t_insert = Clock::now();
  for (long done = 0; done < rows;) {
    std::vector<std::unique_ptr<LogRecord>> batch;
    for (size_t i = 0; i < batch_size && done < rows; ++i, ++done) {
      auto r = std::make_unique<LogRecord>();
      // Time-ordered like the gateway's: rows arrive in time order.
      r->start_us = now_us - span_us + int64_t(double(done) / double(rows) * double(span_us));
      char id[40];
      std::snprintf(id, sizeof id, "%012llx%020llx", static_cast<unsigned long long>(r->start_us / 1000),
                    static_cast<unsigned long long>(rng() & 0xffffffffffffULL));
      r->request_id = id;
      r->duration_ms = 200 + double(rng() % 3000);
      r->upstream_ms = r->duration_ms - 0.1;
      r->surface = rng() % 5 ? "openai" : "anthropic";
      r->method = "POST";
      r->path = "/v1/chat/completions";
      r->model = models[rng() % 8];
      r->provider = providers[rng() % 4];
      r->upstream_model = "gpt-4o-mini";
      r->attempts = 1;
      r->status = rng() % 20 ? 200 : 429;
      r->key_id = "key-" + std::to_string(rng() % 20);
      r->user_id = "user-" + std::to_string(rng() % 500);
      if (rng() % 5 == 0) r->tags = rng() % 2 ? "search,beta" : "support";
      r->usage.input = int64_t(40 + rng() % 2000);
      r->usage.output = int64_t(10 + rng() % 800);
      r->usage.cached_read = int64_t(rng() % 3 ? 0 : 512);
      r->cost_usd = double(r->usage.input) * 0.15e-6 + double(r->usage.output) * 0.6e-6;
      if (bodies) {
        r->has_bodies = true;
        r->request_body = request_body;
        r->response_body = response_body;
      }
      batch.push_back(std::move(r));
    }
    if (!store->insert(batch, error)) {
      std::fprintf(stderr, "insert: %s\n", error.c_str());
      return 1;
    }
  }
  const double insert_ms = ms_since(t_insert);
  std::string ignored;
  uint64_t bytes = 0;
  if (where.postgres.empty()) {
    torii::store::Database d;
    d.open(db, ignored);
    d.exec("PRAGMA wal_checkpoint(TRUNCATE)", ignored);
    bytes = file_size(db) + file_size(db + "-wal");
  } else {
    // Every log table's partitions, their indexes and TOAST, after VACUUM
    // ANALYZE (what a live server's autovacuum would have done).
    torii::store::PgConnection c;
    torii::store::PgResult r;
    if (!c.open(where.postgres, error) || !c.run_script("VACUUM ANALYZE", error) ||
        !c.exec("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c WHERE c.relkind = 'r' AND "
                "(c.relname ~ '^request(s|_tags|_bodies)_[0-9]{8}$' OR c.relname = 'spend_rollup')",
                {}, &r, error)) {
      std::fprintf(stderr, "sizing: %s\n", error.c_str());
      return 1;
    }
    bytes = uint64_t(r.int64(0, 0));
  }

  // Each query: the median of 5 runs (the first warms the page cache, as a
  // live gateway's would be).
  struct Query {
    const char* name;
    bool spend;
    std::string query;
  };
  auto iso_days_ago = [&](int days) { return std::to_string((now_us - int64_t(days) * 86400 * 1'000'000) / 1'000'000); };
  const std::vector<Query> queries = {
      {"logs: newest page", false, "limit=50"},
      {"logs: one model, errors", false, "model=smart&status=4xx&limit=50"},
      {"logs: one user", false, "user=user-7&limit=50"},
      {"logs: one key, last 24 h", false, "key=key-3&since=" + iso_days_ago(1) + "&limit=50"},
      {"logs: one tag", false, "tag=support&limit=50"},
      {"spend: by model, 30 days", true, "group_by=model&since=" + iso_days_ago(30)},
      {"spend: by day, 30 days", true, "group_by=day&since=" + iso_days_ago(30)},
      {"spend: by key, 30 days", true, "group_by=key&since=" + iso_days_ago(30)},
      {"spend: by user, 30 days", true, "group_by=user&since=" + iso_days_ago(30)},
      {"spend: by tag, 30 days", true, "group_by=tag&since=" + iso_days_ago(30)},
      {"spend: one key by day, 30 days", true, "group_by=day&key=key-3&since=" + iso_days_ago(30)},
  };
  std::string out = "{\"store\":\"" + std::string(where.postgres.empty() ? "sqlite" : "postgres") +
                    "\",\"rows\":" + std::to_string(rows) + ",\"bodies\":" + (bodies ? "true" : "false") +
                    ",\"insert_ms\":" + std::to_string(insert_ms) +
                    ",\"records_per_second\":" + std::to_string(double(rows) / (insert_ms / 1000)) +
                    ",\"bytes\":" + std::to_string(bytes) + ",\"queries\":[";
  for (size_t i = 0; i < queries.size(); ++i) {
    std::vector<double> times;
    int status = 0;
    for (int run = 0; run < 5; ++run) {
      const auto t = Clock::now();
      QueryAnswer a = queries[i].spend ? spend_report(where, queries[i].query) : list_logs(where, queries[i].query);
      times.push_back(ms_since(t));
      status = a.status;
    }
    std::sort(times.begin(), times.end());
    out += std::string(i ? "," : "") + "{\"name\":\"" + queries[i].name + "\",\"status\":" + std::to_string(status) +
           ",\"median_ms\":" + std::to_string(times[2]) + ",\"max_ms\":" + std::to_string(times.back()) + "}";
  }
  out += "]}";
  std::printf("%s\n", out.c_str());
  return 0;
}
