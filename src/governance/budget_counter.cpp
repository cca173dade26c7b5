#include "governance/budget_counter.hpp"

namespace torii::governance {

void BudgetCounter::roll(BudgetPeriod period, int64_t now_us) {
  // Only seed() changes the kind of period (it knows the spend to start
  // from); while a reload is under way a request may still name the old one.
  if (start_us_ < 0) {
    period_ = period;
    start_us_ = period_start_us(period, now_us);
    spent_ = 0;
    return;
  }
  const int64_t start = period_start_us(period_, now_us);
  if (start <= start_us_) return;
  // A new period starts empty; what requests in flight reserved carries
  // over, since they will settle in it.
  start_us_ = start;
  spent_ = 0;
}

bool BudgetCounter::reserve(int64_t limit, BudgetPeriod period, int64_t now_us, int64_t amount, BudgetView& view,
                            int64_t& reserved_in_period) {
  std::lock_guard lock(mutex_);
  roll(period, now_us);
  view.limit_nusd = limit;
  view.period_start_us = start_us_;
  view.resets_at_us = period_end_us(period_, start_us_);
  int64_t total = 0;
  const bool fits = amount >= 0 && !__builtin_add_overflow(spent_ + reserved_, amount, &total) && total <= limit;
  if (fits) reserved_ += amount;
  view.spent_nusd = spent_;
  view.reserved_nusd = reserved_;
  reserved_in_period = fits ? amount : 0;
  return fits;
}

void BudgetCounter::settle(int64_t reserved, int64_t cost, BudgetPeriod period, int64_t now_us) {
  std::lock_guard lock(mutex_);
  roll(period, now_us);
  reserved_ -= reserved;
  if (reserved_ < 0) reserved_ = 0;
  spent_ += cost;
}

void BudgetCounter::seed(BudgetPeriod period, int64_t start_us, int64_t spent) {
  std::lock_guard lock(mutex_);
  period_ = period;
  start_us_ = start_us;
  spent_ = spent;
}

bool BudgetCounter::seeded_for(BudgetPeriod period, int64_t start_us) const {
  std::lock_guard lock(mutex_);
  return period_ == period && start_us_ == start_us;
}

BudgetView BudgetCounter::view(int64_t limit, BudgetPeriod period, int64_t now_us) {
  std::lock_guard lock(mutex_);
  roll(period, now_us);
  return {limit, spent_, reserved_, start_us_, period_end_us(period_, start_us_)};
}

}  // namespace torii::governance
