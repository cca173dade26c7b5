#pragma once
// Metering in this process: the principals' own counters (lock-free GCRA
// for rpm and tpm, an atomic for max_parallel, the budget counter). Exact
// across the workers of one process; what one node enforces alone.
#include <optional>

#include "core/errors.hpp"
#include "filters/metering/metering_state.hpp"
#include "pipeline/admission.hpp"

namespace torii::filters::metering {

// Charges every level; on a refusal gives back what the levels before took.
std::optional<ApiError> admit_locally(pipeline::RequestContext& ctx, const pipeline::Admission& a, MeteringState& st);
// The request is over: `used_tokens` and `cost_nusd` are what it really took
// (0 when it was refused further on or failed).
void settle_locally(MeteringState& st, int64_t used_tokens, int64_t cost_nusd, bool refused_later);

}  // namespace torii::filters::metering
