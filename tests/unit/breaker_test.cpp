#include "routing/breaker.hpp"

#include <gtest/gtest.h>

using torii::BreakerPolicy;
using torii::routing::Breaker;
using State = Breaker::State;
using namespace std::chrono_literals;

namespace {
// A controlled clock: every test moves time by hand, nothing sleeps.
Breaker::Clock::time_point t0 = Breaker::Clock::time_point{} + 1000h;

BreakerPolicy policy(uint32_t failures, uint32_t window_ms, uint32_t cooldown_ms) {
  BreakerPolicy p;
  p.failures = failures;
  p.window_ms = window_ms;
  p.cooldown_ms = cooldown_ms;
  return p;
}
}  // namespace

TEST(Breaker, OpensAfterFailuresWithinWindow) {
  Breaker b(policy(3, 1000, 5000));
  b.on_failure(t0);
  b.on_failure(t0 + 100ms);
  EXPECT_EQ(b.state(t0 + 100ms), State::closed);
  EXPECT_TRUE(b.available(t0 + 100ms));
  b.on_failure(t0 + 200ms);
  EXPECT_EQ(b.state(t0 + 200ms), State::open);
  EXPECT_FALSE(b.available(t0 + 200ms));
  EXPECT_FALSE(b.acquire(t0 + 4999ms));
}

TEST(Breaker, FailuresOutsideWindowDoNotCount) {
  Breaker b(policy(3, 1000, 5000));
  b.on_failure(t0);
  b.on_failure(t0 + 500ms);
  b.on_failure(t0 + 1600ms);  // the first two have left the window
  EXPECT_EQ(b.state(t0 + 1600ms), State::closed);
  b.on_failure(t0 + 1700ms);
  EXPECT_EQ(b.state(t0 + 1700ms), State::closed);
  b.on_failure(t0 + 1800ms);  // three within 1000 ms: 1600, 1700, 1800
  EXPECT_EQ(b.state(t0 + 1800ms), State::open);
}

TEST(Breaker, HalfOpensAfterCooldownWithOneProbe) {
  Breaker b(policy(1, 1000, 5000));
  b.on_failure(t0);
  EXPECT_EQ(b.state(t0 + 4999ms), State::open);
  EXPECT_EQ(b.state(t0 + 5000ms), State::half_open);
  EXPECT_TRUE(b.available(t0 + 5000ms));
  EXPECT_TRUE(b.acquire(t0 + 5000ms));   // the probe
  EXPECT_FALSE(b.available(t0 + 5001ms));  // no second request while it runs
  EXPECT_FALSE(b.acquire(t0 + 5001ms));
}

TEST(Breaker, ProbeSuccessCloses) {
  Breaker b(policy(1, 1000, 5000));
  b.on_failure(t0);
  ASSERT_TRUE(b.acquire(t0 + 6s));
  b.on_success(t0 + 6s);
  EXPECT_EQ(b.state(t0 + 6s), State::closed);
  EXPECT_TRUE(b.acquire(t0 + 6s));
  EXPECT_TRUE(b.acquire(t0 + 6s));
}

TEST(Breaker, ProbeFailureReopensForAFullCooldown) {
  Breaker b(policy(1, 1000, 5000));
  b.on_failure(t0);
  ASSERT_TRUE(b.acquire(t0 + 6s));
  b.on_failure(t0 + 6s);
  EXPECT_EQ(b.state(t0 + 6s), State::open);
  EXPECT_EQ(b.state(t0 + 10999ms), State::open);
  EXPECT_EQ(b.state(t0 + 11s), State::half_open);
}

TEST(Breaker, AbandonedProbeFreesTheSlot) {
  Breaker b(policy(1, 1000, 5000));
  b.on_failure(t0);
  ASSERT_TRUE(b.acquire(t0 + 6s));
  b.release_probe();
  EXPECT_TRUE(b.acquire(t0 + 6s));
}

TEST(Breaker, DisabledNeverOpens) {
  BreakerPolicy p = policy(1, 1000, 5000);
  p.enabled = false;
  Breaker b(p);
  for (int i = 0; i < 10; ++i) b.on_failure(t0 + std::chrono::milliseconds(i));
  EXPECT_TRUE(b.available(t0 + 10ms));
  EXPECT_EQ(b.state(t0 + 10ms), State::closed);
}

TEST(Breaker, SuccessWhileClosedKeepsCounting) {
  Breaker b(policy(2, 1000, 5000));
  b.on_failure(t0);
  b.on_success(t0 + 1ms);
  b.on_failure(t0 + 2ms);
  EXPECT_EQ(b.state(t0 + 2ms), State::open);
}
