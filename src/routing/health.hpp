#pragma once
// Per-worker, per-target routing state: latency, load, breaker, cooldown.
// Each record is written only by its worker thread (no locks); the atomics
// let /admin/health read every worker's view from another thread.
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "routing/breaker.hpp"
#include "routing/model_table.hpp"

namespace torii::routing {

struct TargetHealth {
  Breaker breaker;
  std::atomic<double> latency_ms{0};  // peak-EWMA time to first token
  std::atomic<int> in_flight{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> failures{0};
  std::atomic<int64_t> cooldown_until_ns{0};  // steady clock; a 429's Retry-After
  std::atomic<int> breaker_state{0};          // mirror of breaker.state() at its last change
  std::atomic<int64_t> breaker_open_until_ns{0};

  // Peak-sensitive: a slower sample is taken at once, faster ones decay in,
  // so a target that turns slow loses traffic immediately.
  void record_latency(double ms) {
    double cur = latency_ms.load(std::memory_order_relaxed);
    double next = (cur == 0 || ms > cur) ? ms : cur + 0.3 * (ms - cur);
    latency_ms.store(next, std::memory_order_relaxed);
  }
  bool cooling(std::chrono::steady_clock::time_point now) const {
    return now.time_since_epoch().count() < cooldown_until_ns.load(std::memory_order_relaxed);
  }
};

// One config snapshot's view of a worker's records: by target slot, and the
// round-robin counter by model index. Shared by the requests of that
// snapshot on that worker only.
struct HealthView {
  std::vector<TargetHealth*> slots;
  std::vector<std::atomic<uint64_t>*> round_robin;
  TargetHealth* at(size_t slot) const { return slot < slots.size() ? slots[slot] : nullptr; }
  std::atomic<uint64_t>* counter(size_t model_index) const {
    return model_index < round_robin.size() ? round_robin[model_index] : nullptr;
  }
};

// A worker's routing state, keyed by target identity (model, provider,
// upstream model), not by list position: a target that survives a reload
// keeps its breaker, latency and counters. Written by its worker thread;
// the mutex only orders a reload's new records against /admin/health
// readers on other threads.
class WorkerHealth {
 public:
  std::shared_ptr<const HealthView> view_for(const ModelTable& models);
  // For reports from another thread: `f(record or nullptr)` under the lock.
  template <class F>
  void inspect(const std::string& identity, F&& f) const {
    std::lock_guard lock(mutex_);
    auto it = targets_.find(identity);
    f(it == targets_.end() ? static_cast<const TargetHealth*>(nullptr) : it->second.get());
  }

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::unique_ptr<TargetHealth>> targets_;
  std::unordered_map<std::string, std::unique_ptr<std::atomic<uint64_t>>> round_robin_;
};

}  // namespace torii::routing
