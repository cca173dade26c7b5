#include "filters/logging/pg_log_store.hpp"

#include <algorithm>

#include "filters/logging/log_time.hpp"
#include "filters/logging/redact.hpp"
#include "filters/logging/rollup.hpp"

namespace torii::filters::logging {

namespace {

using store::PgParam;
using store::PgResult;

// Partition creation and drops, by any node, one at a time.
constexpr const char* kPartitionLock = "SELECT pg_advisory_xact_lock(7350190)";
constexpr const char* kParents[] = {"requests", "request_tags", "request_bodies"};
// Rows per INSERT: PostgreSQL takes at most 65535 parameters a statement.
constexpr size_t kRowsPerStatement = 1000;

constexpr const char* kSchema = R"sql(
SELECT pg_advisory_xact_lock(7350191);
CREATE TABLE IF NOT EXISTS requests (
  id BIGINT NOT NULL, request_id TEXT NOT NULL, start_us BIGINT NOT NULL, duration_ms DOUBLE PRECISION NOT NULL,
  ttft_ms DOUBLE PRECISION, upstream_ms DOUBLE PRECISION, surface TEXT NOT NULL, method TEXT NOT NULL,
  path TEXT NOT NULL, model TEXT, provider TEXT, upstream_model TEXT, fallback_model TEXT, attempts INTEGER NOT NULL,
  status INTEGER NOT NULL, error_code TEXT, cancelled SMALLINT NOT NULL, streamed SMALLINT NOT NULL, key_id TEXT,
  team_id TEXT, user_id TEXT, session_id TEXT, tags TEXT, metadata TEXT, input_tokens BIGINT NOT NULL,
  output_tokens BIGINT NOT NULL, cached_tokens BIGINT NOT NULL, cache_write_tokens BIGINT NOT NULL,
  reasoning_tokens BIGINT NOT NULL, audio_tokens BIGINT NOT NULL, usage_estimated SMALLINT NOT NULL,
  cost_usd DOUBLE PRECISION, cache TEXT, guardrails TEXT, cache_saved_usd DOUBLE PRECISION, finish_reason TEXT
) PARTITION BY RANGE (start_us);
CREATE SEQUENCE IF NOT EXISTS requests_id_seq;
CREATE INDEX IF NOT EXISTS requests_start ON requests (start_us, id);
CREATE INDEX IF NOT EXISTS requests_request_id ON requests (request_id);
CREATE INDEX IF NOT EXISTS requests_key ON requests (key_id, start_us) WHERE key_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS requests_user ON requests (user_id, start_us) WHERE user_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS requests_model ON requests (model, start_us);
CREATE TABLE IF NOT EXISTS request_tags (
  request BIGINT NOT NULL, tag TEXT NOT NULL, start_us BIGINT NOT NULL
) PARTITION BY RANGE (start_us);
CREATE INDEX IF NOT EXISTS request_tags_tag ON request_tags (tag, request);
CREATE INDEX IF NOT EXISTS request_tags_request ON request_tags (request);
CREATE TABLE IF NOT EXISTS request_bodies (
  request BIGINT NOT NULL, start_us BIGINT NOT NULL, request_body TEXT, response_body TEXT, truncated SMALLINT NOT NULL
) PARTITION BY RANGE (start_us);
CREATE INDEX IF NOT EXISTS request_bodies_request ON request_bodies (request);
CREATE TABLE IF NOT EXISTS spend_rollup (
  period SMALLINT NOT NULL, dim TEXT NOT NULL, bucket BIGINT NOT NULL, value TEXT NOT NULL,
  requests BIGINT NOT NULL, input_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL, cached_tokens BIGINT NOT NULL,
  cache_write_tokens BIGINT NOT NULL, reasoning_tokens BIGINT NOT NULL, cost_usd DOUBLE PRECISION NOT NULL,
  errors BIGINT NOT NULL, cache_hits BIGINT NOT NULL, unpriced BIGINT NOT NULL,
  PRIMARY KEY (period, dim, bucket, value)
);
)sql";

constexpr const char* kRequestColumns =
    "id, request_id, start_us, duration_ms, ttft_ms, upstream_ms, surface, method, path, model, provider, "
    "upstream_model, fallback_model, attempts, status, error_code, cancelled, streamed, key_id, team_id, user_id, "
    "session_id, tags, metadata, input_tokens, output_tokens, cached_tokens, cache_write_tokens, reasoning_tokens, "
    "audio_tokens, usage_estimated, cost_usd, cache, cache_saved_usd, guardrails, finish_reason";
constexpr int kRequestColumnCount = 36;

constexpr const char* kRollupUpdate =
    " ON CONFLICT (period, dim, bucket, value) DO UPDATE SET requests = spend_rollup.requests + excluded.requests, "
    "input_tokens = spend_rollup.input_tokens + excluded.input_tokens, "
    "output_tokens = spend_rollup.output_tokens + excluded.output_tokens, "
    "cached_tokens = spend_rollup.cached_tokens + excluded.cached_tokens, "
    "cache_write_tokens = spend_rollup.cache_write_tokens + excluded.cache_write_tokens, "
    "reasoning_tokens = spend_rollup.reasoning_tokens + excluded.reasoning_tokens, "
    "cost_usd = spend_rollup.cost_usd + excluded.cost_usd, errors = spend_rollup.errors + excluded.errors, "
    "cache_hits = spend_rollup.cache_hits + excluded.cache_hits, unpriced = spend_rollup.unpriced + excluded.unpriced";

PgParam text(std::string_view s) { return store::pg_safe_text(s); }
PgParam text_or_null(std::string_view s) { return s.empty() ? PgParam() : text(s); }
PgParam flag(bool b) { return std::string(b ? "1" : "0"); }
void append(std::vector<PgParam>& to, std::initializer_list<PgParam> values) { to.insert(to.end(), values); }

// "($1, $2), ($3, $4)" for `rows` rows of `columns` parameters.
std::string values_list(size_t rows, int columns) {
  std::string out;
  int n = 1;
  for (size_t r = 0; r < rows; ++r) {
    out += r ? ", (" : "(";
    for (int c = 0; c < columns; ++c) {
      if (c) out += ", ";
      out += "$" + std::to_string(n++);
    }
    out += ")";
  }
  return out;
}

// Runs "INSERT INTO table (columns) VALUES ...<suffix>" over `params`,
// `columns` to a row, in statements of kRowsPerStatement rows.
bool insert_rows(store::PgConnection& c, const std::string& head, int columns, const std::vector<PgParam>& params,
                 const char* suffix, std::string& error) {
  const size_t rows = params.size() / size_t(columns);
  for (size_t first = 0; first < rows; first += kRowsPerStatement) {
    const size_t n = std::min(kRowsPerStatement, rows - first);
    std::vector<PgParam> chunk(params.begin() + long(first * columns), params.begin() + long((first + n) * columns));
    if (!c.exec(head + " VALUES " + values_list(n, columns) + suffix, chunk, nullptr, error)) return false;
  }
  return true;
}

// "20261204": the partitions' suffix for a day (days since 1970-01-01).
std::string day_suffix(int64_t day) {
  const std::string t = format_time(day * kDayUs);
  return t.substr(0, 4) + t.substr(5, 2) + t.substr(8, 2);
}

// The day a partition's name ends with, or nothing.
std::optional<int64_t> day_of_partition(std::string_view name, std::string_view parent) {
  if (name.size() != parent.size() + 9 || name.substr(0, parent.size()) != parent || name[parent.size()] != '_')
    return std::nullopt;
  const std::string_view d = name.substr(parent.size() + 1);
  const std::string date = std::string(d.substr(0, 4)) + "-" + std::string(d.substr(4, 2)) + "-" + std::string(d.substr(6, 2));
  int64_t us;
  if (!parse_time(date, us)) return std::nullopt;
  return us / kDayUs;
}

}  // namespace

bool pg_ensure_log_schema(store::PgConnection& c, std::string& error) { return c.run_script(kSchema, error); }

bool PgLogStore::open(const std::string& conninfo, std::string& error) {
  return c_.open(conninfo, error) && pg_ensure_log_schema(c_, error);
}

bool PgLogStore::ensure_partitions(const std::vector<std::unique_ptr<LogRecord>>& batch, std::string& error) {
  std::set<int64_t> missing;
  for (const auto& r : batch) {
    const int64_t day = r->start_us >= 0 ? r->start_us / kDayUs : 0;
    // The next day's too, so that midnight's first batch finds it made.
    for (int64_t d : {day, day + 1})
      if (!partitioned_days_.count(d)) missing.insert(d);
  }
  if (missing.empty()) return true;
  std::string sql = std::string("BEGIN; ") + kPartitionLock + "; ";
  for (int64_t day : missing)
    for (const char* parent : kParents)
      sql += std::string("CREATE TABLE IF NOT EXISTS ") + parent + "_" + day_suffix(day) + " PARTITION OF " + parent +
             " FOR VALUES FROM (" + std::to_string(day * kDayUs) + ") TO (" + std::to_string((day + 1) * kDayUs) + "); ";
  sql += "COMMIT;";
  if (!c_.run_script(sql, error)) {
    std::string ignored;
    c_.run_script("ROLLBACK", ignored);
    return false;
  }
  partitioned_days_.insert(missing.begin(), missing.end());
  return true;
}

bool PgLogStore::insert_in_transaction(const std::vector<std::unique_ptr<LogRecord>>& batch, std::string& error) {
  PgResult ids;
  if (!c_.exec("SELECT nextval('requests_id_seq') FROM generate_series(1, $1)", {store::pg_int(int64_t(batch.size()))},
               &ids, error))
    return false;
  if (ids.rows() != int(batch.size())) {
    error = "the id sequence gave " + std::to_string(ids.rows()) + " ids for " + std::to_string(batch.size()) + " rows";
    return false;
  }
  std::vector<PgParam> rows, bodies, tags;
  rows.reserve(batch.size() * kRequestColumnCount);
  for (size_t i = 0; i < batch.size(); ++i) {
    const LogRecord& r = *batch[i];
    const std::string id(ids.text(int(i), 0));
    const PgParam start = store::pg_int(r.start_us);
    append(rows, {
             id, text(r.request_id), start, store::pg_real(r.duration_ms), store::pg_opt_real(r.ttft_ms),
             store::pg_opt_real(r.upstream_ms), text(r.surface), text(r.method), text(r.path), text_or_null(r.model),
             text_or_null(r.provider), text_or_null(r.upstream_model), text_or_null(r.fallback_model),
             store::pg_int(r.attempts), store::pg_int(r.status), text_or_null(r.error_code), flag(r.cancelled),
             flag(r.streamed), text_or_null(r.key_id), text_or_null(r.team_id), text_or_null(r.user_id),
             text_or_null(r.session_id), text_or_null(r.tags), text_or_null(r.metadata), store::pg_int(r.usage.input),
             store::pg_int(r.usage.output), store::pg_int(r.usage.cached_read), store::pg_int(r.usage.cache_write),
             store::pg_int(r.usage.reasoning), store::pg_int(r.usage.audio), flag(r.usage.estimated),
             store::pg_opt_real(r.cost_usd), text_or_null(r.cache), store::pg_opt_real(r.cache_saved_usd),
             text_or_null(r.guardrails), text_or_null(r.finish_reason)});
    if (r.has_bodies) {
      append(bodies, {id, start, text(redact(r.request_body)), text(redact(r.response_body)), flag(r.body_truncated)});
    }
    for (std::string_view tag : tags_of(r)) append(tags, {id, text(tag), start});
  }
  std::vector<PgParam> rollups;
  for (const auto& [k, m] : rollups_of(batch)) {
    append(rollups, {
             store::pg_int(std::get<0>(k)), text(std::get<1>(k)), store::pg_int(std::get<2>(k)), text(std::get<3>(k)),
             store::pg_int(m.requests), store::pg_int(m.input), store::pg_int(m.output), store::pg_int(m.cached),
             store::pg_int(m.cache_write), store::pg_int(m.reasoning), store::pg_real(m.cost), store::pg_int(m.errors),
             store::pg_int(m.cache_hits), store::pg_int(m.unpriced)});
  }
  return insert_rows(c_, std::string("INSERT INTO requests (") + kRequestColumns + ")", kRequestColumnCount, rows, "",
                     error) &&
         insert_rows(c_, "INSERT INTO request_bodies (request, start_us, request_body, response_body, truncated)", 5,
                     bodies, "", error) &&
         insert_rows(c_, "INSERT INTO request_tags (request, tag, start_us)", 3, tags, "", error) &&
         insert_rows(c_, "INSERT INTO spend_rollup", 14, rollups, kRollupUpdate, error);
}

bool PgLogStore::insert(const std::vector<std::unique_ptr<LogRecord>>& batch, std::string& error) {
  if (batch.empty()) return true;
  if (!ensure_partitions(batch, error)) return false;
  std::string ignored;
  if (!c_.exec("BEGIN", {}, nullptr, error)) return false;
  if (insert_in_transaction(batch, error) && c_.exec("COMMIT", {}, nullptr, error)) return true;
  // "no partition of relation found for row": another node dropped a day
  // this one thought was there (an old spooled record); made again next try.
  if (c_.sqlstate() == "23514") partitioned_days_.clear();
  c_.exec("ROLLBACK", {}, nullptr, ignored);
  return false;
}

int64_t PgLogStore::purge(int64_t rows_before_us, int64_t bodies_before_us, int limit, std::string& error) {
  // Whole days only: a day goes once all of it is past the cutoff.
  const int64_t rows_cut = rows_before_us / kDayUs;
  const int64_t bodies_cut = std::max(rows_before_us, bodies_before_us) / kDayUs;
  std::string drops;
  int64_t dropped = 0;
  for (const char* parent : kParents) {
    PgResult parts;
    if (!c_.exec("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = "
                 "$1::regclass ORDER BY 1",
                 {store::pg_text(parent)}, &parts, error))
      return -1;
    const int64_t cut = std::string_view(parent) == "request_bodies" ? bodies_cut : rows_cut;
    for (int i = 0; i < parts.rows() && dropped < limit; ++i) {
      const std::string_view name = parts.text(i, 0);
      const std::optional<int64_t> day = day_of_partition(name, parent);
      if (!day || *day + 1 > cut) continue;
      drops += "DROP TABLE IF EXISTS " + std::string(name) + "; ";
      ++dropped;
      partitioned_days_.erase(*day);
    }
  }
  if (dropped == 0) return 0;
  // An hour (a day) leaves the rollups with the day of rows it summed.
  const std::string sql = std::string("BEGIN; ") + kPartitionLock + "; " + drops +
                          "DELETE FROM spend_rollup WHERE period = 0 AND bucket < " + std::to_string(rows_cut * 24) +
                          "; DELETE FROM spend_rollup WHERE period = 1 AND bucket < " + std::to_string(rows_cut) +
                          "; COMMIT;";
  if (!c_.run_script(sql, error)) {
    std::string ignored;
    c_.run_script("ROLLBACK", ignored);
    return -1;
  }
  return dropped;
}

}  // namespace torii::filters::logging
