#pragma once
// The bodies of the admin API's create and patch calls (POST and PATCH on
// /admin/keys, /admin/teams, /admin/users, and a key's rotate): each field
// checked and applied to the row the store will keep, or a 400 naming the
// field (`param`). They do no store work of their own; whether a key's
// `team_id` or `user_id` exists is asked of the caller.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <boost/json.hpp>

#include "app/admin_answer.hpp"
#include "store/entity_store.hpp"
#include "store/key_store.hpp"
#include "store/policy_columns.hpp"

namespace torii::app {

// The policy fields keys, teams and users share: `models`, `max_budget_usd`,
// `budget_period`, `rpm`, `tpm`, `max_parallel`, `model_limits`, `guardrails`.
bool is_policy_field(const std::string& name);
// Applies one policy field; an error naming it when its value is wrong.
std::optional<Answer> apply_policy_field(const std::string& name, const boost::json::value& v, store::PolicyColumns& p);
// A budget period without a budget.
std::optional<Answer> check_policy(const store::PolicyColumns& p);

// Whether the team (`field` "team_id") or user ("user_id") `id` exists: an
// answer (400 team_not_found, 503 ...) when it does not, else nothing.
using MemberCheck = std::function<std::optional<Answer>(const std::string& field, const std::string& id)>;

// A key's create or patch body applied to `row`, in the body's order.
std::optional<Answer> apply_key_body(const boost::json::object& body, store::KeyRow& row, const MemberCheck& member);
// A team's or user's create or patch body applied to `row`.
std::optional<Answer> apply_entity_body(const boost::json::object& body, store::EntityRow& row);
// A rotate body (none, or {"grace_period_s": N}): the grace period in seconds.
std::optional<Answer> read_rotate_body(const std::optional<boost::json::object>& body, int64_t& grace_s);

}  // namespace torii::app
