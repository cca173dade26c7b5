#include "app/admin_bodies.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "filters/logging/log_time.hpp"
#include "governance/budget_period.hpp"

namespace torii::app {

namespace json = boost::json;

namespace {

// A whole number from `min` to `max`: to_number<int64_t>() would throw on a
// uint64 above INT64_MAX (18446744073709551615).
std::optional<int64_t> whole_number(const json::value& v, int64_t min, int64_t max) {
  if (v.is_int64() && v.get_int64() >= min && v.get_int64() <= max) return v.get_int64();
  if (v.is_uint64() && max >= 0 && v.get_uint64() <= uint64_t(max) && int64_t(v.get_uint64()) >= min)
    return int64_t(v.get_uint64());
  return std::nullopt;
}

// No number beyond a double's range: boost::json reads 1e400 as an
// infinity and writes it back as `Infinity`, which the row's JSON column
// would keep and every later read of the entity (GET, the key table) fail on.
bool finite_numbers(const json::value& v) {
  if (v.is_double()) return std::isfinite(v.get_double());
  if (v.is_array()) return std::all_of(v.get_array().begin(), v.get_array().end(), finite_numbers);
  if (v.is_object())
    return std::all_of(v.get_object().begin(), v.get_object().end(),
                       [](const json::key_value_pair& kv) { return finite_numbers(kv.value()); });
  return true;
}

}  // namespace

bool is_policy_field(const std::string& n) {
  static const char* names[] = {"models", "max_budget_usd", "budget_period", "rpm", "tpm", "max_parallel",
                                "model_limits", "guardrails"};
  return std::find(std::begin(names), std::end(names), n) != std::end(names);
}

std::optional<Answer> apply_policy_field(const std::string& key, const json::value& v, store::PolicyColumns& p) {
  auto bad = [&](const std::string& what) { return error_answer(400, key + ": " + what, "invalid_request", key); };
  if (key == "models") {
    if (!v.is_array()) return bad("expected a list of model names or globs");
    for (const auto& item : v.as_array())
      if (!item.is_string() || item.as_string().empty() || item.as_string().size() > 256)
        return bad("expected a list of non-empty strings (at most 256 characters each)");
    p.models_json = json::serialize(v);
  } else if (key == "guardrails") {
    // Names of rules of the config's guardrails section (checked by the
    // worker against the running config before the call comes here).
    if (!v.is_array() || v.as_array().size() > 32) return bad("expected a list of at most 32 guardrail rule names");
    for (const auto& item : v.as_array())
      if (!item.is_string() || item.as_string().empty() || item.as_string().size() > 128)
        return bad("expected a list of rule names (1 to 128 characters each)");
    p.guardrails_json = json::serialize(v);
  } else if (key == "model_limits") {
    if (v.is_null()) {
      p.model_limits_json = "{}";
      return std::nullopt;
    }
    if (!v.is_object() || v.as_object().size() > 16)
      return bad("expected an object of at most 16 model names or globs, each with rpm, tpm and/or max_parallel");
    for (const auto& [pattern, limits] : v.as_object()) {
      const std::string where = "model_limits." + std::string(pattern);
      if (pattern.empty() || pattern.size() > 256)
        return error_answer(400, key + ": a model name or glob has 1 to 256 characters", "invalid_request", key);
      if (!limits.is_object() || limits.as_object().empty())
        return error_answer(400, where + ": expected an object with rpm, tpm and/or max_parallel", "invalid_request", key);
      for (const auto& [name, n] : limits.as_object()) {
        const int64_t max = name == "tpm" ? 1'000'000'000'000 : name == "rpm" ? 1'000'000'000 : 1'000'000;
        if (name != "rpm" && name != "tpm" && name != "max_parallel")
          return error_answer(400, where + "." + std::string(name) + ": unknown field (rpm, tpm or max_parallel)",
                              "invalid_request", key);
        if (!whole_number(n, 1, max))
          return error_answer(400, where + "." + std::string(name) + ": expected a whole number from 1 to " + std::to_string(max),
                              "invalid_request", key);
      }
    }
    p.model_limits_json = json::serialize(v);
  } else if (key == "max_budget_usd") {
    if (v.is_null()) {
      p.max_budget_usd.reset();
      p.budget_period.clear();
      return std::nullopt;
    }
    if (!v.is_number()) return bad("expected a number of US dollars (0 or more), or null for no budget");
    const double usd = v.to_number<double>();
    if (!(usd >= 0) || usd > 1e9) return bad("expected 0 to 1000000000 US dollars");
    p.max_budget_usd = usd;
  } else if (key == "budget_period") {
    if (v.is_null()) {
      p.budget_period.clear();
      return std::nullopt;
    }
    if (!v.is_string() || !governance::parse_budget_period(v.as_string()))
      return bad("expected one of 1h, 1d, 7d, 30d, month, or null (the budget never resets)");
    p.budget_period = std::string(v.as_string());
  } else {  // rpm, tpm, max_parallel
    auto& dest = key == "rpm" ? p.rpm : key == "tpm" ? p.tpm : p.max_parallel;
    if (v.is_null()) {
      dest.reset();
      return std::nullopt;
    }
    const int64_t max = key == "tpm" ? 1'000'000'000'000 : key == "rpm" ? 1'000'000'000 : 1'000'000;
    const std::optional<int64_t> n = whole_number(v, 1, max);
    if (!n) return bad("expected a whole number from 1 to " + std::to_string(max) + ", or null for no limit");
    dest = *n;
  }
  return std::nullopt;
}

std::optional<Answer> check_policy(const store::PolicyColumns& p) {
  if (!p.budget_period.empty() && !p.max_budget_usd)
    return error_answer(400, "budget_period: a budget period needs max_budget_usd", "invalid_request", "budget_period");
  return std::nullopt;
}

namespace {

// The fields keys and entities (teams, users) share: the policy columns,
// metadata and blocked. False when `key` is none of them; `error` is set
// when it is one and its value is refused.
bool apply_shared_field(const std::string& key, const json::value& v, store::PolicyColumns& policy,
                        std::string& metadata_json, bool& blocked, std::optional<Answer>& error) {
  auto bad = [&](const std::string& what) { return error_answer(400, key + ": " + what, "invalid_request", key); };
  if (is_policy_field(key)) {
    error = apply_policy_field(key, v, policy);
  } else if (key == "metadata") {
    if (!v.is_object()) error = bad("expected a JSON object");
    else if (!finite_numbers(v)) error = bad("numbers must be within a double's range");
    else metadata_json = json::serialize(v);
  } else if (key == "blocked") {
    if (!v.is_bool()) error = bad("expected true or false");
    else blocked = v.as_bool();
  } else {
    return false;
  }
  return true;
}

}  // namespace

std::optional<Answer> apply_key_body(const json::object& body, store::KeyRow& row, const MemberCheck& member) {
  for (const auto& kv : body) {
    const std::string key(kv.key());
    const json::value& v = kv.value();  // not a structured binding: the lambdas below capture it
    auto bad = [&](const std::string& what) { return error_answer(400, key + ": " + what, "invalid_request", key); };
    auto optional_text = [&](std::string& dest, size_t max) -> std::optional<Answer> {
      if (v.is_null()) {
        dest.clear();
        return std::nullopt;
      }
      if (!v.is_string() || v.as_string().empty() || v.as_string().size() > max)
        return bad(max == 128 ? "expected a string of 1 to 128 characters, or null"
                              : "expected a string of 1 to 256 characters, or null");
      dest = std::string(v.as_string());
      return std::nullopt;
    };
    if (key == "alias") {
      if (auto e = optional_text(row.alias, 128)) return e;
    } else if (key == "team_id" || key == "user_id") {
      std::string& dest = key == "team_id" ? row.team_id : row.user_id;
      if (auto e = optional_text(dest, 256)) return e;
      if (dest.empty()) continue;
      if (auto e = member(key, dest)) return e;
    } else if (std::optional<Answer> e; apply_shared_field(key, v, row.policy, row.metadata_json, row.blocked, e)) {
      if (e) return e;
    } else if (key == "tags") {
      if (!v.is_array()) return bad("expected a list of strings");
      for (const auto& item : v.as_array())
        if (!item.is_string() || item.as_string().empty() || item.as_string().size() > 256)
          return bad("expected a list of non-empty strings (at most 256 characters each)");
      row.tags_json = json::serialize(v);
    } else if (key == "expires_at") {
      if (v.is_null()) {
        row.expires_at_us.reset();
        continue;
      }
      int64_t us = 0;
      if (!v.is_string() || !filters::logging::parse_time(v.as_string(), us))
        return bad("expected an RFC 3339 time such as 2027-01-31T00:00:00Z, or null");
      row.expires_at_us = us;
    } else {
      return bad("unknown field");
    }
  }
  return check_policy(row.policy);
}

std::optional<Answer> apply_entity_body(const json::object& body, store::EntityRow& row) {
  for (const auto& [k, v] : body) {
    const std::string key(k);
    auto bad = [&](const std::string& what) { return error_answer(400, key + ": " + what, "invalid_request", key); };
    if (key == "name") {
      if (v.is_null()) {
        row.name.clear();
      } else if (!v.is_string() || v.as_string().empty() || v.as_string().size() > 128) {
        return bad("expected a string of 1 to 128 characters, or null");
      } else {
        row.name = std::string(v.as_string());
      }
    } else if (std::optional<Answer> e; apply_shared_field(key, v, row.policy, row.metadata_json, row.blocked, e)) {
      if (e) return e;
    } else {
      return bad("unknown field");
    }
  }
  return check_policy(row.policy);
}

std::optional<Answer> read_rotate_body(const std::optional<json::object>& body, int64_t& grace) {
  grace = 0;
  if (!body) return std::nullopt;
  for (const auto& [k, v] : *body) {
    if (k != "grace_period_s")
      return error_answer(400, std::string(k) + ": unknown field", "invalid_request", std::string(k));
    if (!v.is_int64() && !v.is_uint64())
      return error_answer(400, "grace_period_s: expected whole seconds", "invalid_request", "grace_period_s");
    const std::optional<int64_t> n = whole_number(v, 0, 30 * 86400);
    if (!n)
      return error_answer(400, "grace_period_s: expected 0 to 2592000 (30 days)", "invalid_request",
                          "grace_period_s");
    grace = *n;
  }
  return std::nullopt;
}

}  // namespace torii::app
