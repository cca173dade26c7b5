#pragma once
// Who a request is charged to: its key, the key's user and the key's team,
// each with its own policy (model allow-list, budget, rate limits) and its
// own counters. A request must pass every level that applies and is
// charged to each. Principals are rebuilt whenever the admin API or the
// config changes an entity; their counters outlive the rebuild (they are
// found again by level and id), so a PATCH does not reset a budget.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "governance/budget_counter.hpp"
#include "governance/budget_period.hpp"
#include "governance/rate_counter.hpp"

namespace torii::governance {

enum class Level { key, user, team };
std::string_view level_name(Level l);  // "key", "user", "team"

struct Policy {
  std::vector<std::string> models;  // allow-list (names or globs); empty = every model
  std::optional<int64_t> max_budget_nusd;
  BudgetPeriod budget_period = BudgetPeriod::none;
  std::optional<int64_t> rpm, tpm, max_parallel;
  std::vector<std::string> guardrails;  // rule names of the config's guardrails section

  bool limits_rate() const { return rpm || tpm || max_parallel; }
};

// Each on its own cache lines: two busy keys never share one.
struct alignas(64) Counters {
  RateCounter requests;
  alignas(64) RateCounter tokens;
  alignas(64) ParallelCounter parallel;
  alignas(64) BudgetCounter budget;
};

struct Principal {
  Level level = Level::key;
  std::string id;
  std::string label;  // alias or name, for messages ("" = the id)
  Policy policy;
  std::shared_ptr<Counters> counters;
  // Limits of this principal on some models only (`model_limits`): each a
  // principal of its own, with counters of its own, whose policy.models is
  // the one pattern it applies to and whose `scope` is that pattern.
  std::vector<std::shared_ptr<const Principal>> model_limits;
  std::string scope;

  // "key 'team-a'", "team 'research'", "key 'a' on models 'gpt-4o*'": how
  // error messages name it.
  std::string describe() const;
};

// The counters of (level, id), created on first use and shared by every
// principal built for it while any is alive. Not for the request path.
std::shared_ptr<Counters> counters_for(Level level, const std::string& id);

}  // namespace torii::governance
