#include "filters/metrics/metrics_filter.hpp"

#include <chrono>

#include <boost/json.hpp>

#include "config/reader.hpp"
#include "config/section.hpp"
#include "filters/metrics/metrics_section.hpp"
#include "filters/metrics/series.hpp"
#include "pipeline/filter_chain.hpp"
#include "pipeline/request_context.hpp"

namespace torii::filters::metrics {

namespace {

double seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

const char* status_class(int status) {
  switch (status / 100) {
    case 1: return "1xx";
    case 2: return "2xx";
    case 3: return "3xx";
    case 4: return "4xx";
    case 5: return "5xx";
    default: return "none";
  }
}

bool taken_path(std::string_view p) {
  for (std::string_view own : {"/health", "/ready", "/chat/completions", "/completions", "/embeddings", "/models"})
    if (p == own) return true;
  return p.starts_with("/v1/") || p == "/v1" || p.starts_with("/admin");
}

std::any parse_section(config::Reader& r, const config::Field& f) {
  MetricsSection s;
  if (!r.is_map(f, "")) return s;
  for (const auto& x : r.fields(f.value, "metrics", {"enabled", "path", "auth", "key_labels"})) {
    if (x.name == "enabled") {
      if (auto b = r.bool_field(x, "metrics")) s.enabled = *b;
    } else if (x.name == "key_labels") {
      if (auto b = r.bool_field(x, "metrics")) s.key_labels = *b;
    } else if (x.name == "auth") {
      if (auto b = r.bool_field(x, "metrics")) s.auth = *b;
    } else if (auto p = r.string_field(x, "metrics")) {
      if (p->size() < 2 || p->front() != '/' || p->find_first_of("?# ") != std::string::npos)
        r.error(r.value_line(x), "metrics.path", "expected a path such as /metrics, got '" + *p + "'");
      else if (taken_path(*p))
        r.error(r.value_line(x), "metrics.path", "'" + *p + "' is one of the gateway's own routes");
      else
        s.path = *p;
    }
  }
  return s;
}

}  // namespace

const MetricsSection& metrics_section(const Config& config) {
  static const MetricsSection defaults;
  const MetricsSection* s = config.section<MetricsSection>("metrics");
  return s ? *s : defaults;
}

void MetricsFilter::on_complete(pipeline::RequestContext& ctx) const {
  // The API surfaces only: probes and the admin API are not traffic.
  if (ctx.surface != pipeline::Surface::openai && ctx.surface != pipeline::Surface::anthropic &&
      ctx.surface != pipeline::Surface::responses)
    return;
  const providers::RouteRecord& route = ctx.ex.route;
  const bool cancelled = ctx.cancelled();
  static const std::string kNoKey;
  const std::string& key = !key_labels_ ? kNoKey : !ctx.key_alias.empty() ? ctx.key_alias : ctx.key_id;
  Series& s =
      local_shard().series(route.model, route.provider, cancelled ? "cancelled" : status_class(ctx.status), key);
  s.requests.add(1);
  s.attempts.add(uint64_t(route.attempts));
  if (!route.fallback_model.empty()) s.fallbacks.add(1);
  if (cancelled) s.cancelled.add(1);
  // Refused by metering (the model was known: on_admit ran), not by an upstream.
  if (ctx.admission_refused && ctx.status == 429) s.rate_limited.add(1);
  if (ctx.admission_refused && ctx.status == 402) s.budget_exceeded.add(1);

  const llm::Usage& u = ctx.ex.usage;
  const int64_t counts[kTokenTypes] = {u.input, u.output, u.cached_read, u.cache_write, u.reasoning, u.audio};
  for (size_t i = 0; i < kTokenTypes; ++i)
    if (counts[i] > 0) s.tokens[i].add(uint64_t(counts[i]));
  if (const std::string& c = ctx.ex.cache.status; !c.empty()) {
    const CacheResult r = c == "hit"            ? CacheResult::hit
                          : c == "semantic-hit" ? CacheResult::semantic_hit
                          : c == "miss"         ? CacheResult::miss
                                                : CacheResult::bypass;
    s.cache[size_t(r)].add(1);
    if (ctx.ex.cache.saved_usd) s.cache_saved_usd.add(*ctx.ex.cache.saved_usd);
  }
  if (ctx.ex.cost_usd) s.cost_usd.add(*ctx.ex.cost_usd);
  else if (u.reported || u.estimated) s.cost_unknown.add(1);

  const double total = seconds(ctx.times.end - ctx.times.start);
  s.duration.observe(Buckets::request, total);
  if (route.upstream_start != providers::RouteRecord::Clock::time_point{} &&
      route.upstream_end >= route.upstream_start) {
    const double upstream = seconds(route.upstream_end - route.upstream_start);
    s.upstream.observe(Buckets::request, upstream);
    s.overhead.observe(Buckets::overhead, total > upstream ? total - upstream : 0.0);
  }
  if (ctx.streamed && ctx.times.first_chunk != pipeline::RequestContext::Clock::time_point{}) {
    s.ttft.observe(Buckets::request, seconds(ctx.times.first_chunk - ctx.times.start));
    if (u.output > 0)
      s.per_token.observe(Buckets::per_token, seconds(ctx.times.end - ctx.times.first_chunk) / double(u.output));
  }
}

}  // namespace torii::filters::metrics

namespace torii::filters {

// Registered by the generated filter_registrations.cpp (this folder's name).
void register_metrics(pipeline::FilterRegistry& registry) {
  registry.add_section({"metrics", metrics::parse_section, [](const std::any& v) {
                          const auto& s = std::any_cast<const metrics::MetricsSection&>(v);
                          return boost::json::serialize(
                              boost::json::object{{"enabled", s.enabled}, {"path", s.path}, {"auth", s.auth},
                                                  {"key_labels", s.key_labels}});
                        }});
  // Last in the chain: its on_complete runs first, before the slower concerns.
  registry.add({"metrics", 1000, [](const Config& config, size_t) -> std::unique_ptr<pipeline::Filter> {
                  const metrics::MetricsSection& s = metrics::metrics_section(config);
                  if (!s.enabled) return nullptr;
                  return std::make_unique<metrics::MetricsFilter>(s.key_labels);
                }});
}

}  // namespace torii::filters
