#include "app/gateway.hpp"

#include <mutex>
#include <random>

#include <boost/json.hpp>

#include "core/log.hpp"
#include "http/client.hpp"
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

Gateway::Gateway(Config config) : config_(std::move(config)), auth_(config_.auth_enabled, config_.auth_keys) {}

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

boost::asio::awaitable<void> Gateway::handle(WorkerContext& worker, http::Request& req,
                                             http::ResponseWriter& out) const {
  std::string_view client_id = req.headers.get("x-request-id");
  providers::Exchange ex(worker.client, out,
                         acceptable_request_id(client_id) ? std::string(client_id) : new_request_id(worker.rng));
  ex.response_headers.add("x-request-id", ex.request_id);

  const std::string_view path = req.path();
  const bool get = req.method == "GET" || req.method == "HEAD";

  if (path == "/health") {
    http::Response r = json_response(200, R"({"status":"ok"})", ex.response_headers);
    co_await out.send(std::move(r));
    co_return;
  }
  if (path == "/ready") {
    const bool draining = draining_ && draining_();
    http::Response r = json_response(draining ? 503 : 200,
                                     draining ? R"({"status":"draining"})" : R"({"status":"ready"})",
                                     ex.response_headers);
    co_await out.send(std::move(r));
    co_return;
  }

  // GCC 12 miscompiles co_await operands that build temporaries: every
  // answer below is built in a named local first (scripts/check-co-await.mjs).
  if (path == "/admin/health") {
    if (!get) {
      ex.response_headers.add("Allow", "GET");
      ApiError e = make_error(405, "Method " + req.method + " is not allowed on /admin/health", "method_not_allowed");
      co_await send_error(ex, e);
    } else if (!auth_.allows(req.headers)) {
      ApiError e = make_error(401, "Incorrect or missing API key", "invalid_api_key");
      co_await send_error(ex, e);
    } else {
      http::Response r = json_response(200, health_report(), ex.response_headers);
      co_await out.send(std::move(r));
    }
    co_return;
  }

  if (path == "/v1/messages") {
    ex.error_body = &anthropic_error_body;
    if (req.method != "POST") {
      ex.response_headers.add("Allow", "POST");
      ApiError e = make_error(405, "Method " + req.method + " is not allowed on /v1/messages");
      co_await send_error(ex, e);
    } else if (!auth_.allows(req.headers)) {
      ApiError e = make_error(401, "invalid x-api-key");
      co_await send_error(ex, e);
    } else {
      co_await surfaces::anthropic_messages(worker.router, ex, *models_, req.headers, std::move(req.body));
    }
    co_return;
  }

  // SDKs configured with a bare host call the same routes without "/v1".
  std::string_view route = path.starts_with("/v1/") ? path.substr(3) : path;
  std::optional<providers::Endpoint> endpoint;
  bool models_route = false;
  if (route == "/chat/completions") endpoint = providers::Endpoint::chat;
  else if (route == "/completions") endpoint = providers::Endpoint::completions;
  else if (route == "/embeddings") endpoint = providers::Endpoint::embeddings;
  else if (route == "/models") models_route = true;
  else {
    ApiError e = make_error(404, "Unknown request URL: " + req.method + " " + std::string(path), "unknown_url");
    co_await send_error(ex, e);
    co_return;
  }

  if ((endpoint && req.method != "POST") || (models_route && !get)) {
    ex.response_headers.add("Allow", endpoint ? "POST" : "GET");
    ApiError e = make_error(405, "Method " + req.method + " is not allowed on " + std::string(path),
                            "method_not_allowed");
    co_await send_error(ex, e);
    co_return;
  }
  if (!auth_.allows(req.headers)) {
    const bool none = filters::KeyAuth::presented_key(req.headers).empty();
    ApiError e = make_error(401,
                            none ? "Missing API key: send it as 'Authorization: Bearer KEY' or 'x-api-key: KEY'"
                                 : "Incorrect API key provided",
                            "invalid_api_key");
    co_await send_error(ex, e);
    co_return;
  }
  if (models_route) {
    http::Response r = json_response(200, models_body_, ex.response_headers);
    co_await out.send(std::move(r));
    co_return;
  }
  co_await surfaces::openai_inference(worker.router, ex, *models_, req.headers, *endpoint, std::move(req.body));
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
