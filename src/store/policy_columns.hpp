#pragma once
// The policy columns keys, teams and users share: model allow-list, budget
// and rate limits, as stored (validated by the admin API before).
#include <cstdint>
#include <optional>
#include <string>

#include "store/sqlite.hpp"

namespace torii::store {

struct PolicyColumns {
  std::string models_json = "[]";
  std::optional<double> max_budget_usd;
  std::string budget_period;  // "" = none
  std::optional<int64_t> rpm, tpm, max_parallel;
  // {"PATTERN": {"rpm": N, "tpm": N, "max_parallel": N}}: limits on the models a pattern matches.
  std::string model_limits_json = "{}";
  std::string guardrails_json = "[]";  // guardrail rule names (the config's guardrails section)
};

// Binds/reads max_budget_usd, budget_period, rpm, tpm, max_parallel,
// model_limits, guardrails from parameter/column `first` on (models_json is placed by
// each table).
inline void bind_limits(Statement& s, int first, const PolicyColumns& p) {
  s.bind(first, p.max_budget_usd);
  if (p.budget_period.empty()) s.bind_null(first + 1);
  else s.bind(first + 1, std::string_view(p.budget_period));
  int i = first + 2;
  for (const auto* v : {&p.rpm, &p.tpm, &p.max_parallel}) {
    if (*v) s.bind(i, **v);
    else s.bind_null(i);
    ++i;
  }
  s.bind(first + 5, std::string_view(p.model_limits_json));
  s.bind(first + 6, std::string_view(p.guardrails_json));
}

inline void read_limits(const Statement& s, int first, PolicyColumns& p) {
  if (!s.is_null(first)) p.max_budget_usd = s.real(first);
  p.budget_period = s.is_null(first + 1) ? std::string() : std::string(s.text(first + 1));
  int i = first + 2;
  for (auto* v : {&p.rpm, &p.tpm, &p.max_parallel}) {
    if (!s.is_null(i)) *v = s.int64(i);
    ++i;
  }
  if (!s.is_null(first + 5)) p.model_limits_json = std::string(s.text(first + 5));
  if (!s.is_null(first + 6)) p.guardrails_json = std::string(s.text(first + 6));
}

}  // namespace torii::store
