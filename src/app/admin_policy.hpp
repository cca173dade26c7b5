#pragma once
// The fields keys, teams and users share in the admin API: `models`,
// `max_budget_usd`, `budget_period`, `rpm`, `tpm`, `max_parallel` (checked
// here, on the admin thread, before they reach the store), and how an
// entity shows its spend.
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "app/admin_answer.hpp"
#include "governance/principal.hpp"
#include "store/policy_columns.hpp"

namespace torii::app {

// Whether `name` is a policy field.
bool is_policy_field(const std::string& name);
// Applies one policy field; an error naming it when its value is wrong.
std::optional<Answer> apply_policy_field(const std::string& name, const boost::json::value& v, store::PolicyColumns& p);
// A budget period without a budget, or a budget that cannot be read back.
std::optional<Answer> check_policy(const store::PolicyColumns& p);
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
