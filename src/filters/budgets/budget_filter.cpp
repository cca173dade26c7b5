#include "filters/budgets/budget_filter.hpp"

#include <chrono>
#include <cstdio>

#include "filters/budgets/estimate.hpp"
#include "filters/logging/log_query.hpp"
#include "governance/ledger.hpp"
#include "governance/money.hpp"
#include "llm/pricing.hpp"
#include "pipeline/filter_chain.hpp"
#include "routing/model_table.hpp"
#include "pipeline/request_context.hpp"

namespace torii::filters::budgets {

namespace {

using governance::Principal;

struct BudgetState final : pipeline::FilterState {
  int64_t reserved[3] = {};  // by level; 0 = nothing reserved there
  bool reserving = false;    // some level has a budget
  std::optional<int64_t> remaining_nusd;  // the least room left, after this reservation
};

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string dollars(int64_t nusd) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "$%.6f", governance::to_usd(nusd));
  std::string s = buf;
  // Trailing zeros off, at least cents kept: $1.00, $0.0123.
  while (s.size() > 1 && s.back() == '0' && s.size() - s.find('.') > 3) s.pop_back();
  return s;
}

ApiError exceeded(const Principal& p, const governance::BudgetView& v, int64_t cost) {
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

}  // namespace

std::optional<ApiError> BudgetFilter::on_admit(pipeline::RequestContext& ctx, const pipeline::Admission& a) const {
  bool any = false;
  for (const Principal* p : ctx.principals) any = any || (p && p->policy.max_budget_nusd);
  if (!any) return std::nullopt;
  const MaxCost cost = max_cost(a);
  if (!cost.unpriced.empty())
    return make_error(400,
                      "The model '" + a.model->name + "' can reach " + cost.unpriced +
                          ", which has no known price, and this API key has a budget: set `price:` on that target",
                      "price_unknown", "model");
  BudgetState& st = ctx.state_of<BudgetState>(index_);
  st.reserving = true;
  const int64_t now = now_us();
  for (int l = 0; l < 3; ++l) {
    const Principal* p = ctx.principals[l];
    if (!p || !p->policy.max_budget_nusd) continue;
    governance::BudgetView view;
    int64_t taken = 0;
    if (!p->counters->budget.reserve(*p->policy.max_budget_nusd, p->policy.budget_period, now, cost.nusd, view, taken)) {
      for (int k = 0; k < l; ++k)
        if (st.reserved[k]) ctx.principals[k]->counters->budget.settle(st.reserved[k], 0, ctx.principals[k]->policy.budget_period, now);
      st = {};
      return exceeded(*p, view, cost.nusd);
    }
    st.reserved[l] = taken;
    const int64_t room = view.limit_nusd - view.spent_nusd - view.reserved_nusd;
    if (!st.remaining_nusd || room < *st.remaining_nusd) st.remaining_nusd = room;
  }
  return std::nullopt;
}

void BudgetFilter::on_head(pipeline::RequestContext& ctx, int, http::Headers& headers) const {
  if (ctx.state.size() <= index_ || !ctx.state[index_]) return;
  auto& st = static_cast<BudgetState&>(*ctx.state[index_]);
  if (st.remaining_nusd) headers.set("x-torii-budget-remaining-usd", llm::format_cost(governance::to_usd(std::max<int64_t>(0, *st.remaining_nusd))));
}

void BudgetFilter::on_complete(pipeline::RequestContext& ctx) const {
  const bool charged = !ctx.admission_refused && ctx.ex.cost_usd && *ctx.ex.cost_usd > 0;
  const int64_t cost = charged ? governance::to_nusd(*ctx.ex.cost_usd) : 0;
  const int64_t now = now_us();
  if (ctx.state.size() > index_ && ctx.state[index_]) {
    auto& st = static_cast<BudgetState&>(*ctx.state[index_]);
    for (int l = 0; l < 3; ++l)
      if (st.reserved[l] || (st.reserving && ctx.principals[l] && ctx.principals[l]->policy.max_budget_nusd))
        ctx.principals[l]->counters->budget.settle(st.reserved[l], cost, ctx.principals[l]->policy.budget_period, now);
    st = {};
  } else if (cost > 0) {
    // No reservation (no budget when it was admitted): still counted, so a
    // budget set later starts from what was really spent.
    for (const Principal* p : ctx.principals)
      if (p && p->policy.max_budget_nusd) p->counters->budget.settle(0, cost, p->policy.budget_period, now);
  }
  if (cost <= 0) return;
  governance::Ledger* ledger = governance::Ledger::running();
  if (!ledger) return;
  auto record = std::make_unique<governance::SpendRecord>();
  record->at_us = now;
  record->nusd = cost;
  bool any = false;
  for (int l = 0; l < 3; ++l)
    if (const Principal* p = ctx.principals[l]) {
      record->ids[l] = p->id;
      any = true;
    }
  if (any) ledger->record(std::move(record));
}

}  // namespace torii::filters::budgets

namespace torii::filters {

// Registered by the generated filter_registrations.cpp (this folder's name).
void register_budgets(pipeline::FilterRegistry& registry) {
  registry.add({"budgets", 300, [](const Config& config, size_t index) -> std::unique_ptr<pipeline::Filter> {
                  if (!config.admin_enabled && !config.sections.count("keys")) return nullptr;
                  return std::make_unique<budgets::BudgetFilter>(index);
                }});
}

}  // namespace torii::filters
