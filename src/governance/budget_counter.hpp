#pragma once
// One entity's budget in its current period: what was spent (settled) and
// what requests in flight have reserved. A request reserves its maximum
// cost up front and is refused when spent + reserved + that would pass the
// limit; on completion the reservation is replaced by the real cost. So
// the cap holds under any concurrency: the most it can be passed by is one
// request's error in estimating its own maximum.
//
// A short per-entity lock: only requests of the same entity meet on it,
// and an exact shared cap needs one shared write per request anyway.
#include <cstdint>
#include <mutex>

#include "governance/budget_period.hpp"

namespace torii::governance {

struct BudgetView {
  int64_t limit_nusd = 0;
  int64_t spent_nusd = 0;     // settled in the period
  int64_t reserved_nusd = 0;  // held by requests in flight
  int64_t period_start_us = 0;
  int64_t resets_at_us = 0;   // INT64_MAX: never
};

class BudgetCounter {
 public:
  // Refused (false, `view` says why) when the reservation does not fit.
  // `period_start_us` of the reservation is kept by the caller for settle().
  bool reserve(int64_t limit_nusd, BudgetPeriod period, int64_t now_us, int64_t amount_nusd, BudgetView& view,
               int64_t& reserved_in_period);
  // Replaces a reservation by the real cost, in whatever period is current.
  void settle(int64_t reserved_nusd, int64_t cost_nusd, BudgetPeriod period, int64_t now_us);
  // What was already spent in the period starting at `start_us` (from the
  // ledger, at start-up or when the period kind changes).
  void seed(BudgetPeriod period, int64_t start_us, int64_t spent_nusd);
  bool seeded_for(BudgetPeriod period, int64_t start_us) const;
  BudgetView view(int64_t limit_nusd, BudgetPeriod period, int64_t now_us);

 private:
  void roll(BudgetPeriod period, int64_t now_us);  // mutex held

  mutable std::mutex mutex_;
  BudgetPeriod period_ = BudgetPeriod::none;
  int64_t start_us_ = -1;  // -1: not seeded
  int64_t spent_ = 0, reserved_ = 0;
};

}  // namespace torii::governance
