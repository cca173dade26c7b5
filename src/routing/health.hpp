#pragma once
// Per-worker, per-target routing state: latency, load, breaker, cooldown.
// Each record is written only by its worker thread (no locks); the atomics
// let /admin/health read every worker's view from another thread.
#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

#include "routing/breaker.hpp"

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

class WorkerHealth {
 public:
  WorkerHealth() = default;
  // One record per configured target slot, each with its model's breaker policy.
  void init(const std::vector<BreakerPolicy>& policies) {
    slots_ = std::make_unique<TargetHealth[]>(policies.size());
    count_ = policies.size();
    for (size_t i = 0; i < count_; ++i) slots_[i].breaker = Breaker(policies[i]);
  }
  TargetHealth* at(size_t slot) { return slot < count_ ? &slots_[slot] : nullptr; }
  const TargetHealth* at(size_t slot) const { return slot < count_ ? &slots_[slot] : nullptr; }
  size_t size() const { return count_; }

 private:
  std::unique_ptr<TargetHealth[]> slots_;
  size_t count_ = 0;
};

}  // namespace torii::routing
