#include "filters/metering/refusals.hpp"

#include <algorithm>
#include <cstdio>

#include "filters/logging/log_time.hpp"
#include "governance/money.hpp"
#include "routing/model_table.hpp"

namespace torii::filters::metering {

namespace {

std::string dollars(int64_t nusd) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "$%.6f", governance::to_usd(nusd));
  std::string s = buf;
  // Trailing zeros off, cents kept: $1.00, $0.0123.
  while (s.back() == '0' && s.size() - s.find('.') > 3) s.pop_back();
  return s;
}

}  // namespace

std::string format_reset(int64_t ns) {
  if (ns < 1'000'000'000) return std::to_string(std::max<int64_t>(0, (ns + 999'999) / 1'000'000)) + "ms";
  const int64_t s = (ns + 999'999'999) / 1'000'000'000;
  if (s < 60) return std::to_string(s) + "s";
  return std::to_string(s / 60) + "m" + std::to_string(s % 60) + "s";
}

ApiError rate_limited(const pipeline::RequestContext& ctx, const governance::Principal& p, const std::string& what,
                      int64_t retry_ns) {
  std::string message = "Rate limit reached for " + p.describe() + ": " + what;
  if (retry_ns > 0) message += "; try again in " + format_reset(retry_ns);
  ApiError e =
      make_error(429, std::move(message), ctx.surface == pipeline::Surface::anthropic ? "" : "rate_limit_exceeded");
  e.retry_after = std::to_string(std::max<int64_t>(1, (retry_ns + 999'999'999) / 1'000'000'000));
  return e;
}

ApiError budget_exceeded(const governance::Principal& p, const governance::BudgetView& v, int64_t cost) {
  std::string message = "Budget exceeded for " + p.describe() + ": spent " + dollars(v.spent_nusd) + " of " +
                        dollars(v.limit_nusd) + " " + std::string(governance::budget_period_phrase(p.policy.budget_period));
  if (v.reserved_nusd > 0) message += " (" + dollars(v.reserved_nusd) + " more reserved by requests in flight)";
  message += "; this request may cost up to " + dollars(cost) + ". ";
  message += p.policy.budget_period == governance::BudgetPeriod::none
                 ? std::string("The budget does not reset.")
                 : "The budget resets at " + logging::format_time(v.resets_at_us) + ".";
  ApiError e = make_error(402, std::move(message), "budget_exceeded");
  e.type = "insufficient_quota";
  return e;
}

ApiError counters_unavailable(const std::string& why) {
  return make_error(503,
                    "The shared rate-limit and budget counters cannot be reached (" + why +
                        "); with store.on_store_error: closed requests are refused rather than admitted unmetered",
                    "store_unavailable");
}

ApiError price_unknown(const routing::Model& model, const std::string& target) {
  return make_error(400,
                    "The model '" + model.name + "' can reach " + target +
                        ", which has no known price, and a budget applies to this API key: set `price:` on that target",
                    "price_unknown", "model");
}

}  // namespace torii::filters::metering
