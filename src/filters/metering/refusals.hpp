#pragma once
// The answers of metering: 429 for a rate limit (with Retry-After), 402 for
// a budget, 503 when the shared counters cannot be reached; and how the
// x-ratelimit-reset-* headers write a duration.
#include <cstdint>
#include <string>

#include "core/errors.hpp"
#include "governance/budget_counter.hpp"
#include "governance/principal.hpp"
#include "pipeline/request_context.hpp"

namespace torii::routing {
struct Model;
}

namespace torii::filters::metering {

// "20ms", "7s", "1m30s".
std::string format_reset(int64_t ns);

// `what`: "3 requests per minute (rpm)"; `retry_ns` 0: retrying will not help.
ApiError rate_limited(const pipeline::RequestContext& ctx, const governance::Principal& p, const std::string& what,
                      int64_t retry_ns);
ApiError budget_exceeded(const governance::Principal& p, const governance::BudgetView& v, int64_t cost_nusd);
ApiError counters_unavailable(const std::string& why);
// A budget applies, but a target the model can reach has no price.
ApiError price_unknown(const routing::Model& model, const std::string& target);

}  // namespace torii::filters::metering
