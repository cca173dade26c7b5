#include "app/gateway.hpp"

#include <mutex>
#include <random>

#include <boost/json.hpp>

#include "core/log.hpp"
#include "http/client.hpp"
#include "pipeline/request_context.hpp"
#include "pipeline/response_sink.hpp"
#include "providers/exchange.hpp"
#include "routing/health.hpp"
#include "routing/router.hpp"
#include "surfaces/anthropic_api.hpp"
#include "surfaces/openai_api.hpp"

namespace torii::app {

struct WorkerContext {
  explicit WorkerContext(boost::asio::any_io_executor ex, const std::vector<BreakerPolicy>& slot_policies)
      : executor(ex), client(ex), rng(std::random_device{}()), router{executor, client, health, rng} {
    health.init(slot_policies);
  }
  boost::asio::any_io_executor executor;
  http::UpstreamClient client;
  std::mt19937_64 rng;
  routing::WorkerHealth health;
  routing::RouterContext router;
};

namespace {

bool acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':'))
      return false;
  return true;
}

std::string new_request_id(std::mt19937_64& rng) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string id(32, '0');
  uint64_t a = rng(), b = rng();
  for (int i = 0; i < 16; ++i) {
    id[i] = hex[(a >> (i * 4)) & 15];
    id[16 + i] = hex[(b >> (i * 4)) & 15];
  }
  return id;
}

http::Response json_response(int status, std::string body, const http::Headers& headers) {
  http::Response r;
  r.status = status;
  r.headers = headers;
  r.body = std::move(body);
  return r;
}

}  // namespace

Gateway::Gateway(Config config)
    : config_(std::move(config)),
      admin_auth_(config_.auth_enabled, config_.auth_keys),
      chain_(pipeline::FilterRegistry::builtin(), config_),
      routes_(pipeline::RouteTable::standard()) {}

std::shared_ptr<Gateway> Gateway::create(Config config, std::string& error) {
  std::shared_ptr<Gateway> gw(new Gateway(std::move(config)));
  for (const auto& pc : gw->config_.providers) {
    auto p = providers::make_provider(pc, error);
    if (!p) return nullptr;
    gw->provider_map_.emplace(p->name, p.get());
    gw->providers_.push_back(std::move(p));
  }
  gw->models_ = std::make_unique<routing::ModelTable>(gw->config_, gw->provider_map_);
  gw->models_body_ = surfaces::openai_models_body(*gw->models_);
  for (const auto& m : gw->models_->models())
    for (size_t i = 0; i < m->targets.size(); ++i) gw->slot_policies_.push_back(m->breaker);
  return gw;
}

http::HandlerFactory Gateway::handler_factory() {
  auto self = shared_from_this();
  return [self](int, boost::asio::any_io_executor ex) -> http::Handler {
    auto worker = std::make_shared<WorkerContext>(std::move(ex), self->slot_policies_);
    {
      std::lock_guard lock(self->workers_mutex_);
      self->workers_.push_back(worker);
    }
    return [self, worker](http::Request& req, http::ResponseWriter& out) {
      return self->handle(*worker, req, out);
    };
  };
}

http::ErrorResponder Gateway::error_responder() const {
  return [](int status, std::string_view message, std::string_view path) {
    ApiError e = make_error(status, std::string(message));
    http::Response r;
    r.status = status;
    r.body = path.starts_with("/v1/messages") ? anthropic_error_body(e) : openai_error_body(e);
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

}  // namespace

boost::asio::awaitable<void> Gateway::handle(WorkerContext& worker, http::Request& req,
                                             http::ResponseWriter& out) const {
  const pipeline::RouteMatch match = routes_.match(req.method, req.path());
  pipeline::ResponseSink sink(out, chain_);
  std::string_view client_id = req.headers.get("x-request-id");
  providers::Exchange ex(worker.client, sink,
                         acceptable_request_id(client_id) ? std::string(client_id) : new_request_id(worker.rng));
  ex.response_headers.add("x-request-id", ex.request_id);
  if (match.surface == pipeline::Surface::anthropic) ex.error_body = &anthropic_error_body;
  pipeline::RequestContext ctx(req, match.surface, ex);
  sink.attach(ctx);
  CompletionGuard complete(chain_, ctx);
  co_await dispatch(worker, ctx, match);
}

boost::asio::awaitable<void> Gateway::dispatch(WorkerContext& worker, pipeline::RequestContext& ctx,
                                               const pipeline::RouteMatch& match) const {
  // GCC 12 miscompiles co_await operands that build temporaries: every
  // answer below is built in a named local first (scripts/check-co-await.mjs).
  providers::Exchange& ex = ctx.ex;
  http::Request& req = ctx.request;
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
      const bool draining = draining_ && draining_();
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
      http::Response r = json_response(200, health_report(), ex.response_headers);
      co_await ex.out.send(std::move(r));
      break;
    }
    case pipeline::Handler::models: {
      http::Response r = json_response(200, models_body_, ex.response_headers);
      co_await ex.out.send(std::move(r));
      break;
    }
    case pipeline::Handler::messages:
      co_await surfaces::anthropic_messages(worker.router, ex, *models_, req.headers, std::move(req.body));
      break;
    case pipeline::Handler::chat:
    case pipeline::Handler::completions:
    case pipeline::Handler::embeddings: {
      const auto endpoint = match.route->handler == pipeline::Handler::chat          ? providers::Endpoint::chat
                            : match.route->handler == pipeline::Handler::completions ? providers::Endpoint::completions
                                                                                     : providers::Endpoint::embeddings;
      co_await surfaces::openai_inference(worker.router, ex, *models_, req.headers, endpoint,
                                          std::move(req.body));
      break;
    }
  }
}

std::string Gateway::health_report() const {
  std::vector<std::shared_ptr<WorkerContext>> workers;
  {
    std::lock_guard lock(workers_mutex_);
    for (const auto& w : workers_)
      if (auto p = w.lock()) workers.push_back(std::move(p));
  }
  auto now = std::chrono::steady_clock::now();
  boost::json::array targets;
  for (const auto& m : models_->models()) {
    for (const auto& t : m->targets) {
      uint64_t requests = 0, failures = 0;
      int in_flight = 0, open = 0, half_open = 0;
      double latency = 0;
      int64_t cooldown_ns = 0;
      for (const auto& w : workers) {
        const routing::TargetHealth* h = w->health.at(t.slot);
        if (!h) continue;
        requests += h->requests.load(std::memory_order_relaxed);
        failures += h->failures.load(std::memory_order_relaxed);
        in_flight += h->in_flight.load(std::memory_order_relaxed);
        latency = std::max(latency, h->latency_ms.load(std::memory_order_relaxed));
        cooldown_ns = std::max(cooldown_ns, h->cooldown_until_ns.load(std::memory_order_relaxed));
        auto state = routing::Breaker::State(h->breaker_state.load(std::memory_order_relaxed));
        if (state == routing::Breaker::State::open) ++open;
        if (state == routing::Breaker::State::half_open) ++half_open;
      }
      boost::json::object o;
      o["model"] = m->name;
      o["provider"] = t.provider->name;
      o["upstream_model"] = t.model;
      // Breakers are per worker; the target is reported open when any is.
      o["breaker"] = open ? "open" : half_open ? "half_open" : "closed";
      o["workers_open"] = open;
      o["ewma_latency_ms"] = latency;
      o["in_flight"] = in_flight;
      o["requests"] = requests;
      o["failures"] = failures;
      o["error_rate"] = requests ? double(failures) / double(requests) : 0.0;
      int64_t remaining = cooldown_ns - now.time_since_epoch().count();
      o["cooldown_ms"] = remaining > 0 ? remaining / 1'000'000 : 0;
      targets.push_back(std::move(o));
    }
  }
  boost::json::object root;
  root["workers"] = workers.size();
  root["targets"] = std::move(targets);
  return boost::json::serialize(root);
}

}  // namespace torii::app
