#include "app/admin_policy.hpp"

#include <algorithm>
#include <iterator>
#include <vector>

#include "core/clock.hpp"
#include "core/hex.hpp"
#include "filters/logging/log_time.hpp"
#include "governance/ledger.hpp"
#include "governance/money.hpp"

namespace torii::app {

namespace json = boost::json;

std::string new_entity_id(const char* prefix) { return prefix + core::random_hex(8); }

namespace {

governance::BudgetPeriod period_of(const store::PolicyColumns& p) {
  return governance::parse_budget_period(p.budget_period).value_or(governance::BudgetPeriod::none);
}

// Where an entity's shown spend starts: its budget's current period, else ever.
int64_t spend_start(const store::PolicyColumns& p, int64_t now) {
  return p.max_budget_usd ? governance::period_start_us(period_of(p), now) : 0;
}

}  // namespace

std::vector<std::optional<int64_t>> period_spend(const std::vector<SpendOf>& of) {
  std::vector<std::optional<int64_t>> out(of.size());
  governance::Ledger* ledger = governance::Ledger::running();
  if (!ledger || of.empty()) return out;
  const int64_t now = core::unix_now_us();
  std::vector<governance::Ledger::Query> q;
  q.reserve(of.size());
  for (const auto& e : of) q.push_back({e.level, *e.id, spend_start(*e.policy, now), 0});
  std::string error;
  if (!ledger->spent_since(q, error)) return out;
  for (size_t i = 0; i < q.size(); ++i) out[i] = q[i].spent_nusd;
  return out;
}

void add_policy_json(json::object& o, const store::PolicyColumns& p, std::optional<int64_t> spent) {
  o["models"] = json::parse(p.models_json);
  o["max_budget_usd"] = p.max_budget_usd ? json::value(*p.max_budget_usd) : json::value(nullptr);
  o["budget_period"] = nullable(p.budget_period);
  for (auto [name, v] : {std::pair{"rpm", &p.rpm}, std::pair{"tpm", &p.tpm}, std::pair{"max_parallel", &p.max_parallel}})
    o[name] = *v ? json::value(**v) : json::value(nullptr);
  o["model_limits"] = json::parse(p.model_limits_json);
  o["guardrails"] = json::parse(p.guardrails_json);
  o["spend_usd"] = spent ? json::value(governance::to_usd(*spent)) : json::value(nullptr);
  if (p.max_budget_usd) {
    const int64_t limit = governance::to_nusd(*p.max_budget_usd);
    o["budget_remaining_usd"] =
        spent ? json::value(governance::to_usd(std::max<int64_t>(0, limit - *spent))) : json::value(nullptr);
    const governance::BudgetPeriod period = period_of(p);
    o["budget_resets_at"] =
        period == governance::BudgetPeriod::none
            ? json::value(nullptr)
            : json::value(filters::logging::format_time(
                  governance::period_end_us(period, spend_start(p, core::unix_now_us()))));
  }
}

}  // namespace torii::app
