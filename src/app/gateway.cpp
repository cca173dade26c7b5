#include "app/gateway.hpp"

#include <random>

#include "core/log.hpp"
#include "http/client.hpp"
#include "providers/exchange.hpp"
#include "surfaces/openai_api.hpp"

namespace torii::app {

struct WorkerContext {
  explicit WorkerContext(boost::asio::any_io_executor ex) : client(std::move(ex)), rng(std::random_device{}()) {}
  http::UpstreamClient client;
  std::mt19937_64 rng;
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
  return gw;
}

http::HandlerFactory Gateway::handler_factory() {
  auto self = shared_from_this();
  return [self](int, boost::asio::any_io_executor ex) -> http::Handler {
    auto worker = std::make_shared<WorkerContext>(std::move(ex));
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
  providers::Exchange ex{worker.client, out, {},
                         acceptable_request_id(client_id) ? std::string(client_id) : new_request_id(worker.rng)};
  ex.response_headers.add("x-request-id", ex.request_id);

  const std::string_view path = req.path();
  const bool get = req.method == "GET" || req.method == "HEAD";

  if (path == "/health") {
    co_await out.send(json_response(200, R"({"status":"ok"})", ex.response_headers));
    co_return;
  }
  if (path == "/ready") {
    bool draining = draining_ && draining_();
    co_await out.send(json_response(draining ? 503 : 200,
                                    draining ? R"({"status":"draining"})" : R"({"status":"ready"})",
                                    ex.response_headers));
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
    co_await send_error(ex, make_error(404, "Unknown request URL: " + req.method + " " + std::string(path),
                                       "unknown_url"));
    co_return;
  }

  if ((endpoint && req.method != "POST") || (models_route && !get)) {
    ex.response_headers.add("Allow", endpoint ? "POST" : "GET");
    co_await send_error(ex, make_error(405, "Method " + req.method + " is not allowed on " + std::string(path),
                                       "method_not_allowed"));
    co_return;
  }
  if (!auth_.allows(req.headers)) {
    bool none = filters::KeyAuth::presented_key(req.headers).empty();
    co_await send_error(ex, make_error(401,
                                       none ? "Missing API key: send it as 'Authorization: Bearer KEY' or 'x-api-key: KEY'"
                                            : "Incorrect API key provided",
                                       "invalid_api_key"));
    co_return;
  }
  if (models_route) {
    co_await out.send(json_response(200, models_body_, ex.response_headers));
    co_return;
  }
  co_await surfaces::openai_inference(ex, *models_, *endpoint, std::move(req.body));
}

}  // namespace torii::app
