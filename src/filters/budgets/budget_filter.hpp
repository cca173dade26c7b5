#pragma once
// Budgets of the key, its user and its team (`max_budget_usd` per
// `budget_period`), as hard caps: before a request goes upstream its
// maximum cost (estimate.hpp) is reserved against every budget that
// applies, and it is refused with 402 budget_exceeded when one has no room
// for it; on completion each reservation becomes the request's real cost
// (what was generated, for a cancelled stream; 0 for a failure the provider
// did not bill). Every settled cost also goes to the spend ledger, per key,
// user and team, whether or not they have a budget.
#include "pipeline/filter.hpp"

namespace torii::filters::budgets {

class BudgetFilter final : public pipeline::Filter {
 public:
  explicit BudgetFilter(size_t index) : index_(index) {}
  std::string_view name() const override { return "budgets"; }
  std::optional<ApiError> on_admit(pipeline::RequestContext& ctx, const pipeline::Admission& a) const override;
  void on_head(pipeline::RequestContext& ctx, int status, http::Headers& headers) const override;
  void on_complete(pipeline::RequestContext& ctx) const override;

 private:
  size_t index_;
};

}  // namespace torii::filters::budgets
