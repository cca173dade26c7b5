#pragma once
// The `cache:` section, gateway-wide and per model. A model's own `cache:`
// overrides the gateway's field by field, so every field is optional until
// the two are laid over each other (effective()).
#include <cstdint>
#include <optional>
#include <string>

#include "config/config.hpp"

namespace torii::filters::cache {

enum class Mode { off, exact, semantic };  // semantic tries exact first
// Whose answers a request may be served: everyone's, its key's (default),
// its team's or its end user's, or the x-torii-cache-namespace header's.
enum class Scope { global, per_key, per_team, per_user, header };

struct Fields {
  std::optional<Mode> mode;
  std::optional<uint32_t> ttl_s;
  std::optional<Scope> scope;
  std::optional<uint64_t> max_entry_bytes;
  std::optional<double> max_temperature;  // requests above it are not cached
  std::optional<std::string> embedding_model;
  std::optional<double> threshold;
  std::optional<uint32_t> timeout_ms;
  std::optional<bool> tool_results;  // look up semantically when the last turn is a tool result
};

struct GatewayCache {
  Fields fields;
  uint64_t max_bytes = 256ull << 20;  // the in-memory store's cap (all entries)
  uint32_t max_entries = 100'000;     // the semantic index's cap per node
};

// What applies to one model.
struct Settings {
  Mode mode = Mode::off;
  uint32_t ttl_s = 3600;
  Scope scope = Scope::per_key;
  uint64_t max_entry_bytes = 1 << 20;
  std::optional<double> max_temperature;
  std::string embedding_model;
  double threshold = 0.95;
  uint32_t timeout_ms = 1000;
  bool tool_results = false;
};

Settings effective(const GatewayCache* gateway, const Fields* model);

const char* mode_name(Mode m);
const char* scope_name(Scope s);

}  // namespace torii::filters::cache

namespace torii::config {
struct Section;
}

namespace torii::filters::cache {
config::Section gateway_section();  // `cache:` at the top
config::Section model_section();    // `cache:` in a `models` entry
}  // namespace torii::filters::cache
