#pragma once
// The models clients can ask for, compiled from the config: each with its
// targets, strategy and reliability policies. A request names a configured
// model, or "provider/model" directly (one target, default policies).
#include <atomic>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "http/message.hpp"
#include "llm/pricing.hpp"
#include "providers/caller.hpp"
#include "providers/provider.hpp"
#include "routing/strategy.hpp"

namespace torii::routing {

constexpr size_t kNoSlot = std::numeric_limits<size_t>::max();

struct Target {
  const providers::Provider* provider = nullptr;
  std::string model;  // upstream model id
  uint32_t weight = 1;
  // The catalogue's price for the model with the config's overrides; unset
  // when either rate is unknown (then cost is unknown, never 0).
  std::optional<llm::Price> price;
  double rank_price = 0;  // input + output, for the `cost` strategy (0 = unknown, sorts last)
  // What its health record is keyed by: the same target in the next config
  // snapshot keeps its breaker and latency.
  std::string identity;
  size_t slot = kNoSlot;  // index of its health record; kNoSlot for direct requests
};

struct Model {
  std::string name;
  Strategy strategy = Strategy::priority;
  std::vector<Target> targets;
  std::vector<const Model*> fallbacks, context_window_fallbacks, content_policy_fallbacks;
  RetryPolicy retry;
  TimeoutPolicy timeout;
  BreakerPolicy breaker;
  uint32_t hedge_after_ms = 0;
  uint32_t default_max_tokens = 0;
  size_t index = kNoSlot;  // position among the configured models; kNoSlot for direct requests
};

// The catalogue's price for `model` with the config's fields laid over it.
std::optional<llm::Price> target_price(std::string_view model, const PriceConfig& config);

// Whether any target of `m` can serve `e`.
bool serves(const Model& m, providers::Endpoint e);
// "/v1/chat/completions, /v1/embeddings": what some target of `m` serves.
std::string served_endpoints(const Model& m);

// A model name a client may send: printable, no control characters (a name
// is echoed in headers and logs), at most 256 bytes.
bool acceptable_model_name(std::string_view name);

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

class ModelTable {
 public:
  using ProviderMap = std::unordered_map<std::string, const providers::Provider*, StringHash, std::equal_to<>>;

  ModelTable(const Config& config, const ProviderMap& providers);

  const Model* find(std::string_view name) const;
  // "provider/model" for a configured provider: fills `out` with one target.
  bool direct(std::string_view requested, Model& out) const;
  // The model a matching `routes` entry sends this request to, or nullptr.
  const Model* route(const http::Headers& headers, std::string_view requested,
                     const providers::Caller& caller = {}) const;
  // The model a request naming `requested` goes to: a matching route, else a
  // configured name, else "provider/model" (built in `direct`). nullptr when
  // none applies.
  const Model* resolve(const http::Headers& headers, std::string_view requested, Model& direct,
                       const providers::Caller& caller = {}) const;

  const std::vector<std::string>& model_names() const { return names_; }
  const std::vector<std::unique_ptr<Model>>& models() const { return models_; }
  size_t slot_count() const { return slots_; }

 private:
  struct Route {
    std::vector<std::pair<std::string, std::string>> headers;
    std::string requested_model;
    std::string team, key_tag;
    const Model* model = nullptr;
  };
  std::vector<std::unique_ptr<Model>> models_;
  std::unordered_map<std::string, const Model*, StringHash, std::equal_to<>> by_name_;
  std::vector<std::string> names_;
  std::vector<Route> routes_;
  const ProviderMap& providers_;
  size_t slots_ = 0;
};

}  // namespace torii::routing
