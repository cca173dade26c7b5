#include "filters/logging/sqlite_log_store.hpp"

#include "filters/logging/redact.hpp"
#include "filters/logging/rollup.hpp"
#include "store/schema.hpp"

#include <sqlite3.h>

namespace torii::filters::logging {

namespace {

constexpr const char* kInsert =
    "INSERT INTO requests (request_id, start_us, duration_ms, ttft_ms, upstream_ms, surface, method, path, model, "
    "provider, upstream_model, fallback_model, attempts, status, error_code, cancelled, streamed, key_id, team_id, "
    "user_id, session_id, tags, metadata, input_tokens, output_tokens, cached_tokens, cache_write_tokens, "
    "reasoning_tokens, audio_tokens, usage_estimated, cost_usd, cache, cache_saved_usd, guardrails, finish_reason) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, "
    "?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35)";

// Binds the ten measures from parameter `first` on.
void bind_measures(store::Statement& s, const Measures& m, int first) {
  int i = first;
  for (int64_t v : {m.requests, m.input, m.output, m.cached, m.cache_write, m.reasoning}) s.bind(i++, v);
  s.bind(i++, m.cost);
  for (int64_t v : {m.errors, m.cache_hits, m.unpriced}) s.bind(i++, v);
}

constexpr const char* kMeasureUpdate =
    "requests = requests + excluded.requests, input_tokens = input_tokens + excluded.input_tokens, "
    "output_tokens = output_tokens + excluded.output_tokens, cached_tokens = cached_tokens + excluded.cached_tokens, "
    "cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens, "
    "reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens, cost_usd = cost_usd + excluded.cost_usd, "
    "errors = errors + excluded.errors, cache_hits = cache_hits + excluded.cache_hits, unpriced = unpriced + excluded.unpriced";

}  // namespace

bool SqliteLogStore::open(const std::string& path, std::string& error) {
  if (!store::open_database(path, db_, error)) return false;
  // The indexes' pages stay in memory as the table grows (32 MiB).
  if (!db_.exec("PRAGMA cache_size = -32768", error)) return false;
  return db_.prepare(kInsert, insert_, error) &&
         db_.prepare("INSERT INTO request_bodies (request, start_us, request_body, response_body, truncated) "
                     "VALUES (?1, ?2, ?3, ?4, ?5)",
                     insert_body_, error) &&
         db_.prepare("INSERT OR IGNORE INTO request_tags (request, tag, start_us) VALUES (?1, ?2, ?3)", insert_tag_,
                     error) &&
         db_.prepare(std::string("INSERT INTO spend_rollup VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
                                 "?13, ?14) ON CONFLICT (period, dim, bucket, value) DO UPDATE SET ") +
                         kMeasureUpdate,
                     upsert_rollup_, error);
}

int64_t SqliteLogStore::cache_bytes() const {
  int current = 0, highest = 0;
  if (!db_.is_open() || sqlite3_db_status(db_.handle(), SQLITE_DBSTATUS_CACHE_USED, &current, &highest, 0) != SQLITE_OK)
    return 0;
  return current;
}

bool SqliteLogStore::insert(const std::vector<std::unique_ptr<LogRecord>>& batch, std::string& error) {
  if (!db_.exec("BEGIN", error)) return false;
  auto fail = [&] {
    error = db_.last_error();
    for (store::Statement* st : {&insert_, &insert_body_, &insert_tag_, &upsert_rollup_}) {
      st->reset();
      st->clear();
    }
    std::string ignored;
    db_.exec("ROLLBACK", ignored);
    return false;
  };
  for (const auto& r : batch) {
    auto& s = insert_;
    s.bind_static(1, r->request_id);
    s.bind(2, r->start_us);
    s.bind(3, r->duration_ms);
    s.bind(4, r->ttft_ms);
    s.bind(5, r->upstream_ms);
    s.bind_static(6, r->surface);
    s.bind_static(7, r->method);
    s.bind_static(8, r->path);
    s.bind_text_or_null(9, r->model);
    s.bind_text_or_null(10, r->provider);
    s.bind_text_or_null(11, r->upstream_model);
    s.bind_text_or_null(12, r->fallback_model);
    s.bind(13, int64_t(r->attempts));
    s.bind(14, int64_t(r->status));
    s.bind_text_or_null(15, r->error_code);
    s.bind(16, int64_t(r->cancelled));
    s.bind(17, int64_t(r->streamed));
    s.bind_text_or_null(18, r->key_id);
    s.bind_text_or_null(19, r->team_id);
    s.bind_text_or_null(20, r->user_id);
    s.bind_text_or_null(21, r->session_id);
    s.bind_text_or_null(22, r->tags);
    s.bind_text_or_null(23, r->metadata);
    s.bind(24, r->usage.input);
    s.bind(25, r->usage.output);
    s.bind(26, r->usage.cached_read);
    s.bind(27, r->usage.cache_write);
    s.bind(28, r->usage.reasoning);
    s.bind(29, r->usage.audio);
    s.bind(30, int64_t(r->usage.estimated));
    s.bind(31, r->cost_usd);
    s.bind_text_or_null(32, r->cache);
    s.bind(33, r->cache_saved_usd);
    s.bind_text_or_null(34, r->guardrails);
    s.bind_text_or_null(35, r->finish_reason);
    s.step();
    if (!s.ok()) return fail();
    s.reset();
    const int64_t row = db_.last_insert_rowid();
    if (r->has_bodies) {
      insert_body_.bind(1, row);
      insert_body_.bind(2, r->start_us);
      // Bound without a copy: the redacted texts live until the step is done.
      const std::string request_text = redact(r->request_body);
      const std::string response_text = redact(r->response_body);
      insert_body_.bind_static(3, request_text);
      insert_body_.bind_static(4, response_text);
      insert_body_.bind(5, int64_t(r->body_truncated));
      insert_body_.step();
      if (!insert_body_.ok()) return fail();
      insert_body_.reset();
    }
    for (std::string_view tag : tags_of(*r)) {
      insert_tag_.bind(1, row);
      insert_tag_.bind_static(2, tag);
      insert_tag_.bind(3, r->start_us);
      insert_tag_.step();
      if (!insert_tag_.ok()) return fail();
      insert_tag_.reset();
    }
  }
  // The batch's totals into the rollups, in the same transaction.
  const Rollups rollups = rollups_of(batch);
  for (const auto& [k, m] : rollups) {
    upsert_rollup_.bind(1, int64_t(std::get<0>(k)));
    upsert_rollup_.bind_static(2, std::get<1>(k));
    upsert_rollup_.bind(3, std::get<2>(k));
    upsert_rollup_.bind_static(4, std::get<3>(k));
    bind_measures(upsert_rollup_, m, 5);
    upsert_rollup_.step();
    if (!upsert_rollup_.ok()) return fail();
    upsert_rollup_.reset();
  }
  if (!db_.exec("COMMIT", error)) return fail();
  return true;
}

int64_t SqliteLogStore::purge(int64_t rows_before_us, int64_t bodies_before_us, int limit, std::string& error) {
  // Small batches by the start index: the writer never holds the database
  // for long, so inserts keep flowing while old rows go.
  const std::string n = std::to_string(limit);
  int64_t deleted = 0;
  const std::string bodies = "DELETE FROM request_bodies WHERE request IN (SELECT request FROM request_bodies "
                             "WHERE start_us < " + std::to_string(bodies_before_us) + " ORDER BY start_us LIMIT " + n + ")";
  if (!db_.exec(bodies, error)) return -1;
  deleted += db_.changes();
  const std::string cut = std::to_string(rows_before_us);
  const std::string rows =
      "BEGIN; "
      "CREATE TEMP TABLE IF NOT EXISTS purge_ids (id INTEGER PRIMARY KEY); DELETE FROM purge_ids; "
      "INSERT INTO purge_ids SELECT id FROM requests WHERE start_us < " + cut + " ORDER BY start_us LIMIT " + n + "; "
      "DELETE FROM request_tags WHERE request IN (SELECT id FROM purge_ids); "
      "DELETE FROM request_bodies WHERE request IN (SELECT id FROM purge_ids); "
      "DELETE FROM requests WHERE id IN (SELECT id FROM purge_ids); "
      // An hour (a day) leaves the rollups once all of it is past the retention.
      "DELETE FROM spend_rollup WHERE period = 0 AND bucket < " + std::to_string(rows_before_us / kHourUs) + "; "
      "DELETE FROM spend_rollup WHERE period = 1 AND bucket < " + std::to_string(rows_before_us / kDayUs) + "; "
      "COMMIT;";
  if (!db_.exec(rows, error)) {
    std::string ignored;
    db_.exec("ROLLBACK", ignored);
    return -1;
  }
  store::Statement count;
  if (db_.prepare("SELECT count(*) FROM purge_ids", count, error) && count.step()) deleted += count.int64(0);
  return deleted;
}

}  // namespace torii::filters::logging
