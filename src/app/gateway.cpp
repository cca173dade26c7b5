#include "app/gateway.hpp"


#include <chrono>
#include <random>

#include <boost/json.hpp>

#include "core/log.hpp"
#include "filters/auth/auth_section.hpp"
#include "filters/metrics/metrics_section.hpp"
#include "http/client.hpp"
#include "pipeline/request_context.hpp"
#include "pipeline/response_sink.hpp"
#include "providers/exchange.hpp"
#include "app/worker.hpp"
#include "routing/health.hpp"
#include "routing/router.hpp"
#include "surfaces/anthropic_api.hpp"
#include "surfaces/count_tokens.hpp"
#include "http/percent.hpp"
#include "surfaces/openai_api.hpp"
#include "surfaces/response_archive.hpp"
#include "surfaces/responses_api.hpp"

namespace torii::app {

namespace {

bool acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':'))
      return false;
  return true;
}

// 32 hex digits: the Unix time in milliseconds (12 digits, so ids sort by
// time, which keeps the request log's id index append-only), then 80 random bits.
std::string new_request_id(std::mt19937_64& rng) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string id(32, '0');
  const uint64_t ms = uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
  for (int i = 0; i < 12; ++i) id[i] = hex[(ms >> ((11 - i) * 4)) & 15];
  uint64_t a = rng(), b = rng();
  for (int i = 0; i < 16; ++i) id[12 + i] = hex[(a >> (i * 4)) & 15];
  for (int i = 0; i < 4; ++i) id[28 + i] = hex[(b >> (i * 4)) & 15];
  return id;
}

http::Response json_response(int status, std::string body, const http::Headers& headers) {
  http::Response r;
  r.status = status;
  r.headers = headers;
  r.body = std::move(body);
  return r;
}

std::vector<std::string> static_keys(const Config& config) {
  const filters::AuthSection* auth = filters::auth_section(config);
  return auth ? auth->keys : std::vector<std::string>{};
}

}  // namespace

Gateway::Gateway(Config config, GatewayHooks hooks)
    : config_(std::move(config)),
      hooks_(std::move(hooks)),
      admin_auth_(true, config_.admin_enabled ? config_.admin_keys : static_keys(config_)),
      chain_(pipeline::FilterRegistry::builtin(), config_),
      routes_(pipeline::RouteTable::standard()) {
  // Without an admin or auth section, /admin/health is as open as the gateway.
  if (!config_.admin_enabled && !filters::auth_section(config_)) admin_auth_ = filters::KeyAuth(false, {});
  const auto& metrics = filters::metrics::metrics_section(config_);
  if (metrics.enabled) routes_.add({metrics.path, "GET", pipeline::Handler::metrics, pipeline::Surface::probe, false});
}

std::shared_ptr<const Gateway> Gateway::create(Config config, GatewayHooks hooks, std::string& error) {
  std::shared_ptr<Gateway> gw(new Gateway(std::move(config), std::move(hooks)));
  for (const auto& pc : gw->config_.providers) {
    auto p = providers::make_provider(pc, error);
    if (!p) return nullptr;
    gw->provider_map_.emplace(p->name, p.get());
    gw->providers_.push_back(std::move(p));
  }
  gw->models_ = std::make_unique<routing::ModelTable>(gw->config_, gw->provider_map_);
  gw->models_body_ = surfaces::openai_models_body(*gw->models_);
  return gw;
}

http::ErrorResponder Gateway::error_responder() {
  return [](int status, std::string_view message, std::string_view path) {
    ApiError e = make_error(status, std::string(message));
    http::Response r;
    r.status = status;
    r.body = path.starts_with("/v1/messages") || path.starts_with("/messages") ? anthropic_error_body(e)
                                                                              : openai_error_body(e);
    return r;
  };
}

namespace {

// on_complete runs once per request, also when the request's coroutine is
// destroyed without finishing (a cancelled client, a shutdown).
class CompletionGuard {
 public:
  CompletionGuard(const pipeline::FilterChain& chain, pipeline::RequestContext& ctx) : chain_(chain), ctx_(ctx) {}
  ~CompletionGuard() {
    ctx_.times.end = pipeline::RequestContext::Clock::now();
    if (ctx_.ex.out.client_gone()) ctx_.client_gone = true;
    chain_.on_complete(ctx_);
  }
  CompletionGuard(const CompletionGuard&) = delete;
  CompletionGuard& operator=(const CompletionGuard&) = delete;

 private:
  const pipeline::FilterChain& chain_;
  pipeline::RequestContext& ctx_;
};

// The surfaces' way into the chain's on_admit, for this request.
class ChainGate final : public pipeline::AdmissionGate {
 public:
  ChainGate(const pipeline::FilterChain& chain, pipeline::RequestContext& ctx) : chain_(chain), ctx_(ctx) {}
  std::optional<ApiError> admit(const pipeline::Admission& a) const override { return chain_.on_admit(ctx_, a); }
  bool admits_async() const override { return chain_.admits_async(); }
  boost::asio::awaitable<std::optional<ApiError>> admit_async(const pipeline::Admission& a) const override {
    return chain_.on_admit_async(ctx_, a);
  }
  bool inspects_input() const override { return chain_.inspects_input(); }
  std::optional<ApiError> inspect_input(pipeline::Input& in) const override { return chain_.on_input(ctx_, in); }
  bool inspects_input_async() const override { return chain_.inspects_input_async(); }
  boost::asio::awaitable<std::optional<ApiError>> inspect_input_async(pipeline::Input& in) const override {
    return chain_.on_input_async(ctx_, in);
  }
  bool looks_up() const override { return chain_.looks_up(); }
  boost::asio::awaitable<bool> serve_locally(const pipeline::Lookup& l) const override {
    return chain_.on_lookup(ctx_, l);
  }

 private:
  const pipeline::FilterChain& chain_;
  pipeline::RequestContext& ctx_;
};

}  // namespace

boost::asio::awaitable<void> Gateway::handle(WorkerContext& worker, std::shared_ptr<const PinnedSnapshot> pinned,
                                             http::Request& req, http::ResponseWriter& out) const {
  const pipeline::RouteMatch match = routes_.match(req.method, req.path());
  pipeline::ResponseSink sink(out, chain_);
  std::string_view client_id = req.headers.get("x-request-id");
  providers::Exchange ex(worker.client, sink,
                         acceptable_request_id(client_id) ? std::string(client_id) : new_request_id(worker.rng));
  ex.response_headers.add("x-request-id", ex.request_id);
  if (match.surface == pipeline::Surface::anthropic) ex.error_body = &anthropic_error_body;
  pipeline::RequestContext ctx(req, match.surface, ex);
  sink.attach(ctx);
  ChainGate gate(chain_, ctx);
  ex.gate = &gate;
  CompletionGuard complete(chain_, ctx);
  // The request's attempts (hedges included) route with this snapshot's
  // view of the worker's health, held by `pinned` until the request ends.
  routing::RouterContext router{worker.executor, worker.client, *pinned->health, worker.rng, pinned};

  // GCC 12 miscompiles co_await operands that build temporaries: every
  // answer below is built in a named local first (scripts/check-co-await.mjs).
  // One coroutine frame per request: dispatch is inline.
  if (!match.route) {
    ApiError e;
    if (match.path_known) {
      ex.response_headers.add("Allow", match.allow);
      e = make_error(405, "Method " + req.method + " is not allowed on " + std::string(req.path()), "method_not_allowed");
    } else {
      e = make_error(404, "Unknown request URL: " + req.method + " " + std::string(req.path()), "unknown_url");
    }
    co_await send_error(ex, e);
    co_return;
  }
  if (match.route->filtered) {
    if (std::optional<ApiError> refused = chain_.on_request(ctx)) {
      co_await send_error(ex, *refused);
      co_return;
    }
  }
  switch (match.route->handler) {
    case pipeline::Handler::health: {
      http::Response r = json_response(200, R"({"status":"ok"})", ex.response_headers);
      co_await ex.out.send(std::move(r));
      break;
    }
    case pipeline::Handler::ready: {
      const bool draining = hooks_.draining && hooks_.draining();
      http::Response r = json_response(draining ? 503 : 200,
                                       draining ? R"({"status":"draining"})" : R"({"status":"ready"})",
                                       ex.response_headers);
      co_await ex.out.send(std::move(r));
      break;
    }
    case pipeline::Handler::admin_health: {
      if (!admin_auth_.allows(req.headers)) {
        ApiError e = make_error(401, "Incorrect or missing API key", "invalid_api_key");
        co_await send_error(ex, e);
        break;
      }
      http::Response r = json_response(200, hooks_.health ? hooks_.health() : "{}", ex.response_headers);
      co_await ex.out.send(std::move(r));
      break;
    }
    case pipeline::Handler::admin_reload:
      co_await admin_reload(ctx);
      break;
    case pipeline::Handler::metrics:
      co_await metrics(ctx);
      break;
    case pipeline::Handler::admin_keys:
    case pipeline::Handler::admin_teams:
    case pipeline::Handler::admin_users:
      co_await admin_resource(ctx, match.route->handler);
      break;
    case pipeline::Handler::admin_config:
      co_await admin_config(ctx);
      break;
    case pipeline::Handler::admin_cache:
      co_await admin_cache(ctx);
      break;
    case pipeline::Handler::admin_logs:
    case pipeline::Handler::admin_log:
    case pipeline::Handler::admin_spend:
      co_await admin_log_query(ctx, match.route->handler);
      break;
    case pipeline::Handler::models: {
      // A key with an allow-list (of its own, its user's or team's) sees the models it may use.
      const bool listed = ex.allowed_models[0] || ex.allowed_models[1] || ex.allowed_models[2];
      const bool anthropic = req.headers.find("anthropic-version") != nullptr;
      std::string body = anthropic ? surfaces::anthropic_models_body(*models_, listed ? &ex : nullptr)
                         : listed  ? surfaces::openai_models_body(*models_, &ex)
                                   : models_body_;
      http::Response r = json_response(200, std::move(body), ex.response_headers);
      co_await ex.out.send(std::move(r));
      break;
    }
    case pipeline::Handler::model_item: {
      const bool anthropic = req.headers.find("anthropic-version") != nullptr;
      if (anthropic) ex.error_body = &anthropic_error_body;
      const std::string_view path = req.path();
      const std::string id = http::percent_decode(path.substr(path.find("/models/") + 8));
      std::string body = surfaces::model_object_body(*models_, ex, id, anthropic);
      if (body.empty()) {
        ApiError e = make_error(404, "The model '" + id + "' does not exist or is not configured", "model_not_found",
                                "model");
        co_await send_error(ex, e);
        break;
      }
      http::Response r = json_response(200, std::move(body), ex.response_headers);
      co_await ex.out.send(std::move(r));
      break;
    }
    case pipeline::Handler::count_tokens:
      co_await surfaces::anthropic_count_tokens(ex, *models_, req.headers, std::move(req.body));
      break;
    case pipeline::Handler::messages:
      co_await surfaces::anthropic_messages(router, ex, *models_, req.headers, std::move(req.body));
      break;
    case pipeline::Handler::responses: {
      surfaces::ResponsesContext rc{router, ctx, *models_, surfaces::response_store_location(config_)};
      co_await surfaces::responses_create(std::move(rc), std::move(req.body));
      break;
    }
    case pipeline::Handler::response_item: {
      surfaces::ResponsesContext rc{router, ctx, *models_, surfaces::response_store_location(config_)};
      std::string rest(std::string_view(req.path()).substr(req.path().find("/responses/") + 11));
      co_await surfaces::responses_item(std::move(rc), std::move(rest));
      break;
    }
    case pipeline::Handler::chat:
    case pipeline::Handler::completions:
    case pipeline::Handler::embeddings: {
      const auto endpoint = match.route->handler == pipeline::Handler::chat          ? providers::Endpoint::chat
                            : match.route->handler == pipeline::Handler::completions ? providers::Endpoint::completions
                                                                                     : providers::Endpoint::embeddings;
      co_await surfaces::openai_inference(router, ex, *models_, req.headers, endpoint,
                                          std::move(req.body));
      break;
    }
  }
}


}  // namespace torii::app
