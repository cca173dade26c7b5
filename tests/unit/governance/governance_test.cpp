// The governance counters on their own: GCRA rate limits exact at the limit
// and under threads, budget reservations that never let spend pass the
// limit, period boundaries on UTC calendars.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "governance/budget_counter.hpp"
#include "governance/budget_period.hpp"
#include "governance/rate_counter.hpp"

using namespace torii::governance;

namespace {
constexpr int64_t kS = 1'000'000'000;  // ns
constexpr int64_t kHourUs = 3'600'000'000;
}  // namespace

TEST(RateCounter, AdmitsTheLimitAtOnceThenOneEveryInterval) {
  RateCounter c;
  const int64_t t0 = 1'000 * kS;
  for (int i = 0; i < 3; ++i) {
    RateCharge r = c.charge(3, 1, t0);
    ASSERT_TRUE(r.admitted) << i;
    EXPECT_EQ(r.remaining, 2 - i);
  }
  RateCharge refused = c.charge(3, 1, t0);
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.retry_after_ns, 20 * kS);  // 60 s / 3
  EXPECT_FALSE(c.charge(3, 1, t0 + 20 * kS - 1).admitted);
  EXPECT_TRUE(c.charge(3, 1, t0 + 20 * kS).admitted);
  // No double burst at a window edge: after a minute there is room for 3, not 6.
  int admitted = 0;
  for (int i = 0; i < 10; ++i) admitted += c.charge(3, 1, t0 + 80 * kS).admitted;
  EXPECT_EQ(admitted, 3);
}

TEST(RateCounter, TokensChargeByAmountAndRefundsGiveRoomBack) {
  RateCounter c;
  const int64_t t0 = 5'000 * kS;
  EXPECT_TRUE(c.charge(1000, 900, t0).admitted);
  EXPECT_FALSE(c.charge(1000, 200, t0).admitted);
  c.refund(1000, 800, t0);  // the request used 100 of its 900
  RateCharge r = c.charge(1000, 200, t0);
  EXPECT_TRUE(r.admitted);
  EXPECT_EQ(r.remaining, 700);
  RateCharge never = c.charge(1000, 1001, t0 + 3600 * kS);
  EXPECT_FALSE(never.admitted);
  EXPECT_TRUE(never.never);
}

TEST(RateCounter, ExactUnderThreads) {
  RateCounter c;
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  const int64_t t0 = 9'000 * kS;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10'000; ++i) admitted += c.charge(1000, 1, t0).admitted;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 1000);
}

TEST(ParallelCounter, EntersUpToTheLimit) {
  ParallelCounter p;
  int64_t n = 0;
  EXPECT_TRUE(p.enter(2, n));
  EXPECT_TRUE(p.enter(2, n));
  EXPECT_FALSE(p.enter(2, n));
  EXPECT_EQ(p.in_flight(), 2);
  p.leave();
  EXPECT_TRUE(p.enter(2, n));
}

TEST(BudgetCounter, NeverPassesTheLimitUnderConcurrentReserveAndSettle) {
  BudgetCounter b;
  const int64_t limit = 1'000'000;  // nano-dollars
  const int64_t now = 100 * kHourUs;
  b.seed(BudgetPeriod::month, period_start_us(BudgetPeriod::month, now), 0);
  std::atomic<int64_t> charged{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5'000; ++i) {
        BudgetView v;
        int64_t held = 0;
        const int64_t estimate = 1000;
        if (!b.reserve(limit, BudgetPeriod::month, now, estimate, v, held)) continue;
        const int64_t real = 300 + (i + t) % 700;  // at most the estimate
        b.settle(held, real, BudgetPeriod::month, now);
        charged += real;
      }
    });
  for (auto& t : threads) t.join();
  BudgetView v = b.view(limit, BudgetPeriod::month, now);
  EXPECT_EQ(v.reserved_nusd, 0);
  EXPECT_EQ(v.spent_nusd, charged.load());
  EXPECT_LE(v.spent_nusd, limit);
  EXPECT_GT(v.spent_nusd, limit - 1000);  // refused only when an estimate no longer fit
}

TEST(BudgetCounter, ANewPeriodStartsEmptyButKeepsReservationsInFlight) {
  BudgetCounter b;
  const int64_t now = period_start_us(BudgetPeriod::day, 400 * kHourUs) + kHourUs;
  b.seed(BudgetPeriod::day, period_start_us(BudgetPeriod::day, now), 900);
  BudgetView v;
  int64_t held = 0;
  EXPECT_FALSE(b.reserve(1000, BudgetPeriod::day, now, 200, v, held));
  EXPECT_EQ(v.spent_nusd, 900);
  EXPECT_TRUE(b.reserve(1000, BudgetPeriod::day, now, 100, v, held));
  const int64_t tomorrow = now + 24 * kHourUs;
  v = b.view(1000, BudgetPeriod::day, tomorrow);
  EXPECT_EQ(v.spent_nusd, 0);
  EXPECT_EQ(v.reserved_nusd, 100);
  b.settle(held, 80, BudgetPeriod::day, tomorrow);
  v = b.view(1000, BudgetPeriod::day, tomorrow);
  EXPECT_EQ(v.spent_nusd, 80);
  EXPECT_EQ(v.reserved_nusd, 0);
}

TEST(BudgetPeriod, BoundariesAreUtcCalendarOnes) {
  // 2027-03-17T13:45:00Z (a Wednesday)
  const int64_t t = 1'805'291'100'000'000;
  EXPECT_EQ(period_start_us(BudgetPeriod::hour, t), 1'805'288'400'000'000);   // 13:00
  EXPECT_EQ(period_start_us(BudgetPeriod::day, t), 1'805'241'600'000'000);    // 03-17 00:00
  EXPECT_EQ(period_start_us(BudgetPeriod::week, t), 1'805'068'800'000'000);   // Monday 03-15
  EXPECT_EQ(period_start_us(BudgetPeriod::month, t), 1'803'859'200'000'000);  // 03-01
  EXPECT_EQ(period_end_us(BudgetPeriod::month, 1'803'859'200'000'000), 1'806'537'600'000'000);  // 04-01
  // December rolls into January.
  const int64_t dec = 1'827'619'200'000'000;  // 2027-12-01
  EXPECT_EQ(period_end_us(BudgetPeriod::month, dec), 1'830'297'600'000'000);  // 2028-01-01
  EXPECT_EQ(period_start_us(BudgetPeriod::days30, t) % (30 * 24 * kHourUs), 0);
  EXPECT_EQ(period_start_us(BudgetPeriod::none, t), 0);
  EXPECT_FALSE(parse_budget_period("2w"));
  EXPECT_EQ(*parse_budget_period("7d"), BudgetPeriod::week);
}

TEST(BudgetCounter, RefusesANegativeOrOverflowingReservation) {
  BudgetCounter b;
  const int64_t now = 100 * kHourUs;
  b.seed(BudgetPeriod::none, 0, 0);
  BudgetView v;
  int64_t held = 0;
  EXPECT_FALSE(b.reserve(1000, BudgetPeriod::none, now, -5, v, held));
  EXPECT_FALSE(b.reserve(1000, BudgetPeriod::none, now, INT64_MAX, v, held));
  EXPECT_TRUE(b.reserve(1000, BudgetPeriod::none, now, 1000, v, held));
  EXPECT_FALSE(b.reserve(INT64_MAX, BudgetPeriod::none, now, INT64_MAX, v, held));
}

TEST(RateCounter, ARefundNeverGivesBackCapacityThatIsPast) {
  RateCounter c;
  const int64_t t0 = 7'000 * kS;
  EXPECT_TRUE(c.charge(10, 10, t0).admitted);
  c.refund(10, 1000, t0);  // far more than was charged
  int admitted = 0;
  for (int i = 0; i < 20; ++i) admitted += c.charge(10, 1, t0).admitted;
  EXPECT_EQ(admitted, 10) << "the bucket holds its limit, not more";
  c.refund(10, -5, t0 + 120 * kS);  // a true-up above the charge, long after: charged from now
  EXPECT_EQ(c.charge(10, 1, t0 + 120 * kS).remaining, 4);
}
