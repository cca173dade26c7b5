#include "governance/rate_counter.hpp"

#include <algorithm>

namespace torii::governance {

RateCharge RateCounter::charge(int64_t limit, int64_t units, int64_t now_ns) {
  RateCharge out;
  const int64_t step = interval_ns(limit);
  if (units > limit) {
    out.never = true;
    out.retry_after_ns = kRateWindowNs;
    return out;
  }
  const int64_t cost = step * units;
  int64_t tat = tat_ns_.load(std::memory_order_relaxed);
  for (;;) {
    const int64_t next = std::max(tat, now_ns) + cost;
    const int64_t ahead = next - now_ns;
    if (ahead > kRateWindowNs) {
      out.retry_after_ns = ahead - kRateWindowNs;
      out.reset_ns = std::max<int64_t>(0, tat - now_ns);
      return out;
    }
    if (tat_ns_.compare_exchange_weak(tat, next, std::memory_order_relaxed)) {
      out.admitted = true;
      out.remaining = (kRateWindowNs - ahead) / step;
      out.reset_ns = ahead;
      return out;
    }
  }
}

void RateCounter::refund(int64_t limit, int64_t units, int64_t now_ns) {
  if (units == 0 || limit <= 0) return;
  const int64_t delta = interval_ns(limit) * units;
  int64_t tat = tat_ns_.load(std::memory_order_relaxed);
  for (;;) {
    const int64_t next = delta > 0 ? std::max(now_ns, tat - delta) : std::max(tat, now_ns) - delta;
    if (next == tat || tat_ns_.compare_exchange_weak(tat, next, std::memory_order_relaxed)) return;
  }
}

bool ParallelCounter::enter(int64_t limit, int64_t& after) {
  after = n_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (after <= limit) return true;
  n_.fetch_sub(1, std::memory_order_relaxed);
  return false;
}

}  // namespace torii::governance
