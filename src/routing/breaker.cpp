#include "routing/breaker.hpp"

namespace torii::routing {

Breaker::Breaker(const BreakerPolicy& policy) : policy_(policy) {}

Breaker::State Breaker::state(Clock::time_point now) const {
  if (state_ == State::open && now >= open_until_) return State::half_open;
  return state_;
}

bool Breaker::available(Clock::time_point now) const {
  if (!policy_.enabled) return true;
  switch (state(now)) {
    case State::closed: return true;
    case State::open: return false;
    case State::half_open: return !probe_in_flight_;
  }
  return true;
}

bool Breaker::acquire(Clock::time_point now) {
  if (!available(now)) return false;
  if (policy_.enabled && state(now) == State::half_open) {
    state_ = State::half_open;
    probe_in_flight_ = true;
  }
  return true;
}

void Breaker::release_probe() { probe_in_flight_ = false; }

void Breaker::on_success(Clock::time_point) {
  if (state_ == State::half_open || state_ == State::open) {
    state_ = State::closed;
    failures_.clear();
  }
  probe_in_flight_ = false;
}

void Breaker::prune(Clock::time_point now) {
  auto window = std::chrono::milliseconds(policy_.window_ms);
  while (!failures_.empty() && now - failures_.front() > window) failures_.pop_front();
}

void Breaker::on_failure(Clock::time_point now) {
  if (!policy_.enabled) return;
  if (state_ == State::half_open || state_ == State::open) {
    // The probe failed (or a request that started before opening did): wait
    // a full cooldown again.
    state_ = State::open;
    open_until_ = now + std::chrono::milliseconds(policy_.cooldown_ms);
    probe_in_flight_ = false;
    return;
  }
  failures_.push_back(now);
  prune(now);
  if (failures_.size() >= policy_.failures) {
    state_ = State::open;
    open_until_ = now + std::chrono::milliseconds(policy_.cooldown_ms);
    failures_.clear();
  }
}

const char* to_string(Breaker::State s) {
  switch (s) {
    case Breaker::State::closed: return "closed";
    case Breaker::State::open: return "open";
    case Breaker::State::half_open: return "half_open";
  }
  return "?";
}

}  // namespace torii::routing
