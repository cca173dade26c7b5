#include "http/deadline.hpp"

#include "loopback.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

using torii::http::LazyDeadline;
using torii::test::Loopback;
using Clock = LazyDeadline::Clock;
using boost::system::error_code;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Timing: a timer never completes before its expiry, so "fired at or after
// the deadline" is exact. Upper bounds are only used as generous "did it fire
// at all" windows, so that the tests hold on a loaded machine.

namespace {

// Counts on_expire calls and remembers when the last one ran.
struct Recorder {
  int count = 0;
  Clock::time_point last{};
  bool on_executor = true;
  asio::io_context* ioc = nullptr;

  std::function<void()> callback() {
    return [this] {
      ++count;
      last = Clock::now();
      if (ioc && !ioc->get_executor().running_in_this_thread()) on_executor = false;
    };
  }
};

// Keeps `ioc` running until `until` even when nothing else is pending.
void keep_running_until(asio::steady_timer& t, Clock::time_point until) {
  t.expires_at(until);
  t.async_wait([](const error_code&) {});
}

}  // namespace

TEST(LazyDeadline, FiresAfterTheDeadlineOnTheExecutorAndSetsExpired) {
  asio::io_context ioc;
  Recorder r;
  r.ioc = &ioc;
  bool expired_inside = false;
  LazyDeadline d(ioc.get_executor(), [&, cb = r.callback()] {
    expired_inside = d.expired();
    cb();
  });
  EXPECT_FALSE(d.expired());
  const auto when = Clock::now() + 30ms;
  d.expires_at(when);
  EXPECT_FALSE(d.expired());
  EXPECT_EQ(r.count, 0);

  ioc.run_for(10s);  // returns as soon as nothing is pending any more
  EXPECT_TRUE(ioc.stopped()) << "a wait was still pending after the deadline fired";
  EXPECT_EQ(r.count, 1);
  EXPECT_GE(r.last, when);
  EXPECT_TRUE(r.on_executor);
  EXPECT_TRUE(expired_inside);
  EXPECT_TRUE(d.expired());
}

TEST(LazyDeadline, DeadlineInThePastFiresOnTheExecutorNotInline) {
  asio::io_context ioc;
  Recorder r;
  LazyDeadline d(ioc.get_executor(), r.callback());
  d.expires_at(Clock::now() - 1s);
  EXPECT_EQ(r.count, 0);  // not called from inside expires_at
  EXPECT_FALSE(d.expired());
  ioc.run_for(10s);
  EXPECT_EQ(r.count, 1);
  EXPECT_TRUE(d.expired());
}

TEST(LazyDeadline, MovingLaterPostponesTheCallback) {
  asio::io_context ioc;
  Recorder r;
  LazyDeadline d(ioc.get_executor(), r.callback());
  const auto start = Clock::now();
  d.expires_at(start + 30ms);  // arms the timer
  const auto later = start + 400ms;
  d.expires_at(later);  // only moves the field; the pending 30 ms wait must re-arm itself

  ioc.run_for(200ms);
  if (Clock::now() < later) {
    EXPECT_EQ(r.count, 0) << "fired at the original deadline";
  }
  ioc.restart();
  ioc.run_for(10s);
  EXPECT_EQ(r.count, 1);
  EXPECT_GE(r.last, later);  // never at the original 30 ms
  EXPECT_TRUE(d.expired());
}

TEST(LazyDeadline, RepeatedlyPushedLaterFiresOnlyAfterTheLastPush) {
  // The keep-alive pattern: every operation pushes the deadline later while
  // the first wait is pending; it fires once, after the last deadline.
  asio::io_context ioc;
  Recorder r;
  LazyDeadline d(ioc.get_executor(), r.callback());
  asio::steady_timer pusher(ioc);
  Clock::time_point last_deadline;
  int pushes = 0;
  std::function<void()> push = [&] {
    last_deadline = Clock::now() + 300ms;
    d.expires_at(last_deadline);
    if (++pushes == 12) return;
    pusher.expires_after(10ms);
    pusher.async_wait([&](const error_code& ec) {
      if (!ec) push();
    });
  };
  push();
  const size_t handlers = ioc.run_for(20s);
  EXPECT_EQ(pushes, 12);
  // Laziness: 11 pusher waits plus a few wake-ups of the deadline's single
  // wait. Re-arming the timer on every push would add a cancelled wait each.
  EXPECT_LE(handlers, size_t(pushes) + 4) << handlers << " handlers ran";
  EXPECT_EQ(r.count, 1);
  EXPECT_GE(r.last, last_deadline);
  EXPECT_TRUE(d.expired());
}

TEST(LazyDeadline, MovingEarlierFiresAtTheEarlierTime) {
  asio::io_context ioc;
  Recorder r;
  LazyDeadline d(ioc.get_executor(), r.callback());
  const auto start = Clock::now();
  d.expires_after(1h);
  const auto earlier = Clock::now() + 30ms;
  d.expires_at(earlier);

  const size_t handlers = ioc.run_for(20s);
  // The cancelled one-hour wait and the 30 ms one: nothing else ran.
  EXPECT_LE(handlers, 2u);
  // The one-hour wait was replaced, not left pending: the loop ran out of work.
  EXPECT_TRUE(ioc.stopped());
  EXPECT_EQ(r.count, 1);
  EXPECT_GE(r.last, earlier);
  EXPECT_LT(r.last, start + 10s);
  EXPECT_TRUE(d.expired());
}

TEST(LazyDeadline, DeadlineBetweenPendingWaitAndLaterDeadlineFiresAtTheNewTime) {
  // 30 ms (armed) -> 1 h (field only) -> 150 ms: later than the pending wait,
  // so again only the field moves; the 30 ms wait re-arms for 150 ms.
  asio::io_context ioc;
  Recorder r;
  LazyDeadline d(ioc.get_executor(), r.callback());
  const auto start = Clock::now();
  d.expires_at(start + 30ms);
  d.expires_at(start + 1h);
  const auto target = start + 150ms;
  d.expires_at(target);
  ioc.run_for(20s);
  EXPECT_TRUE(ioc.stopped());
  EXPECT_EQ(r.count, 1);
  EXPECT_GE(r.last, target);
  EXPECT_LT(r.last, start + 10s);
}

TEST(LazyDeadline, ClearPreventsFiringAndALaterDeadlineStillWorks) {
  asio::io_context ioc;
  Recorder r;
  LazyDeadline d(ioc.get_executor(), r.callback());
  asio::steady_timer keep(ioc);
  const auto start = Clock::now();
  d.expires_at(start + 30ms);
  d.clear();
  keep_running_until(keep, start + 300ms);
  ioc.run_for(20s);
  EXPECT_GE(Clock::now(), start + 300ms);
  EXPECT_EQ(r.count, 0);
  EXPECT_FALSE(d.expired());

  ioc.restart();
  const auto when = Clock::now() + 30ms;
  d.expires_at(when);
  ioc.run_for(20s);
  EXPECT_EQ(r.count, 1);
  EXPECT_GE(r.last, when);
  EXPECT_TRUE(d.expired());
}

TEST(LazyDeadline, ClearThenSetAgainWhileTheOldWaitIsPending) {
  asio::io_context ioc;
  Recorder r;
  LazyDeadline d(ioc.get_executor(), r.callback());
  const auto start = Clock::now();
  d.expires_at(start + 30ms);
  d.clear();
  const auto when = start + 200ms;
  d.expires_at(when);
  ioc.run_for(20s);
  EXPECT_EQ(r.count, 1);
  EXPECT_GE(r.last, when);
}

TEST(LazyDeadline, DestroyedBeforeExpiryNeverRunsTheCallback) {
  asio::io_context ioc;
  auto count = std::make_shared<int>(0);
  auto d = std::make_unique<LazyDeadline>(ioc.get_executor(), [count] { ++*count; });
  const auto start = Clock::now();
  d->expires_at(start + 30ms);
  d.reset();
  asio::steady_timer keep(ioc);
  keep_running_until(keep, start + 300ms);  // the loop keeps running well past the deadline
  ioc.run_for(20s);
  EXPECT_GE(Clock::now(), start + 300ms);
  EXPECT_EQ(*count, 0);
}

TEST(LazyDeadline, DestroyedFromAHandlerAfterTheDeadlinePassedNeverRunsTheCallback) {
  // The deadline passes while the thread is busy; the destructor then runs in
  // a handler that completes before the deadline's own wait is processed.
  asio::io_context ioc;
  int count = 0;
  auto d = std::make_unique<LazyDeadline>(ioc.get_executor(), [&count] { ++count; });
  const auto start = Clock::now();
  asio::post(ioc, [&] {
    d->expires_at(start + 20ms);
    std::this_thread::sleep_until(start + 60ms);  // the deadline is now past
    d.reset();
  });
  asio::steady_timer keep(ioc);
  keep_running_until(keep, start + 300ms);
  ioc.run_for(20s);
  EXPECT_FALSE(d);
  EXPECT_EQ(count, 0);
}

TEST(LazyDeadline, DestroyedWhileItsExpiredWaitIsAlreadyQueuedNeverRunsTheCallback) {
  // Both timers are found ready in the same pass of the event loop; the
  // earlier one's handler destroys the deadline while the deadline's own
  // completion is already queued and can no longer be cancelled.
  asio::io_context ioc;
  int count = 0;
  auto d = std::make_unique<LazyDeadline>(ioc.get_executor(), [&count] { ++count; });
  const auto t0 = Clock::now() + 20ms;
  asio::steady_timer killer(ioc);
  killer.expires_at(t0);
  killer.async_wait([&](const error_code&) { d.reset(); });
  d->expires_at(t0 + 1ms);
  asio::post(ioc, [&] { std::this_thread::sleep_until(t0 + 50ms); });
  asio::steady_timer keep(ioc);
  keep_running_until(keep, t0 + 300ms);
  ioc.run_for(20s);
  EXPECT_FALSE(d);
  EXPECT_EQ(count, 0);
}

TEST(LazyDeadline, ExpiresAfterAnExpiryResetsExpired) {
  asio::io_context ioc;
  Recorder r;
  LazyDeadline d(ioc.get_executor(), r.callback());
  d.expires_after(10ms);
  ioc.run_for(20s);
  ASSERT_EQ(r.count, 1);
  EXPECT_TRUE(d.expired());

  d.expires_after(1h);
  EXPECT_FALSE(d.expired());
  const auto when = Clock::now() + 20ms;
  d.expires_at(when);  // earlier than the one-hour wait
  EXPECT_FALSE(d.expired());
  ioc.restart();
  ioc.run_for(20s);
  EXPECT_EQ(r.count, 2);
  EXPECT_GE(r.last, when);
  EXPECT_TRUE(d.expired());

  d.expires_at(Clock::now() + 1h);
  EXPECT_FALSE(d.expired());
  d.clear();
}

TEST(LazyDeadline, ExpiryCancelsAPendingSocketRead) {
  // What the server does with it: on_expire cancels the socket's operations.
  Loopback lb;
  std::array<char, 16> buf{};
  bool read_done = false;
  error_code read_ec;
  LazyDeadline d(lb.server.get_executor(), [&] {
    error_code ignored;
    lb.server.cancel(ignored);
  });
  d.expires_after(50ms);
  lb.server.async_read_some(asio::buffer(buf), [&](const error_code& ec, size_t) {
    read_done = true;
    read_ec = ec;
  });
  lb.ioc.run_for(20s);
  EXPECT_TRUE(read_done);
  EXPECT_EQ(read_ec, asio::error::operation_aborted);
  EXPECT_TRUE(d.expired());
}

TEST(LazyDeadline, ReadThatCompletesInTimeIsNotCancelled) {
  Loopback lb;
  std::array<char, 16> buf{};
  int fired = 0;
  size_t got = 0;
  error_code read_ec;
  LazyDeadline d(lb.server.get_executor(), [&] {
    ++fired;
    error_code ignored;
    lb.server.cancel(ignored);
  });
  const auto start = Clock::now();
  d.expires_after(300ms);
  lb.server.async_read_some(asio::buffer(buf), [&](const error_code& ec, size_t n) {
    read_ec = ec;
    got = n;
    d.clear();
  });
  asio::write(lb.client, asio::buffer("ping", 4));
  lb.ioc.run_for(20s);  // runs until the dormant wait has completed too
  EXPECT_GE(Clock::now(), start + 300ms);
  EXPECT_FALSE(read_ec) << read_ec.message();
  EXPECT_EQ(std::string(buf.data(), got), "ping");
  EXPECT_EQ(fired, 0);
  EXPECT_FALSE(d.expired());
  EXPECT_TRUE(lb.server.is_open());
}
