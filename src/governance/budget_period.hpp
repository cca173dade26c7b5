#pragma once
// The periods a budget resets on, all on UTC boundaries: `1h` at the top of
// each hour, `1d` at midnight, `7d` on Mondays at midnight, `30d` every 30
// days counted from 1970-01-01, `month` on the first of each month. Every
// boundary is a whole hour, so hourly spend buckets add up to any period.
#include <cstdint>
#include <optional>
#include <string_view>

namespace torii::governance {

enum class BudgetPeriod { none, hour, day, week, days30, month };

std::optional<BudgetPeriod> parse_budget_period(std::string_view text);
std::string_view budget_period_name(BudgetPeriod p);  // "" for none
// "this hour", "today", "this week", "these 30 days", "this month", "in total".
std::string_view budget_period_phrase(BudgetPeriod p);

// The start of the period that holds `now_us` (0 for none), and the start of
// the next one (INT64_MAX for none). Microseconds since the Unix epoch.
int64_t period_start_us(BudgetPeriod p, int64_t now_us);
int64_t period_end_us(BudgetPeriod p, int64_t start_us);

}  // namespace torii::governance
