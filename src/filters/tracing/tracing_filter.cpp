#include "filters/tracing/tracing_filter.hpp"

#include <chrono>
#include <cstring>

#include <boost/json.hpp>

#include "config/reader.hpp"
#include "config/section.hpp"
#include "core/log.hpp"
#include "filters/tracing/trace_context.hpp"
#include "http/client.hpp"
#include "pipeline/filter_chain.hpp"
#include "pipeline/request_context.hpp"
#include "providers/provider.hpp"

namespace torii::filters::tracing {

namespace {

using Steady = std::chrono::steady_clock;

// Steady-clock instants as Unix nanoseconds, through one anchor per request.
struct WallClock {
  Steady::time_point steady_now = Steady::now();
  int64_t unix_now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  uint64_t at(Steady::time_point t) const {
    return uint64_t(unix_now - std::chrono::duration_cast<std::chrono::nanoseconds>(steady_now - t).count());
  }
};

std::string operation_of(std::string_view path) {
  if (path.ends_with("/embeddings")) return "embeddings";
  if (path.ends_with("/completions") && !path.ends_with("/chat/completions")) return "text_completion";
  return "chat";
}

std::any parse_section(config::Reader& r, const config::Field& f) {
  TracingSection s;
  if (!r.is_map(f, "")) return s;
  bool has_endpoint = false;
  for (const auto& x : r.fields(f.value, "tracing", {"otlp_endpoint", "sample_ratio", "service_name", "timeout_ms", "headers"})) {
    if (x.name == "otlp_endpoint") {
      has_endpoint = true;
      auto v = r.string_field(x, "tracing");
      if (!v) continue;
      http::Url url;
      std::string error;
      if (!v->empty() && !http::parse_url(*v, url, error))
        r.error(r.value_line(x), "tracing.otlp_endpoint", "expected an http:// or https:// URL: " + error);
      else
        s.otlp_endpoint = *v;
    } else if (x.name == "sample_ratio") {
      auto v = r.double_field(x, "tracing");
      if (v && *v > 1.0) r.error(r.value_line(x), "tracing.sample_ratio", "must be between 0 and 1");
      else if (v) s.sample_ratio = *v;
    } else if (x.name == "service_name") {
      if (auto v = r.string_field(x, "tracing")) s.service_name = *v;
    } else if (x.name == "timeout_ms") {
      r.set_uint(x, "tracing", s.timeout_ms, 1, 600'000);
    } else if (r.is_map(x, "tracing")) {
      for (auto it = x.value.begin(); it != x.value.end(); ++it) {
        YAML::Node k = it->first, v = it->second;
        if (!k.IsScalar()) continue;
        auto value = r.string_value(v, v.IsNull() ? r.line_of(k) : r.line_of(v), "tracing.headers." + k.Scalar());
        if (value) s.headers.emplace_back(k.Scalar(), *value);
      }
    }
  }
  if (!has_endpoint) r.error(r.line_of(f.key), "tracing.otlp_endpoint", "is required (e.g. http://127.0.0.1:4318)");
  return s;
}

}  // namespace

const TracingSection* tracing_section(const Config& config) { return config.section<TracingSection>("tracing"); }

Exporter* start_exporter(const Config& config, std::string& error) {
  const TracingSection* s = tracing_section(config);
  if (!s || s->otlp_endpoint.empty()) return nullptr;
  ExporterSettings settings;
  settings.endpoint = s->otlp_endpoint;
  settings.service_name = s->service_name;
  settings.timeout_ms = s->timeout_ms;
  settings.headers = s->headers;
  Exporter* e = Exporter::start(settings, error);
  if (!e) error = "tracing.otlp_endpoint: " + error;
  return e;
}

std::optional<ApiError> TracingFilter::on_request(pipeline::RequestContext& ctx) const {
  providers::TraceContext& trace = ctx.ex.trace;
  const http::Headers& h = ctx.request.headers;
  const std::string* parent_header = h.find("traceparent");
  ParsedTraceparent parent;
  const bool has_parent = parent_header && parse_traceparent(*parent_header, parent);
  if (const std::string* state = h.find("tracestate"); state && has_parent) trace.tracestate = *state;
  if (!exporter_) {
    if (has_parent) trace.passthrough = *parent_header;
    return std::nullopt;
  }
  // Parent-based: a client's decision stands; a new trace is sampled by ratio.
  const bool sampled = has_parent ? parent.sampled : (ratio_ >= 1.0 || sample_draw() < ratio_);
  if (!sampled) {
    if (has_parent) trace.passthrough = *parent_header;
    return std::nullopt;
  }
  trace.active = true;
  if (has_parent) {
    std::memcpy(trace.trace_id, parent.trace_id, 16);
    trace.parent_span_id = parent.parent_span_id;
  } else {
    new_trace_id(trace.trace_id);
  }
  trace.span_id = new_span_id();
  return std::nullopt;
}

void TracingFilter::on_complete(pipeline::RequestContext& ctx) const {
  const providers::TraceContext& trace = ctx.ex.trace;
  if (!exporter_ || !trace.active) return;
  const providers::RouteRecord& route = ctx.ex.route;
  const WallClock clock;
  const std::string operation = operation_of(ctx.request.path());
  const std::string requested = route.model;
  auto batch = std::make_unique<TraceBatch>();
  // Reserved up front: `s` below must stay valid while the attempts' spans are added.
  batch->spans.reserve(1 + route.attempt_traces.size());
  SpanData& s = batch->spans.emplace_back();
  std::memcpy(s.trace_id, trace.trace_id, 16);
  s.span_id = trace.span_id;
  s.parent_span_id = trace.parent_span_id;
  s.trace_state = trace.tracestate;
  s.name = requested.empty() ? operation : operation + " " + requested;
  s.kind = SpanKind::server;
  s.start_unix_nano = clock.at(ctx.times.start);
  s.end_unix_nano = clock.at(ctx.times.end);
  const int status = ctx.cancelled() ? 499 : ctx.status;
  auto add = [&](std::vector<Attribute>& to, std::string_view key, auto value) { to.push_back({key, value}); };
  // As many as a request span can carry: no regrowth (and moves) per span.
  s.attributes.reserve(20);
  add(s.attributes, "gen_ai.operation.name", operation);
  if (!requested.empty()) add(s.attributes, "gen_ai.request.model", requested);
  if (route.provider_ptr) add(s.attributes, "gen_ai.provider.name", route.provider_ptr->genai_name);
  if (!route.upstream_model.empty()) add(s.attributes, "gen_ai.response.model", route.upstream_model);
  const llm::Usage& u = ctx.ex.usage;
  if (u.reported || u.estimated) {
    add(s.attributes, "gen_ai.usage.input_tokens", int64_t(u.prompt_total()));
    add(s.attributes, "gen_ai.usage.output_tokens", int64_t(u.output));
    add(s.attributes, "gen_ai.usage.cache_read.input_tokens", int64_t(u.cached_read));
    add(s.attributes, "gen_ai.usage.cache_creation.input_tokens", int64_t(u.cache_write));
    if (u.reasoning) add(s.attributes, "gen_ai.usage.reasoning.output_tokens", int64_t(u.reasoning));
  }
  if (!ctx.ex.finish_reasons.empty()) add(s.attributes, "gen_ai.response.finish_reasons", ctx.ex.finish_reasons);
  add(s.attributes, "http.request.method", ctx.request.method);
  add(s.attributes, "url.path", std::string(ctx.request.path()));
  add(s.attributes, "http.response.status_code", int64_t(status));
  add(s.attributes, "torii.request_id", ctx.ex.request_id);
  add(s.attributes, "torii.attempts", int64_t(route.attempts));
  if (ctx.ex.cost_usd) add(s.attributes, "torii.cost_usd", *ctx.ex.cost_usd);
  if (!route.fallback_model.empty()) {
    add(s.attributes, "torii.fallback_model", route.fallback_model);
    SpanEvent& e = s.events.emplace_back();
    e.time_unix_nano = s.end_unix_nano;
    e.name = "torii.fallback";
    e.attributes.push_back({"torii.fallback_model", route.fallback_model});
  }
  if (ctx.cancelled()) add(s.attributes, "torii.cancelled", true);
  const std::string error = ctx.cancelled() ? std::string("client_cancelled") : route.error_code;
  if (!error.empty()) add(s.attributes, "error.type", error);
  // Server spans: 5xx are errors, 4xx are the client's.
  if (status >= 500) {
    s.status = StatusCode::error;
    s.status_message = error;
  }

  for (const providers::AttemptTrace& at : route.attempt_traces) {
    SpanData& c = batch->spans.emplace_back();
    std::memcpy(c.trace_id, trace.trace_id, 16);
    c.span_id = at.span_id;
    c.parent_span_id = trace.span_id;
    c.trace_state = trace.tracestate;
    c.name = operation + " " + at.upstream_model;
    c.kind = SpanKind::client;
    c.start_unix_nano = clock.at(at.start);
    c.end_unix_nano = clock.at(at.end == Steady::time_point{} ? ctx.times.end : at.end);
    c.attributes.reserve(10);
    add(c.attributes, "gen_ai.operation.name", operation);
    add(c.attributes, "gen_ai.request.model", at.upstream_model);
    if (at.provider) {
      add(c.attributes, "gen_ai.provider.name", at.provider->genai_name);
      add(c.attributes, "torii.provider", at.provider->name);
      add(c.attributes, "server.address", at.provider->origin.host);
    }
    if (at.status) add(c.attributes, "http.response.status_code", int64_t(at.status));
    if (at.won && (u.reported || u.estimated)) {
      add(c.attributes, "gen_ai.usage.input_tokens", int64_t(u.prompt_total()));
      add(c.attributes, "gen_ai.usage.output_tokens", int64_t(u.output));
    }
    if (!at.error.empty()) {
      add(c.attributes, "error.type", at.error);
      c.status = StatusCode::error;
      c.status_message = at.error;
      SpanEvent& e = s.events.emplace_back();
      e.time_unix_nano = c.end_unix_nano;
      e.name = "torii.attempt_failed";
      e.attributes.push_back({"torii.provider", at.provider ? at.provider->name : std::string()});
      e.attributes.push_back({"error.type", at.error});
      if (at.status) e.attributes.push_back({"http.response.status_code", int64_t(at.status)});
    }
  }
  exporter_->submit(std::move(batch));
}

}  // namespace torii::filters::tracing

namespace torii::filters {

// Registered by the generated filter_registrations.cpp (this folder's name).
void register_tracing(pipeline::FilterRegistry& registry) {
  registry.add_section({"tracing", tracing::parse_section, [](const std::any& v) {
                          const auto& s = std::any_cast<const tracing::TracingSection&>(v);
                          boost::json::object headers;
                          for (const auto& [k, value] : s.headers) headers[k] = config::mask_secret(value);
                          boost::json::object o{{"otlp_endpoint", s.otlp_endpoint},
                                                {"sample_ratio", s.sample_ratio},
                                                {"service_name", s.service_name},
                                                {"timeout_ms", s.timeout_ms},
                                                {"headers", std::move(headers)}};
                          return boost::json::serialize(o);
                        }});
  // First: a request refused by auth is traced too.
  registry.add({"tracing", 50, [](const Config& config, size_t) -> std::unique_ptr<pipeline::Filter> {
                  const tracing::TracingSection* s = tracing::tracing_section(config);
                  tracing::Exporter* exporter = nullptr;
                  if (s && !s->otlp_endpoint.empty()) {
                    exporter = tracing::Exporter::running();
                    if (!exporter) {
                      std::string error;
                      exporter = tracing::start_exporter(config, error);
                      if (!exporter) log::error("tracing: {}", error);
                    }
                  }
                  return std::make_unique<tracing::TracingFilter>(s ? s->sample_ratio : 1.0, exporter);
                }});
}

}  // namespace torii::filters
