#pragma once
// A deadline for socket operations that costs nothing when it moves later.
//
// Beast's tcp_stream arms and cancels an Asio timer around every read and
// write: on a keep-alive connection that is a timer-queue insert and removal,
// a cancelled wait that runs as an extra handler, and (when the timer is the
// earliest) a timerfd_settime system call, per operation. Deadlines on a busy
// connection almost always move later, so here moving one later only writes a
// field; the single pending wait, when it fires before the current deadline,
// re-arms itself for the rest. Only a deadline earlier than the pending wait
// touches the timer at once.
//
// Not thread-safe: one per connection, used on that connection's executor.
#include <chrono>
#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

namespace torii::http {

class LazyDeadline {
 public:
  using Clock = std::chrono::steady_clock;

  // `on_expire` runs on the executor when a set deadline passes (typically:
  // cancel or close the socket). It never runs after the destructor.
  LazyDeadline(const boost::asio::any_io_executor& executor, std::function<void()> on_expire);
  ~LazyDeadline();
  LazyDeadline(const LazyDeadline&) = delete;
  LazyDeadline& operator=(const LazyDeadline&) = delete;

  void expires_at(Clock::time_point when);
  void expires_after(Clock::duration d) { expires_at(Clock::now() + d); }
  // No deadline until the next expires_*.
  void clear();
  // True once a deadline passed (and on_expire ran) since the last expires_*.
  bool expired() const;

  struct State;

 private:
  std::shared_ptr<State> state_;  // shared with the pending wait, which may outlive this
};

}  // namespace torii::http
