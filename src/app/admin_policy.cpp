#include "app/admin_policy.hpp"

#include <algorithm>
#include <iterator>
#include <vector>

#include "core/clock.hpp"
#include "core/hex.hpp"
#include "filters/logging/log_query.hpp"
#include "governance/ledger.hpp"
#include "governance/money.hpp"

namespace torii::app {

namespace json = boost::json;

std::string new_entity_id(const char* prefix) { return prefix + core::random_hex(8); }

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
        if (!(n.is_int64() || n.is_uint64()) || n.to_number<int64_t>() < 1 || n.to_number<int64_t>() > max)
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
    if (!(v.is_int64() || v.is_uint64()) || v.to_number<int64_t>() < 1 || v.to_number<int64_t>() > max)
      return bad("expected a whole number from 1 to " + std::to_string(max) + ", or null for no limit");
    dest = v.to_number<int64_t>();
  }
  return std::nullopt;
}

std::optional<Answer> check_policy(const store::PolicyColumns& p) {
  if (!p.budget_period.empty() && !p.max_budget_usd)
    return error_answer(400, "budget_period: a budget period needs max_budget_usd", "invalid_request", "budget_period");
  return std::nullopt;
}

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
