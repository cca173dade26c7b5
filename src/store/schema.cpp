#include "store/schema.hpp"

#include <iterator>

namespace torii::store {

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
    // 2: spend rollups per hour (period 0) and per day (period 1), one row
    // per dimension value (dim 'all', 'key', 'team', 'user', 'model',
    // 'provider', 'tag'; a missing value is ''), so a 30-day report reads a
    // few thousand rows instead of every request.
    R"sql(
CREATE TABLE spend_rollup (
  period INTEGER NOT NULL, dim TEXT NOT NULL, bucket INTEGER NOT NULL, value TEXT NOT NULL,
  requests INTEGER NOT NULL, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL, cache_write_tokens INTEGER NOT NULL, reasoning_tokens INTEGER NOT NULL, cost_usd REAL NOT NULL, errors INTEGER NOT NULL, cache_hits INTEGER NOT NULL, unpriced INTEGER NOT NULL,
  PRIMARY KEY (period, dim, bucket, value)
) WITHOUT ROWID;
INSERT INTO spend_rollup SELECT 0, 'all', r.start_us / 3600000000, '', count(*), sum(r.input_tokens), sum(r.output_tokens), sum(r.cached_tokens), sum(r.cache_write_tokens), sum(r.reasoning_tokens), total(r.cost_usd), sum(r.status >= 400), sum(coalesce(r.cache IN ('hit', 'semantic-hit'), 0)), sum(r.cost_usd IS NULL AND r.status < 400) FROM requests r GROUP BY 3;
INSERT INTO spend_rollup SELECT 0, 'key', r.start_us / 3600000000, coalesce(r.key_id, ''), count(*), sum(r.input_tokens), sum(r.output_tokens), sum(r.cached_tokens), sum(r.cache_write_tokens), sum(r.reasoning_tokens), total(r.cost_usd), sum(r.status >= 400), sum(coalesce(r.cache IN ('hit', 'semantic-hit'), 0)), sum(r.cost_usd IS NULL AND r.status < 400) FROM requests r GROUP BY 3, 4;
INSERT INTO spend_rollup SELECT 0, 'team', r.start_us / 3600000000, coalesce(r.team_id, ''), count(*), sum(r.input_tokens), sum(r.output_tokens), sum(r.cached_tokens), sum(r.cache_write_tokens), sum(r.reasoning_tokens), total(r.cost_usd), sum(r.status >= 400), sum(coalesce(r.cache IN ('hit', 'semantic-hit'), 0)), sum(r.cost_usd IS NULL AND r.status < 400) FROM requests r GROUP BY 3, 4;
INSERT INTO spend_rollup SELECT 0, 'user', r.start_us / 3600000000, coalesce(r.user_id, ''), count(*), sum(r.input_tokens), sum(r.output_tokens), sum(r.cached_tokens), sum(r.cache_write_tokens), sum(r.reasoning_tokens), total(r.cost_usd), sum(r.status >= 400), sum(coalesce(r.cache IN ('hit', 'semantic-hit'), 0)), sum(r.cost_usd IS NULL AND r.status < 400) FROM requests r GROUP BY 3, 4;
INSERT INTO spend_rollup SELECT 0, 'model', r.start_us / 3600000000, coalesce(r.model, ''), count(*), sum(r.input_tokens), sum(r.output_tokens), sum(r.cached_tokens), sum(r.cache_write_tokens), sum(r.reasoning_tokens), total(r.cost_usd), sum(r.status >= 400), sum(coalesce(r.cache IN ('hit', 'semantic-hit'), 0)), sum(r.cost_usd IS NULL AND r.status < 400) FROM requests r GROUP BY 3, 4;
INSERT INTO spend_rollup SELECT 0, 'provider', r.start_us / 3600000000, coalesce(r.provider, ''), count(*), sum(r.input_tokens), sum(r.output_tokens), sum(r.cached_tokens), sum(r.cache_write_tokens), sum(r.reasoning_tokens), total(r.cost_usd), sum(r.status >= 400), sum(coalesce(r.cache IN ('hit', 'semantic-hit'), 0)), sum(r.cost_usd IS NULL AND r.status < 400) FROM requests r GROUP BY 3, 4;
INSERT INTO spend_rollup SELECT 0, 'tag', r.start_us / 3600000000, t.tag, count(*), sum(r.input_tokens), sum(r.output_tokens), sum(r.cached_tokens), sum(r.cache_write_tokens), sum(r.reasoning_tokens), total(r.cost_usd), sum(r.status >= 400), sum(coalesce(r.cache IN ('hit', 'semantic-hit'), 0)), sum(r.cost_usd IS NULL AND r.status < 400) FROM request_tags t JOIN requests r ON r.id = t.request GROUP BY 3, 4;
INSERT INTO spend_rollup SELECT 1, 'all', r.start_us / 86400000000, '', count(*), sum(r.input_tokens), sum(r.output_tokens), sum(r.cached_tokens), sum(r.cache_write_tokens), sum(r.reasoning_tokens), total(r.cost_usd), sum(r.status >= 400), sum(coalesce(r.cache IN ('hit', 'semantic-hit'), 0)), sum(r.cost_usd IS NULL AND r.status < 400) FROM requests r GROUP BY 3;
INSERT INTO spend_rollup SELECT 1, 'key', r.start_us / 86400000000, coalesce(r.key_id, ''), count(*), sum(r.input_tokens), sum(r.output_tokens), sum(r.cached_tokens), sum(r.cache_write_tokens), sum(r.reasoning_tokens), total(r.cost_usd), sum(r.status >= 400), sum(coalesce(r.cache IN ('hit', 'semantic-hit'), 0)), sum(r.cost_usd IS NULL AND r.status < 400) FROM requests r GROUP BY 3, 4;
INSERT INTO spend_rollup SELECT 1, 'team', r.start_us / 86400000000, coalesce(r.team_id, ''), count(*), sum(r.input_tokens), sum(r.output_tokens), sum(r.cached_tokens), sum(r.cache_write_tokens), sum(r.reasoning_tokens), total(r.cost_usd), sum(r.status >= 400), sum(coalesce(r.cache IN ('hit', 'semantic-hit'), 0)), sum(r.cost_usd IS NULL AND r.status < 400) FROM requests r GROUP BY 3, 4;
INSERT INTO spend_rollup SELECT 1, 'user', r.start_us / 86400000000, coalesce(r.user_id, ''), count(*), sum(r.input_tokens), sum(r.output_tokens), sum(r.cached_tokens), sum(r.cache_write_tokens), sum(r.reasoning_tokens), total(r.cost_usd), sum(r.status >= 400), sum(coalesce(r.cache IN ('hit', 'semantic-hit'), 0)), sum(r.cost_usd IS NULL AND r.status < 400) FROM requests r GROUP BY 3, 4;
INSERT INTO spend_rollup SELECT 1, 'model', r.start_us / 86400000000, coalesce(r.model, ''), count(*), sum(r.input_tokens), sum(r.output_tokens), sum(r.cached_tokens), sum(r.cache_write_tokens), sum(r.reasoning_tokens), total(r.cost_usd), sum(r.status >= 400), sum(coalesce(r.cache IN ('hit', 'semantic-hit'), 0)), sum(r.cost_usd IS NULL AND r.status < 400) FROM requests r GROUP BY 3, 4;
INSERT INTO spend_rollup SELECT 1, 'provider', r.start_us / 86400000000, coalesce(r.provider, ''), count(*), sum(r.input_tokens), sum(r.output_tokens), sum(r.cached_tokens), sum(r.cache_write_tokens), sum(r.reasoning_tokens), total(r.cost_usd), sum(r.status >= 400), sum(coalesce(r.cache IN ('hit', 'semantic-hit'), 0)), sum(r.cost_usd IS NULL AND r.status < 400) FROM requests r GROUP BY 3, 4;
INSERT INTO spend_rollup SELECT 1, 'tag', r.start_us / 86400000000, t.tag, count(*), sum(r.input_tokens), sum(r.output_tokens), sum(r.cached_tokens), sum(r.cache_write_tokens), sum(r.reasoning_tokens), total(r.cost_usd), sum(r.status >= 400), sum(coalesce(r.cache IN ('hit', 'semantic-hit'), 0)), sum(r.cost_usd IS NULL AND r.status < 400) FROM request_tags t JOIN requests r ON r.id = t.request GROUP BY 3, 4;
)sql",
    // 3: virtual keys. The secret is never stored: `hash` is its SHA-256
    // (hex); `previous_hash` keeps working until `previous_until_us` after a
    // rotation with a grace period.
    R"sql(
CREATE TABLE virtual_keys (
  id TEXT PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  previous_hash TEXT,
  previous_until_us INTEGER,
  prefix TEXT NOT NULL,
  alias TEXT UNIQUE,
  team_id TEXT,
  user_id TEXT,
  models TEXT NOT NULL,
  expires_at_us INTEGER,
  metadata TEXT NOT NULL,
  tags TEXT NOT NULL,
  blocked INTEGER NOT NULL,
  created_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL,
  revoked_us INTEGER
);
)sql",
    // 4: budgets and rate limits on keys; teams and users with their own;
    // the spend ledger (settled cost per entity per UTC hour, nano-dollars).
    R"sql(
ALTER TABLE virtual_keys ADD COLUMN max_budget_usd REAL;
ALTER TABLE virtual_keys ADD COLUMN budget_period TEXT;
ALTER TABLE virtual_keys ADD COLUMN rpm INTEGER;
ALTER TABLE virtual_keys ADD COLUMN tpm INTEGER;
ALTER TABLE virtual_keys ADD COLUMN max_parallel INTEGER;
CREATE TABLE teams (
  id TEXT PRIMARY KEY,
  name TEXT UNIQUE,
  models TEXT NOT NULL,
  metadata TEXT NOT NULL,
  max_budget_usd REAL,
  budget_period TEXT,
  rpm INTEGER,
  tpm INTEGER,
  max_parallel INTEGER,
  blocked INTEGER NOT NULL,
  created_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL
);
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  name TEXT UNIQUE,
  models TEXT NOT NULL,
  metadata TEXT NOT NULL,
  max_budget_usd REAL,
  budget_period TEXT,
  rpm INTEGER,
  tpm INTEGER,
  max_parallel INTEGER,
  blocked INTEGER NOT NULL,
  created_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL
);
CREATE TABLE spend_ledger (
  level TEXT NOT NULL,
  id TEXT NOT NULL,
  hour INTEGER NOT NULL,
  spend_nusd INTEGER NOT NULL,
  requests INTEGER NOT NULL,
  PRIMARY KEY (level, id, hour)
) WITHOUT ROWID;
)sql",
    // 5: rate limits on some models only, per key, team and user.
    R"sql(
ALTER TABLE virtual_keys ADD COLUMN model_limits TEXT NOT NULL DEFAULT '{}';
ALTER TABLE teams ADD COLUMN model_limits TEXT NOT NULL DEFAULT '{}';
ALTER TABLE users ADD COLUMN model_limits TEXT NOT NULL DEFAULT '{}';
)sql",
    // 6: what a cache hit saved (the cost of the answer it repeated).
    R"sql(
ALTER TABLE requests ADD COLUMN cache_saved_usd REAL;
)sql",
    // 7: guardrail rules attached to keys, teams and users.
    R"sql(
ALTER TABLE virtual_keys ADD COLUMN guardrails TEXT NOT NULL DEFAULT '[]';
ALTER TABLE teams ADD COLUMN guardrails TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN guardrails TEXT NOT NULL DEFAULT '[]';
)sql",
    // 8: stored Responses API answers (previous_response_id, GET /v1/responses/{id}).
    R"sql(
CREATE TABLE responses (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  previous_id TEXT,
  response TEXT NOT NULL,
  input_items TEXT NOT NULL
) WITHOUT ROWID;
)sql",
    // 9: why each logged answer ended.
    R"sql(
ALTER TABLE requests ADD COLUMN finish_reason TEXT;
)sql",
    // 10: how far each spend journal file is applied to the ledger.
    R"sql(
CREATE TABLE spend_journal (name TEXT PRIMARY KEY, applied_seq INTEGER NOT NULL) WITHOUT ROWID;
)sql",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

}  // namespace

bool open_database(const std::string& path, Database& db, std::string& error) {
  if (!db.open(path, error)) return false;
  Statement version;
  if (!db.prepare("PRAGMA user_version", version, error)) return false;
  int current = version.step() ? int(version.int64(0)) : 0;
  version = Statement();
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

}  // namespace torii::store
