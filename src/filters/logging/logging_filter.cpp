#include "filters/logging/logging_filter.hpp"

#include <chrono>
#include <filesystem>

#include <boost/json.hpp>

#include "config/reader.hpp"
#include "config/section.hpp"
#include "core/log.hpp"
#include "filters/logging/log_store.hpp"
#include "pipeline/filter_chain.hpp"
#include "pipeline/request_context.hpp"

namespace torii::filters::logging {

namespace {

constexpr size_t kMaxMetadataBytes = 4096;
constexpr size_t kMaxTags = 32;
constexpr size_t kMaxTagBytes = 64;
constexpr size_t kMaxIdBytes = 256;

// What the filter keeps about a request between its hooks.
struct LogState final : pipeline::FilterState {
  std::string request_body, response_body;
  bool truncated = false;
};

void append_capped(std::string& to, std::string_view data, uint64_t cap, bool& truncated) {
  if (to.size() >= cap) {
    truncated = truncated || !data.empty();
    return;
  }
  const size_t room = size_t(cap - to.size());
  if (data.size() > room) truncated = true;
  to.append(data.substr(0, room));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "a, b ,c" -> "a,b,c"; false when a tag is empty, too long, or the list too long.
bool normalise_tags(std::string_view raw, std::string& out) {
  size_t count = 0;
  while (true) {
    size_t comma = raw.find(',');
    std::string_view tag = trim(raw.substr(0, comma));
    if (tag.empty() || tag.size() > kMaxTagBytes || ++count > kMaxTags) return false;
    if (!out.empty()) out += ',';
    out += tag;
    if (comma == std::string_view::npos) return true;
    raw.remove_prefix(comma + 1);
  }
}

double ms(std::chrono::steady_clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

const char* surface_name(pipeline::Surface s) {
  return s == pipeline::Surface::anthropic ? "anthropic" : s == pipeline::Surface::responses ? "responses" : "openai";
}

std::any parse_section(config::Reader& r, const config::Field& f) {
  LoggingSection s;
  if (!r.is_map(f, "")) return s;
  for (const auto& x : r.fields(f.value, "logging",
                                {"enabled", "bodies", "max_body_bytes", "retention_days", "content_retention_days",
                                 "backlog_max_records", "spool_max_bytes"})) {
    if (x.name == "enabled") {
      if (auto b = r.bool_field(x, "logging")) s.enabled = *b;
    } else if (x.name == "bodies") {
      if (auto b = r.bool_field(x, "logging")) s.bodies = *b;
    } else if (x.name == "max_body_bytes") {
      r.set_uint(x, "logging", s.max_body_bytes, 1, 64ull * 1024 * 1024);
    } else if (x.name == "retention_days") {
      r.set_uint(x, "logging", s.retention_days, 1, 36500);
    } else if (x.name == "content_retention_days") {
      r.set_uint(x, "logging", s.content_retention_days, 1, 36500);
    } else if (x.name == "spool_max_bytes") {
      r.set_uint(x, "logging", s.spool_max_bytes, 0, 1ull << 40);
    } else {
      r.set_uint(x, "logging", s.backlog_max_records, 0, 100'000'000);
    }
  }
  return s;
}

}  // namespace

const LoggingSection& logging_section(const Config& config) {
  static const LoggingSection defaults;
  const LoggingSection* s = config.section<LoggingSection>("logging");
  return s ? *s : defaults;
}

LogWriter* start_writer(const Config& config, std::string& error) {
  const auto& section = logging_section(config);
  if (!section.enabled) return nullptr;
  std::error_code ec;
  std::filesystem::create_directories(config.store.resolved_path, ec);
  if (ec) {
    error = "cannot create the store directory " + config.store.resolved_path + ": " + ec.message();
    return nullptr;
  }
  WriterSettings settings;
  settings.where.sqlite_path = (std::filesystem::path(config.store.resolved_path) / "torii.db").string();
  settings.where.postgres = config.store.postgres;
  settings.backlog_max_records = section.backlog_max_records;
  settings.retention_days = section.retention_days;
  settings.content_retention_days = section.content_retention_days;
  settings.spool_path = (std::filesystem::path(config.store.resolved_path) / "log-spool.jsonl").string();
  settings.spool_max_bytes = section.spool_max_bytes;
  LogWriter* w = LogWriter::start(settings, error);
  if (!w) error = "cannot open the request log in " + log_store_name(settings.where) + ": " + error;
  return w;
}

std::optional<ApiError> check_attribution(const http::Headers& headers) {
  if (const std::string* m = headers.find("x-torii-metadata")) {
    if (m->size() > kMaxMetadataBytes)
      return make_error(400, "x-torii-metadata: at most " + std::to_string(kMaxMetadataBytes) + " bytes",
                        "invalid_metadata", "x-torii-metadata");
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(*m, ec);
    if (ec) return make_error(400, "x-torii-metadata: not valid JSON (" + ec.message() + ")", "invalid_metadata",
                              "x-torii-metadata");
    if (!v.is_object())
      return make_error(400, "x-torii-metadata: must be a JSON object", "invalid_metadata", "x-torii-metadata");
  }
  if (const std::string* t = headers.find("x-torii-tags")) {
    std::string normalised;
    if (!normalise_tags(*t, normalised))
      return make_error(400,
                        "x-torii-tags: a comma-separated list of at most " + std::to_string(kMaxTags) +
                            " non-empty tags of at most " + std::to_string(kMaxTagBytes) + " bytes",
                        "invalid_tags", "x-torii-tags");
  }
  for (const char* name : {"x-torii-user", "x-torii-session-id"}) {
    if (const std::string* v = headers.find(name); v && (v->empty() || v->size() > kMaxIdBytes))
      return make_error(400, std::string(name) + ": 1 to " + std::to_string(kMaxIdBytes) + " bytes",
                        "invalid_attribution", name);
  }
  return std::nullopt;
}

std::optional<ApiError> LoggingFilter::on_request(pipeline::RequestContext& ctx) const {
  if (auto e = check_attribution(ctx.request.headers)) return e;
  if (writer_ && section_.bodies) {
    LogState& s = ctx.state_of<LogState>(index_);
    append_capped(s.request_body, ctx.request.body, section_.max_body_bytes, s.truncated);
  }
  return std::nullopt;
}

void LoggingFilter::on_chunk(pipeline::RequestContext& ctx, std::string_view data) const {
  if (!writer_ || !section_.bodies) return;
  LogState& s = ctx.state_of<LogState>(index_);
  append_capped(s.response_body, data, section_.max_body_bytes, s.truncated);
}

void LoggingFilter::on_complete(pipeline::RequestContext& ctx) const {
  if (!writer_) return;
  if (ctx.surface != pipeline::Surface::openai && ctx.surface != pipeline::Surface::anthropic &&
      ctx.surface != pipeline::Surface::responses)
    return;
  const providers::RouteRecord& route = ctx.ex.route;
  const http::Headers& h = ctx.request.headers;
  auto r = std::make_unique<LogRecord>();
  r->request_id = ctx.ex.request_id;
  // Wall-clock start: now, less how long the request took on the steady clock.
  const auto wall_start = std::chrono::system_clock::now() -
                          std::chrono::duration_cast<std::chrono::system_clock::duration>(
                              std::chrono::steady_clock::now() - ctx.times.start);
  r->start_us = std::chrono::duration_cast<std::chrono::microseconds>(wall_start.time_since_epoch()).count();
  r->duration_ms = ms(ctx.times.end - ctx.times.start);
  if (ctx.streamed && ctx.times.first_chunk != pipeline::RequestContext::Clock::time_point{})
    r->ttft_ms = ms(ctx.times.first_chunk - ctx.times.start);
  if (route.upstream_start != providers::RouteRecord::Clock::time_point{} && route.upstream_end >= route.upstream_start)
    r->upstream_ms = ms(route.upstream_end - route.upstream_start);
  r->surface = surface_name(ctx.surface);
  r->method = ctx.request.method;
  r->path = std::string(ctx.request.path());
  r->model = route.model;
  r->provider = route.provider;
  r->upstream_model = route.upstream_model;
  r->fallback_model = route.fallback_model;
  r->attempts = route.attempts;
  r->cancelled = ctx.cancelled();
  r->status = r->cancelled ? 499 : ctx.status;
  r->error_code = r->cancelled ? std::string("client_cancelled") : route.error_code;
  for (const auto& reason : ctx.ex.finish_reasons) {
    if (!r->finish_reason.empty()) r->finish_reason += ',';
    r->finish_reason += reason;
  }
  r->streamed = ctx.streamed;
  r->key_id = ctx.key_id;
  r->team_id = ctx.team_id;
  if (check_attribution(h)) {
    // Refused for its attribution headers: logged without them.
  } else {
    if (const std::string* u = h.find("x-torii-user")) r->user_id = *u;
    else if (!ctx.key_user_id.empty()) r->user_id = ctx.key_user_id;
    else r->user_id = route.body_user.substr(0, kMaxIdBytes);
    if (const std::string* sid = h.find("x-torii-session-id")) r->session_id = *sid;
    if (const std::string* t = h.find("x-torii-tags")) normalise_tags(*t, r->tags);
    if (const std::string* m = h.find("x-torii-metadata")) r->metadata = *m;
  }
  r->usage = ctx.ex.usage;
  r->cost_usd = ctx.ex.cost_usd;
  r->cache = ctx.ex.cache.status;
  r->cache_saved_usd = ctx.ex.cache.saved_usd;
  r->guardrails = ctx.ex.guardrails;
  if (section_.bodies && index_ < ctx.state.size() && ctx.state[index_]) {
    auto& s = static_cast<LogState&>(*ctx.state[index_]);
    r->has_bodies = true;
    r->request_body = std::move(s.request_body);
    r->response_body = std::move(s.response_body);
    r->body_truncated = s.truncated;
  }
  writer_->submit(std::move(r));
}

}  // namespace torii::filters::logging

namespace torii::filters {

// Registered by the generated filter_registrations.cpp (this folder's name).
void register_logging(pipeline::FilterRegistry& registry) {
  registry.add_section({"logging", logging::parse_section, [](const std::any& v) {
                          const auto& s = std::any_cast<const logging::LoggingSection&>(v);
                          boost::json::object o{{"enabled", s.enabled},
                                                {"bodies", s.bodies},
                                                {"max_body_bytes", s.max_body_bytes},
                                                {"retention_days", s.retention_days},
                                                {"content_retention_days", s.content_retention_days},
                                                {"backlog_max_records", s.backlog_max_records},
                                                {"spool_max_bytes", s.spool_max_bytes}};
                          return boost::json::serialize(o);
                        }});
  // Right after auth: a request refused for a bad key is logged, and one
  // with bad attribution headers is refused before anything else runs.
  registry.add({"logging", 150, [](const Config& config, size_t index) -> std::unique_ptr<pipeline::Filter> {
                  const auto& section = logging::logging_section(config);
                  logging::LogWriter* writer = nullptr;
                  if (section.enabled) {
                    writer = logging::LogWriter::running();
                    if (!writer) {
                      // Started by the runtime before the first snapshot; a
                      // reload that turns logging on starts it here.
                      std::string error;
                      writer = logging::start_writer(config, error);
                      if (!writer) log::error("request log: {}", error);
                    }
                  }
                  return std::make_unique<logging::LoggingFilter>(section, writer, index);
                }});
}

}  // namespace torii::filters
