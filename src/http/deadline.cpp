#include "http/deadline.hpp"

#include <boost/asio/steady_timer.hpp>

namespace torii::http {

using Clock = LazyDeadline::Clock;
using boost::system::error_code;

struct LazyDeadline::State : std::enable_shared_from_this<State> {
  boost::asio::steady_timer timer;
  std::function<void()> on_expire;  // empty once the owner is gone
  Clock::time_point deadline = Clock::time_point::max();  // max: none
  Clock::time_point armed = Clock::time_point::max();     // expiry of the pending wait; max: no wait pending
  unsigned generation = 0;  // tells a superseded wait from the current one
  bool expired = false;

  State(const boost::asio::any_io_executor& ex, std::function<void()> f) : timer(ex), on_expire(std::move(f)) {}

  void arm(Clock::time_point when) {
    armed = when;
    unsigned g = ++generation;
    timer.expires_at(when);  // a pending wait completes as operation_aborted, with a stale generation
    timer.async_wait([self = shared_from_this(), g](const error_code&) { self->fired(g); });
  }

  void fired(unsigned g) {
    if (g != generation) return;
    armed = Clock::time_point::max();
    if (!on_expire || deadline == Clock::time_point::max()) return;  // gone or cleared: stay dormant
    if (Clock::now() < deadline) {
      arm(deadline);  // the deadline moved later while this wait was pending
      return;
    }
    deadline = Clock::time_point::max();
    expired = true;
    auto callback = on_expire;  // a copy: the callback may destroy the owner, which clears on_expire
    callback();
  }
};

LazyDeadline::LazyDeadline(const boost::asio::any_io_executor& executor, std::function<void()> on_expire)
    : state_(std::make_shared<State>(executor, std::move(on_expire))) {}

LazyDeadline::~LazyDeadline() {
  state_->on_expire = nullptr;
  state_->timer.cancel();
}

void LazyDeadline::expires_at(Clock::time_point when) {
  auto& S = *state_;
  S.deadline = when;
  S.expired = false;
  if (when < S.armed) S.arm(when);
}

void LazyDeadline::clear() { state_->deadline = Clock::time_point::max(); }

bool LazyDeadline::expired() const { return state_->expired; }

}  // namespace torii::http
