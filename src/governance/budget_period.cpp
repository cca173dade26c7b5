#include "governance/budget_period.hpp"

#include <chrono>
#include <limits>

namespace torii::governance {

namespace {

constexpr int64_t kHour = 3'600'000'000;
constexpr int64_t kDay = 24 * kHour;

int64_t floor_to(int64_t v, int64_t step, int64_t offset = 0) {
  int64_t x = v - offset;
  int64_t q = x / step;
  if (x % step < 0) --q;
  return q * step + offset;
}

int64_t month_start(int64_t now_us, int add_months) {
  using namespace std::chrono;
  const sys_days day{days{floor_to(now_us, kDay) / kDay}};
  year_month_day ymd{day};
  year_month ym = ymd.year() / ymd.month();
  ym += months{add_months};
  return int64_t(sys_days{ym / 1}.time_since_epoch().count()) * kDay;
}

}  // namespace

std::optional<BudgetPeriod> parse_budget_period(std::string_view t) {
  if (t == "1h") return BudgetPeriod::hour;
  if (t == "1d") return BudgetPeriod::day;
  if (t == "7d") return BudgetPeriod::week;
  if (t == "30d") return BudgetPeriod::days30;
  if (t == "month") return BudgetPeriod::month;
  return std::nullopt;
}

std::string_view budget_period_name(BudgetPeriod p) {
  switch (p) {
    case BudgetPeriod::hour: return "1h";
    case BudgetPeriod::day: return "1d";
    case BudgetPeriod::week: return "7d";
    case BudgetPeriod::days30: return "30d";
    case BudgetPeriod::month: return "month";
    case BudgetPeriod::none: break;
  }
  return "";
}

std::string_view budget_period_phrase(BudgetPeriod p) {
  switch (p) {
    case BudgetPeriod::hour: return "this hour";
    case BudgetPeriod::day: return "today";
    case BudgetPeriod::week: return "this week";
    case BudgetPeriod::days30: return "in these 30 days";
    case BudgetPeriod::month: return "this month";
    case BudgetPeriod::none: break;
  }
  return "in total";
}

int64_t period_start_us(BudgetPeriod p, int64_t now) {
  switch (p) {
    case BudgetPeriod::hour: return floor_to(now, kHour);
    case BudgetPeriod::day: return floor_to(now, kDay);
    case BudgetPeriod::week: return floor_to(now, 7 * kDay, 4 * kDay);  // 1970-01-05 was a Monday
    case BudgetPeriod::days30: return floor_to(now, 30 * kDay);
    case BudgetPeriod::month: return month_start(now, 0);
    case BudgetPeriod::none: break;
  }
  return 0;
}

int64_t period_end_us(BudgetPeriod p, int64_t start) {
  switch (p) {
    case BudgetPeriod::hour: return start + kHour;
    case BudgetPeriod::day: return start + kDay;
    case BudgetPeriod::week: return start + 7 * kDay;
    case BudgetPeriod::days30: return start + 30 * kDay;
    case BudgetPeriod::month: return month_start(start, 1);
    case BudgetPeriod::none: break;
  }
  return std::numeric_limits<int64_t>::max();
}

}  // namespace torii::governance
