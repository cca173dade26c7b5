#include "filters/logging/log_store.hpp"

#include "filters/logging/redact.hpp"

namespace torii::filters::logging {

namespace {

// Each entry takes the schema from version i to i + 1.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE requests (
  id INTEGER PRIMARY KEY,
  request_id TEXT NOT NULL,
  start_us INTEGER NOT NULL,
  duration_ms REAL NOT NULL,
  ttft_ms REAL,
  upstream_ms REAL,
  surface TEXT NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  model TEXT,
  provider TEXT,
  upstream_model TEXT,
  fallback_model TEXT,
  attempts INTEGER NOT NULL,
  status INTEGER NOT NULL,
  error_code TEXT,
  cancelled INTEGER NOT NULL,
  streamed INTEGER NOT NULL,
  key_id TEXT,
  team_id TEXT,
  user_id TEXT,
  session_id TEXT,
  tags TEXT,
  metadata TEXT,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cached_tokens INTEGER NOT NULL,
  cache_write_tokens INTEGER NOT NULL,
  reasoning_tokens INTEGER NOT NULL,
  audio_tokens INTEGER NOT NULL,
  usage_estimated INTEGER NOT NULL,
  cost_usd REAL,
  cache TEXT,
  guardrails TEXT
);
CREATE INDEX requests_start ON requests (start_us);
CREATE INDEX requests_request_id ON requests (request_id);
CREATE INDEX requests_key ON requests (key_id, start_us) WHERE key_id IS NOT NULL;
CREATE INDEX requests_user ON requests (user_id, start_us) WHERE user_id IS NOT NULL;
CREATE INDEX requests_model ON requests (model, start_us);
CREATE TABLE request_tags (
  request INTEGER NOT NULL,
  tag TEXT NOT NULL,
  start_us INTEGER NOT NULL,
  PRIMARY KEY (tag, request)
) WITHOUT ROWID;
CREATE INDEX request_tags_request ON request_tags (request);
CREATE TABLE request_bodies (
  request INTEGER PRIMARY KEY,
  start_us INTEGER NOT NULL,
  request_body TEXT,
  response_body TEXT,
  truncated INTEGER NOT NULL
);
CREATE INDEX request_bodies_start ON request_bodies (start_us);
)sql",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

constexpr const char* kInsert =
    "INSERT INTO requests (request_id, start_us, duration_ms, ttft_ms, upstream_ms, surface, method, path, model, "
    "provider, upstream_model, fallback_model, attempts, status, error_code, cancelled, streamed, key_id, team_id, "
    "user_id, session_id, tags, metadata, input_tokens, output_tokens, cached_tokens, cache_write_tokens, "
    "reasoning_tokens, audio_tokens, usage_estimated, cost_usd) VALUES "
    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, "
    "?25, ?26, ?27, ?28, ?29, ?30, ?31)";

}  // namespace

bool open_log_database(const std::string& path, store::Database& db, std::string& error) {
  if (!db.open(path, error)) return false;
  store::Statement version;
  if (!db.prepare("PRAGMA user_version", version, error)) return false;
  int current = version.step() ? int(version.int64(0)) : 0;
  version = store::Statement();
  if (current > kSchemaVersion) {
    error = path + " has schema version " + std::to_string(current) + ", newer than this build's " +
            std::to_string(kSchemaVersion);
    return false;
  }
  for (int v = current; v < kSchemaVersion; ++v) {
    std::string sql = std::string("BEGIN; ") + kMigrations[v] + "PRAGMA user_version = " + std::to_string(v + 1) +
                      "; COMMIT;";
    if (!db.exec(sql, error)) {
      std::string ignored;
      db.exec("ROLLBACK", ignored);
      error = "migrating " + path + " to schema version " + std::to_string(v + 1) + ": " + error;
      return false;
    }
  }
  return true;
}

bool LogStore::open(const std::string& path, std::string& error) {
  if (!open_log_database(path, db_, error)) return false;
  // The indexes' pages stay in memory as the table grows (32 MiB).
  if (!db_.exec("PRAGMA cache_size = -32768", error)) return false;
  return db_.prepare(kInsert, insert_, error) &&
         db_.prepare("INSERT INTO request_bodies (request, start_us, request_body, response_body, truncated) "
                     "VALUES (?1, ?2, ?3, ?4, ?5)",
                     insert_body_, error) &&
         db_.prepare("INSERT OR IGNORE INTO request_tags (request, tag, start_us) VALUES (?1, ?2, ?3)", insert_tag_,
                     error);
}

bool LogStore::insert(const std::vector<std::unique_ptr<LogRecord>>& batch, std::string& error) {
  if (!db_.exec("BEGIN", error)) return false;
  auto fail = [&] {
    error = db_.last_error();
    for (store::Statement* st : {&insert_, &insert_body_, &insert_tag_}) {
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
    std::string_view tags = r->tags;
    while (!tags.empty()) {
      size_t comma = tags.find(',');
      std::string_view tag = tags.substr(0, comma);
      tags = comma == std::string_view::npos ? std::string_view() : tags.substr(comma + 1);
      if (tag.empty()) continue;
      insert_tag_.bind(1, row);
      insert_tag_.bind_static(2, tag);
      insert_tag_.bind(3, r->start_us);
      insert_tag_.step();
      if (!insert_tag_.ok()) return fail();
      insert_tag_.reset();
    }
  }
  if (!db_.exec("COMMIT", error)) return fail();
  return true;
}

int64_t LogStore::purge(int64_t rows_before_us, int64_t bodies_before_us, int limit, std::string& error) {
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
