#pragma once
// How keys, teams and users show their spend in the admin API (the policy
// fields they share are checked in admin_bodies.hpp).
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "app/admin_answer.hpp"
#include "app/admin_bodies.hpp"
#include "governance/principal.hpp"
#include "store/policy_columns.hpp"

namespace torii::app {

// What each entity spent in its budget's current period (in total when it
// has no budget), in one read of the ledger; nullopt where it cannot be read.
struct SpendOf {
  governance::Level level;
  const std::string* id;
  const store::PolicyColumns* policy;
};
std::vector<std::optional<int64_t>> period_spend(const std::vector<SpendOf>& of);
// Adds the policy fields and the spend (from period_spend): `spend_usd`,
// and for a budget `budget_remaining_usd` and `budget_resets_at`.
void add_policy_json(boost::json::object& o, const store::PolicyColumns& p, std::optional<int64_t> spent_nusd);

}  // namespace torii::app
