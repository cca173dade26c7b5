#pragma once
// The running gateway around its config snapshots: the workers' handlers,
// reload (SIGHUP, POST /admin/reload, the file changing with `watch: true`)
// and the reports that read every worker.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/gateway.hpp"
#include "app/worker.hpp"
#include "config/config.hpp"
#include "http/handler.hpp"

namespace torii::app {

class Runtime {
 public:
  // `config` is already validated; fails only on what the validator cannot
  // see (a provider whose base_url is unusable, say).
  static std::unique_ptr<Runtime> create(Config config, std::string& error);
  ~Runtime();

  http::HandlerFactory handler_factory();
  void set_draining_probe(std::function<bool()> probe) { draining_ = std::move(probe); }

  // Reads the config file again. On success every worker serves the new
  // snapshot for requests that start from now on (requests in flight finish
  // with theirs) and `changes` says what changed; otherwise the errors
  // (file/line/key) are returned and the running snapshot stays.
  std::vector<std::string> reload(std::vector<std::string>& changes);
  // Polls the config file and reloads when it changes (`watch: true`).
  void start_watching();

  std::shared_ptr<const Gateway> current() const;
  // Per-target routing state merged across workers, as JSON (/admin/health).
  std::string health_report() const;
  // The same state as Prometheus gauges (appended to /metrics).
  std::string metrics_gauges() const;

 private:
  struct TargetState {
    std::string model, provider, upstream_model;
    uint64_t requests = 0, failures = 0;
    int in_flight = 0, workers_open = 0, workers_half_open = 0;
    double latency_ms = 0;
    int64_t cooldown_until_ns = 0;
  };
  std::vector<TargetState> target_states(size_t& worker_count) const;

  Runtime() = default;
  GatewayHooks hooks();

  mutable std::mutex mutex_;  // the current snapshot and the worker list; never taken by a request
  std::shared_ptr<const Gateway> current_;
  // Weak: each worker's state belongs to its handler, and must be gone
  // before that worker's event loop is destroyed.
  std::vector<std::weak_ptr<WorkerContext>> workers_;
  std::function<bool()> draining_;
  std::thread watcher_;
  std::thread store_watcher_;  // polls the shared store for other nodes' changes
  void watch_shared_store();
  std::atomic<bool> stopping_{false};
};

// What differs between two configs, one line per change.
std::vector<std::string> describe_changes(const Config& before, const Config& after);

}  // namespace torii::app
