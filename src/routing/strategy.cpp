#include "routing/strategy.hpp"

#include <limits>

namespace torii::routing {

Strategy parse_strategy(std::string_view n) {
  if (n == "weighted") return Strategy::weighted;
  if (n == "round-robin") return Strategy::round_robin;
  if (n == "least-latency") return Strategy::least_latency;
  if (n == "p2c") return Strategy::p2c;
  if (n == "least-busy") return Strategy::least_busy;
  if (n == "cost") return Strategy::cost;
  return Strategy::priority;
}

namespace {

// Latency times load; an unmeasured target scores 0 so it gets tried.
double load_score(const Candidate& c) { return c.latency_ms * double(c.in_flight + 1); }

}  // namespace

size_t pick(Strategy s, std::span<const Candidate> cands, std::mt19937_64& rng, std::atomic<uint64_t>& rr,
            size_t target_count) {
  if (cands.size() == 1) return cands[0].index;
  switch (s) {
    case Strategy::priority:
      return cands[0].index;

    case Strategy::weighted: {
      uint64_t total = 0;
      for (const auto& c : cands) total += c.weight;
      if (total == 0) return cands[0].index;
      uint64_t r = std::uniform_int_distribution<uint64_t>(0, total - 1)(rng);
      for (const auto& c : cands) {
        if (r < c.weight) return c.index;
        r -= c.weight;
      }
      return cands.back().index;
    }

    case Strategy::round_robin: {
      // The counter walks the full target list; ineligible targets are
      // skipped to the next eligible one, so healthy rotation stays exact.
      uint64_t n = rr.fetch_add(1, std::memory_order_relaxed);
      size_t want = size_t(n % target_count);
      for (const auto& c : cands)
        if (c.index >= want) return c.index;
      return cands[0].index;
    }

    case Strategy::least_latency: {
      const Candidate* best = &cands[0];
      for (const auto& c : cands)
        if (c.latency_ms < best->latency_ms) best = &c;
      return best->index;
    }

    case Strategy::p2c: {
      std::uniform_int_distribution<size_t> d(0, cands.size() - 1);
      size_t a = d(rng), b = d(rng);
      if (a == b) b = (a + 1) % cands.size();
      return load_score(cands[a]) <= load_score(cands[b]) ? cands[a].index : cands[b].index;
    }

    case Strategy::least_busy: {
      const Candidate* best = &cands[0];
      for (const auto& c : cands)
        if (c.in_flight < best->in_flight) best = &c;
      return best->index;
    }

    case Strategy::cost: {
      const Candidate* best = nullptr;
      double best_price = std::numeric_limits<double>::max();
      for (const auto& c : cands) {
        double p = c.price > 0 ? c.price : std::numeric_limits<double>::max() / 2;
        if (!best || p < best_price) {
          best = &c;
          best_price = p;
        }
      }
      return best->index;
    }
  }
  return cands[0].index;
}

}  // namespace torii::routing
