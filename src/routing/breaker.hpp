#pragma once
// Circuit breaker for one target: opens after `failures` failures within
// `window`, lets a single probe through after `cooldown` (half-open), and
// closes again when that probe succeeds. Time is passed in, never read, so the
// logic is tested with a controlled clock.
#include <chrono>
#include <deque>

#include "config/config.hpp"

namespace torii::routing {

class Breaker {
 public:
  using Clock = std::chrono::steady_clock;
  enum class State { closed = 0, open = 1, half_open = 2 };

  explicit Breaker(const BreakerPolicy& policy = {});

  // Whether a request may be sent now, without reserving anything; strategies
  // use it to skip targets.
  bool available(Clock::time_point now) const;
  // Reserves the right to send: in half-open, only one probe at a time.
  bool acquire(Clock::time_point now);
  void on_success(Clock::time_point now);
  void on_failure(Clock::time_point now);
  // The probe's outcome will never come (attempt abandoned): free the slot.
  void release_probe();

  State state(Clock::time_point now) const;
  // A reload changed the model's policy: the state so far is kept.
  void set_policy(const BreakerPolicy& policy) { policy_ = policy; }
  int recent_failures() const { return int(failures_.size()); }

 private:
  void prune(Clock::time_point now);

  BreakerPolicy policy_;
  State state_ = State::closed;
  Clock::time_point open_until_{};
  bool probe_in_flight_ = false;
  std::deque<Clock::time_point> failures_;
};

const char* to_string(Breaker::State s);

}  // namespace torii::routing
