#pragma once
// Prices and cost. The catalogue ships inside the binary (data/prices.json);
// a target's `price:` overrides it field by field. A model without a known
// price has no cost (nullopt), never a cost of 0.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llm/usage.hpp"

namespace torii::llm {

// USD per 1M tokens.
struct Rates {
  std::optional<double> input, output, cached_input, cache_write, reasoning;
};

struct Price {
  Rates base;
  // Prompts longer than `above_tokens` pay the tier's rates instead (fields
  // the tier leaves out keep the base rate).
  struct Tier {
    int64_t above_tokens = 0;
    Rates rates;
  };
  std::vector<Tier> tiers;

  // Input and output known: the least a price needs to give a cost.
  bool usable() const { return base.input && base.output; }
};

// The catalogue entry for an upstream model id: exact, else its family
// (dated snapshot, Bedrock or Vertex form). nullptr when unknown.
const Price* catalogue_price(std::string_view model_id);
// The date the catalogue's prices were taken.
std::string_view catalogue_priced_at();

// The catalogue's price with `override` laid over it field by field; nullopt
// when the result still lacks an input or an output rate.
std::optional<Price> resolve_price(std::string_view model_id, const Rates& override);

// USD for `usage` at `price` (estimated usage gives an estimated cost).
// Cached reads and cache writes without a rate of their own pay the input
// rate; reasoning without one pays the output rate.
std::optional<double> cost_usd(const Usage& usage, const std::optional<Price>& price);

// Shortest text that reads back as the same double ("0.000123"), as
// x-torii-cost-usd carries it.
std::string format_cost(double usd);

// The family a model id belongs to, as the catalogue keys it (exposed for tests).
std::string catalogue_key(std::string_view model_id);

}  // namespace torii::llm
