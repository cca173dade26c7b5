#include "filters/metering/estimate.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "routing/model_table.hpp"

namespace torii::filters::metering {

namespace {

struct Rates {
  double input = 0, output = 0;  // USD per 1M tokens
  uint32_t default_max_tokens = 0;  // the largest of the chain's models
  bool hedged = false;  // a model of the chain hedges: a losing attempt bills its prompt too
};

void widen(Rates& r, const llm::Rates& rates) {
  for (const auto& v : {rates.input, rates.cache_write, rates.cached_input})
    if (v) r.input = std::max(r.input, *v);
  for (const auto& v : {rates.output, rates.reasoning})
    if (v) r.output = std::max(r.output, *v);
}

// Depth-first over the model and its fallbacks, each model once.
void collect(const routing::Model& m, Rates& r, std::string& unpriced, std::vector<const routing::Model*>& seen) {
  if (std::find(seen.begin(), seen.end(), &m) != seen.end() || seen.size() > 64) return;
  seen.push_back(&m);
  r.default_max_tokens = std::max(r.default_max_tokens, m.default_max_tokens);
  r.hedged = r.hedged || (m.hedge_after_ms > 0 && m.targets.size() > 1);
  for (const auto& t : m.targets) {
    if (!t.price) {
      if (unpriced.empty()) unpriced = (t.provider ? t.provider->name : std::string("?")) + "/" + t.model;
      continue;
    }
    widen(r, t.price->base);
    for (const auto& tier : t.price->tiers) widen(r, tier.rates);
  }
  for (const auto* list : {&m.fallbacks, &m.context_window_fallbacks, &m.content_policy_fallbacks})
    for (const auto* f : *list)
      if (f) collect(*f, r, unpriced, seen);
}

}  // namespace

MaxCost max_cost(const pipeline::Admission& a) {
  MaxCost out;
  Rates r;
  std::vector<const routing::Model*> seen;
  collect(*a.model, r, out.unpriced, seen);
  out.input_tokens = int64_t((a.body_bytes + 2) / 3);
  if (a.produces_output) {
    const int64_t cap = a.max_output_tokens >= 0   ? a.max_output_tokens
                        : r.default_max_tokens > 0 ? int64_t(r.default_max_tokens)
                                                   : kReservedOutputTokens;
    if (a.max_output_tokens < 0) out.output_cap = cap;
    const int64_t each = std::min(kMaxTokens, cap + std::clamp<int64_t>(a.thinking_tokens, 0, kMaxTokens));
    // Saturated: a request asking for more than this is refused by any budget.
    out.output_tokens = std::min<int64_t>(kMaxTokens, each * std::min<int64_t>(a.choices, kMaxTokens / std::max<int64_t>(1, each)));
  }
  // Nano-dollars, rounded up: USD per 1M tokens is 1000 nano-dollars a token.
  const double prompts = r.hedged ? 2.0 : 1.0;
  const double nusd =
      prompts * double(out.input_tokens) * r.input * 1000.0 + double(out.output_tokens) * r.output * 1000.0;
  out.nusd = nusd >= double(kMaxNusd) ? kMaxNusd : int64_t(std::ceil(nusd));
  return out;
}

int64_t rate_tokens(const pipeline::Admission& a) {
  const int64_t each = !a.produces_output ? 0 : a.max_output_tokens >= 0 ? a.max_output_tokens : kDefaultOutputTokens;
  const int64_t out = each == 0 ? 0 : each * std::min<int64_t>(a.choices, kMaxTokens / each);
  return std::min<int64_t>(kMaxTokens, int64_t((a.body_bytes + 3) / 4) + std::min<int64_t>(out, kMaxTokens));
}

}  // namespace torii::filters::metering
