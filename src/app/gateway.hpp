#pragma once
// A validated Config compiled into the request path: providers, model table,
// filter chain and routes.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "filters/auth/key_auth.hpp"
#include "http/handler.hpp"
#include "pipeline/filter_chain.hpp"
#include "pipeline/route_table.hpp"
#include "providers/provider.hpp"
#include "routing/model_table.hpp"
#include "routing/router.hpp"

namespace torii::app {

struct WorkerContext;
struct PinnedSnapshot;

// What the runtime around the snapshots lends each of them.
struct GatewayHooks {
  std::function<bool()> draining;     // /ready answers 503 once true (shutdown)
  std::function<std::string()> health;  // /admin/health: per-target state merged across workers
  std::function<std::string()> metrics;  // gauges appended to /metrics (breakers, in flight)
  // POST /admin/reload: an empty list of errors, or the new config's errors;
  // `changes` says what the reload changed.
  std::function<std::vector<std::string>(std::vector<std::string>& changes)> reload;
};

// One config snapshot: immutable once built and shared read-only by every
// worker, so requests take no locks. A reload builds a new one; each request
// (and each of its attempts) keeps the one it started with.
class Gateway {
 public:
  static std::shared_ptr<const Gateway> create(Config config, GatewayHooks hooks, std::string& error);

  const Config& config() const { return config_; }
  const routing::ModelTable& models() const { return *models_; }

  // Serves one request on `worker` with this snapshot (`pinned` holds it).
  boost::asio::awaitable<void> handle(WorkerContext& worker, std::shared_ptr<const PinnedSnapshot> pinned,
                                      http::Request& req, http::ResponseWriter& out) const;

  // Errors the server finds before a handler runs, in the path's shape.
  static http::ErrorResponder error_responder();

 private:
  Gateway(Config config, GatewayHooks hooks);
  boost::asio::awaitable<void> admin_reload(pipeline::RequestContext& ctx) const;
  boost::asio::awaitable<void> metrics(pipeline::RequestContext& ctx) const;
  boost::asio::awaitable<void> admin_config(pipeline::RequestContext& ctx) const;
  // DELETE /admin/cache[?namespace=] (admin_cache.cpp).
  boost::asio::awaitable<void> admin_cache(pipeline::RequestContext& ctx) const;
  // /admin/keys, /admin/teams, /admin/users (admin_resources.cpp).
  boost::asio::awaitable<void> admin_resource(pipeline::RequestContext& ctx, pipeline::Handler which) const;
  boost::asio::awaitable<void> admin_log_query(pipeline::RequestContext& ctx, pipeline::Handler which) const;
  // Why an admin route refuses this request (no admin section, no admin key).
  std::optional<ApiError> admin_refusal(const pipeline::RequestContext& ctx) const;

  Config config_;
  GatewayHooks hooks_;
  std::vector<std::unique_ptr<providers::Provider>> providers_;
  routing::ModelTable::ProviderMap provider_map_;
  std::unique_ptr<routing::ModelTable> models_;
  // /admin/*: the admin keys; without an admin section, /admin/health takes
  // the API keys and the rest of the admin API is off.
  filters::KeyAuth admin_auth_;
  pipeline::FilterChain chain_;
  pipeline::RouteTable routes_;
  std::string models_body_;
};

}  // namespace torii::app
