#include "filters/metering/local_meter.hpp"

#include "core/clock.hpp"

#include "filters/metering/estimate.hpp"
#include "filters/metering/refusals.hpp"
#include "routing/model_table.hpp"

namespace torii::filters::metering {

namespace {

using governance::Principal;

// Gives back everything `t` took from `p` (its request too: it never went).
void give_back(const Principal& p, MeteringState::Taken& t, int64_t now_us) {
  auto& c = *p.counters;
  if (t.rpm) c.requests.refund(t.rpm, 1, now_us * 1000);
  if (t.tpm && t.tokens) c.tokens.refund(t.tpm, t.tokens, now_us * 1000);
  if (t.parallel) c.parallel.leave();
  if (t.budget) c.budget.settle(t.reserved, 0, p.policy.budget_period, now_us);
  t = {};
}

}  // namespace

std::optional<ApiError> admit_locally(pipeline::RequestContext& ctx, const pipeline::Admission& a, MeteringState& st) {
  const int64_t now = core::unix_now_ns();
  const int64_t now_us = now / 1000;
  const int64_t tokens = rate_tokens(a);
  std::optional<MaxCost> cost;
  auto undo = [&](int upto) {
    for (int l = 0; l <= upto; ++l) give_back(*st.levels[l], st.taken[l], now_us);
  };
  for (int l = 0; l < st.count; ++l) {
    const Principal* p = st.levels[l];
    const governance::Policy& policy = p->policy;
    auto& c = *p->counters;
    MeteringState::Taken& t = st.taken[l];
    if (policy.max_parallel) {
      int64_t in_flight = 0;
      if (!c.parallel.enter(*policy.max_parallel, in_flight)) {
        undo(l);
        return rate_limited(ctx, *p, std::to_string(*policy.max_parallel) + " requests in flight (max_parallel)",
                            1'000'000'000);
      }
      t.parallel = true;
    }
    if (policy.rpm) {
      governance::RateCharge r = c.requests.charge(*policy.rpm, 1, now);
      if (!r.admitted) {
        undo(l);
        return rate_limited(ctx, *p, std::to_string(*policy.rpm) + " requests per minute (rpm)", r.retry_after_ns);
      }
      t.rpm = *policy.rpm;
      st.note_requests(r, *policy.rpm);
    }
    if (policy.tpm) {
      governance::RateCharge r = c.tokens.charge(*policy.tpm, tokens, now);
      if (!r.admitted) {
        undo(l);
        std::string what = std::to_string(*policy.tpm) + " tokens per minute (tpm)";
        if (r.never) what += "; this request alone may use about " + std::to_string(tokens) + " (lower max_tokens)";
        return rate_limited(ctx, *p, what, r.never ? 0 : r.retry_after_ns);
      }
      t.tpm = *policy.tpm;
      t.tokens = tokens;
      t.charged_at_us = now_us;
      st.note_tokens(r, *policy.tpm);
    }
    if (policy.max_budget_nusd) {
      if (!cost) cost = max_cost(a);
      if (!cost->unpriced.empty()) {
        undo(l);
        return price_unknown(*a.model, cost->unpriced);
      }
      governance::BudgetView view;
      int64_t held = 0;
      if (!c.budget.reserve(*policy.max_budget_nusd, policy.budget_period, now_us, cost->nusd, view, held)) {
        undo(l);
        return budget_exceeded(*p, view, cost->nusd);
      }
      t.budget = true;
      t.reserved = held;
      st.note_room(view.limit_nusd - view.spent_nusd - view.reserved_nusd);
    }
  }
  if (cost) ctx.ex.output_cap = cost->output_cap;
  return std::nullopt;
}

void settle_locally(MeteringState& st, int64_t used, int64_t cost, bool refused_later) {
  const int64_t now_us = core::unix_now_us();
  for (int l = 0; l < st.count; ++l) {
    const Principal* p = st.levels[l];
    MeteringState::Taken& t = st.taken[l];
    if (refused_later) {
      give_back(*p, t, now_us);
      continue;
    }
    auto& c = *p->counters;
    // A charge whose minute is over has nothing left to give back.
    const bool current = now_us - t.charged_at_us < 60'000'000;
    if (t.tpm && t.tokens != used && (t.tokens < used || current)) c.tokens.refund(t.tpm, t.tokens - used, now_us * 1000);
    if (t.parallel) c.parallel.leave();
    // A budget set after this request was admitted counts its cost too.
    if (t.budget || p->policy.max_budget_nusd) c.budget.settle(t.reserved, cost, p->policy.budget_period, now_us);
    t = {};
  }
}

}  // namespace torii::filters::metering
