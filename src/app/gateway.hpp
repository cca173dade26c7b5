#pragma once
// Wires a validated Config into the request path: providers, model table,
// auth, and the per-worker handlers the HTTP server runs.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "filters/auth/key_auth.hpp"
#include "http/handler.hpp"
#include "pipeline/filter_chain.hpp"
#include "pipeline/route_table.hpp"
#include "providers/provider.hpp"
#include "routing/model_table.hpp"

namespace torii::app {

struct WorkerContext;

// Immutable once built and shared read-only by every worker, so requests take
// no locks. A reload would build a new Gateway and swap it in.
class Gateway : public std::enable_shared_from_this<Gateway> {
 public:
  static std::shared_ptr<Gateway> create(Config config, std::string& error);

  http::HandlerFactory handler_factory();
  http::ErrorResponder error_responder() const;
  const Config& config() const { return config_; }
  // /ready answers 503 once this returns true (set during shutdown).
  void set_draining_probe(std::function<bool()> probe) { draining_ = std::move(probe); }

  // Per-target routing state merged across workers, as JSON.
  std::string health_report() const;

  boost::asio::awaitable<void> handle(WorkerContext& worker, http::Request& req, http::ResponseWriter& out) const;

 private:
  explicit Gateway(Config config);
  boost::asio::awaitable<void> dispatch(WorkerContext& worker, pipeline::RequestContext& ctx,
                                        const pipeline::RouteMatch& match) const;

  Config config_;
  std::vector<std::unique_ptr<providers::Provider>> providers_;
  routing::ModelTable::ProviderMap provider_map_;
  std::unique_ptr<routing::ModelTable> models_;
  filters::KeyAuth admin_auth_;  // /admin/health: the API keys (until an admin section exists)
  pipeline::FilterChain chain_;
  pipeline::RouteTable routes_;
  std::string models_body_;
  std::function<bool()> draining_;
  std::vector<BreakerPolicy> slot_policies_;  // per target slot, for each worker's health records
  mutable std::mutex workers_mutex_;
  // For /admin/health. Weak: each worker's state belongs to its handler, and
  // must be gone before that worker's event loop is destroyed.
  std::vector<std::weak_ptr<WorkerContext>> workers_;
};

}  // namespace torii::app
