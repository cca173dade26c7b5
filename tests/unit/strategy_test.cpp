#include "routing/strategy.hpp"

#include <gtest/gtest.h>

#include <map>
#include <vector>

using namespace torii::routing;

namespace {
std::vector<Candidate> three() {
  return {{0, 3, 0, 0, 0}, {1, 1, 0, 0, 0}, {2, 0, 0, 0, 0}};
}
}  // namespace

TEST(Strategy, ParseNames) {
  EXPECT_EQ(parse_strategy("weighted"), Strategy::weighted);
  EXPECT_EQ(parse_strategy("round-robin"), Strategy::round_robin);
  EXPECT_EQ(parse_strategy("least-latency"), Strategy::least_latency);
  EXPECT_EQ(parse_strategy("p2c"), Strategy::p2c);
  EXPECT_EQ(parse_strategy("least-busy"), Strategy::least_busy);
  EXPECT_EQ(parse_strategy("cost"), Strategy::cost);
  EXPECT_EQ(parse_strategy("priority"), Strategy::priority);
}

TEST(Strategy, PriorityTakesFirstEligible) {
  std::mt19937_64 rng(1);
  std::atomic<uint64_t> rr{0};
  std::vector<Candidate> c = {{2, 1, 0, 0, 0}, {4, 1, 0, 0, 0}};
  EXPECT_EQ(pick(Strategy::priority, c, rng, rr, 5), 2u);
}

TEST(Strategy, WeightedSplitWithinTolerance) {
  std::mt19937_64 rng(42);
  std::atomic<uint64_t> rr{0};
  auto c = three();
  std::map<size_t, int> hits;
  const int n = 20000;
  for (int i = 0; i < n; ++i) ++hits[pick(Strategy::weighted, c, rng, rr, 3)];
  // 3:1:0 -> 75% / 25% / 0%; 4 standard deviations is ~1.2% here.
  EXPECT_NEAR(hits[0] / double(n), 0.75, 0.015);
  EXPECT_NEAR(hits[1] / double(n), 0.25, 0.015);
  EXPECT_EQ(hits[2], 0);
}

TEST(Strategy, RoundRobinIsExact) {
  std::mt19937_64 rng(1);
  std::atomic<uint64_t> rr{0};
  std::vector<Candidate> c = {{0, 1, 0, 0, 0}, {1, 1, 0, 0, 0}, {2, 1, 0, 0, 0}};
  std::vector<size_t> seq;
  for (int i = 0; i < 7; ++i) seq.push_back(pick(Strategy::round_robin, c, rng, rr, 3));
  EXPECT_EQ(seq, (std::vector<size_t>{0, 1, 2, 0, 1, 2, 0}));
}

TEST(Strategy, RoundRobinSkipsIneligible) {
  std::mt19937_64 rng(1);
  std::atomic<uint64_t> rr{1};  // target 1 is next, but it is not eligible
  std::vector<Candidate> c = {{0, 1, 0, 0, 0}, {2, 1, 0, 0, 0}};
  EXPECT_EQ(pick(Strategy::round_robin, c, rng, rr, 3), 2u);
  EXPECT_EQ(pick(Strategy::round_robin, c, rng, rr, 3), 2u);  // counter at 2
  EXPECT_EQ(pick(Strategy::round_robin, c, rng, rr, 3), 0u);  // wrapped to 0
}

TEST(Strategy, LeastLatencyPrefersFastAndExploresUnmeasured) {
  std::mt19937_64 rng(1);
  std::atomic<uint64_t> rr{0};
  std::vector<Candidate> c = {{0, 1, 50.0, 0, 0}, {1, 1, 5.0, 0, 0}};
  EXPECT_EQ(pick(Strategy::least_latency, c, rng, rr, 2), 1u);
  c.push_back({2, 1, 0.0, 0, 0});
  EXPECT_EQ(pick(Strategy::least_latency, c, rng, rr, 3), 2u);
}

TEST(Strategy, P2cMovesTrafficToTheFastTarget) {
  std::mt19937_64 rng(7);
  std::atomic<uint64_t> rr{0};
  std::vector<Candidate> c = {{0, 1, 200.0, 2, 0}, {1, 1, 10.0, 2, 0}};
  int fast = 0;
  for (int i = 0; i < 1000; ++i) fast += pick(Strategy::p2c, c, rng, rr, 2) == 1;
  EXPECT_EQ(fast, 1000);  // with two candidates both are always compared
}

TEST(Strategy, LeastBusy) {
  std::mt19937_64 rng(1);
  std::atomic<uint64_t> rr{0};
  std::vector<Candidate> c = {{0, 1, 0, 5, 0}, {1, 1, 0, 1, 0}, {2, 1, 0, 3, 0}};
  EXPECT_EQ(pick(Strategy::least_busy, c, rng, rr, 3), 1u);
}

TEST(Strategy, CostPicksCheapestKnownPrice) {
  std::mt19937_64 rng(1);
  std::atomic<uint64_t> rr{0};
  std::vector<Candidate> c = {{0, 1, 0, 0, 0.0}, {1, 1, 0, 0, 18.0}, {2, 1, 0, 0, 0.75}};
  EXPECT_EQ(pick(Strategy::cost, c, rng, rr, 3), 2u);
}
