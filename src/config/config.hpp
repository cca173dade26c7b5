#pragma once
// The configuration file, parsed and validated. The schema is the public
// contract documented in README.md ("Configuration reference").
#include <any>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/error.hpp"

namespace torii {

struct ProviderConfig {
  std::string name;
  std::string type;  // canonical type after preset resolution, see provider_types()
  std::string preset;  // e.g. "groq" when type came from a preset; "" otherwise
  std::string api_key;
  std::string base_url;  // filled with the type's default when omitted
  std::vector<std::pair<std::string, std::string>> headers;  // extra upstream headers, in file order
  std::string api_version;  // azure
  std::string region;       // bedrock
  std::string access_key_id, secret_access_key, session_token;  // bedrock
  uint32_t timeout_ms = 600'000;         // whole upstream exchange
  uint32_t connect_timeout_ms = 10'000;  // TCP + TLS handshake
  int line = 0;  // where it was declared, for later diagnostics
};

// A target's `price:` (USD per 1M tokens): each field set here overrides the
// built-in catalogue's for the target's model.
struct PriceConfig {
  std::optional<double> input, output, cached_input, cache_write, reasoning;
};

struct TargetConfig {
  std::string provider;  // name of a ProviderConfig
  std::string model;     // upstream model id (azure: deployment name)
  uint32_t weight = 1;   // `weighted` strategy share
  PriceConfig price;
};

// What counts as a retryable failure: HTTP statuses plus transport classes.
struct RetryPolicy {
  uint32_t attempts = 0;  // total attempts on this model; 0 = one per target
  uint32_t backoff_ms = 100;
  uint32_t max_backoff_ms = 5000;
  std::vector<int> statuses{429, 500, 502, 503, 504};
  bool on_timeout = true;
  bool on_connect = true;
  bool configured = false;  // a `retry` section was present
};

struct TimeoutPolicy {
  uint32_t connect_ms = 0;      // 0 = the provider's connect_timeout_ms
  uint32_t first_token_ms = 0;  // 0 = none
  uint32_t total_ms = 0;        // 0 = the provider's timeout_ms
};

struct BreakerPolicy {
  uint32_t failures = 5;  // failures within window_ms that open the breaker
  uint32_t window_ms = 30'000;
  uint32_t cooldown_ms = 30'000;
  bool enabled = true;
};

struct ModelConfig {
  std::string name;
  // priority | weighted | round-robin | least-latency | p2c | least-busy | cost
  std::string strategy = "priority";
  std::vector<TargetConfig> targets;
  std::vector<std::string> fallbacks;                 // model names, in order
  std::vector<std::string> context_window_fallbacks;  // on context_length_exceeded
  std::vector<std::string> content_policy_fallbacks;  // on content_policy_violation
  RetryPolicy retry;
  TimeoutPolicy timeout;
  BreakerPolicy breaker;
  uint32_t hedge_after_ms = 0;  // 0 = no hedging
  // max_tokens sent to providers that require one (Anthropic) when the request
  // has none; 0 = the adapter's default.
  uint32_t default_max_tokens = 0;
  // The concerns' own fields of this model (config/section.hpp, add_model).
  std::map<std::string, std::any, std::less<>> sections;
  int line = 0;

  template <class T>
  const T* section(std::string_view section_name) const {
    auto it = sections.find(section_name);
    return it == sections.end() ? nullptr : std::any_cast<T>(&it->second);
  }
};

// Conditional routing: the first route whose conditions all hold replaces the
// requested model.
struct RouteConfig {
  std::vector<std::pair<std::string, std::string>> headers;  // name (any case) -> exact value
  std::string requested_model;  // "" = any
  std::string team;             // the caller's team, by id or name; "" = any
  std::string key_tag;          // a tag the caller's key carries; "" = any
  std::string model;            // model name to use
  int line = 0;
};

// Where the gateway keeps its state (request logs today; keys and spend next).
struct StoreConfig {
  // The SQLite database is {path}/torii.db, created on first start. A
  // relative path is taken from the config file's directory.
  std::string path = "./torii-data";
  std::string resolved_path;  // `path` made absolute against the config's directory
  bool fail_closed = true;    // on_store_error: closed (503) | open
  // redis://...: rate-limit and budget counters shared by every node ("" = in-process).
  std::string redis;
  // How long a reservation or an in-flight slot in Redis outlives a node
  // that died holding it (and a request that runs longer).
  uint32_t reservation_lease_s = 900;
  // postgresql://...: keys, teams, users, the spend ledger and the request log shared by every node ("" = the SQLite file).
  std::string postgres;
};

struct Config {
  std::string file;  // path it was loaded from
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 4000;
  int workers = 0;  // 0 = number of cores
  uint64_t max_body_bytes = 32ull * 1024 * 1024;
  uint64_t max_header_bytes = 64 * 1024;
  uint32_t idle_timeout_ms = 60'000;
  uint32_t read_timeout_ms = 30'000;
  uint32_t shutdown_grace_ms = 10'000;
  std::string log_level = "info";  // debug | info | warn | error
  bool admin_enabled = false;      // true when an `admin` section exists (guards /admin/*)
  std::vector<std::string> admin_keys;
  bool watch = false;              // reload when the file changes
  std::vector<ProviderConfig> providers;
  std::vector<ModelConfig> models;
  std::vector<RouteConfig> routes;
  StoreConfig store;

  // The sections concerns read themselves (config/section.hpp), by name,
  // with the YAML each was read from (to tell what a reload changed).
  std::map<std::string, std::any, std::less<>> sections;
  std::map<std::string, std::string, std::less<>> section_sources;

  // A concern's parsed section, or nullptr when the file has none.
  template <class T>
  const T* section(std::string_view name) const {
    auto it = sections.find(name);
    return it == sections.end() ? nullptr : std::any_cast<T>(&it->second);
  }
};


struct ConfigResult {
  std::optional<Config> config;      // set only when errors is empty
  std::vector<ConfigError> errors;
};

namespace config { class Sections; }

// Reads and validates a config file. `${VAR}` and `${VAR:-default}` in scalar
// values are expanded from the environment (getenv).
ConfigResult load_config_file(const std::string& path);
// Same, from text; `file` is only used in error messages.
ConfigResult load_config_text(const std::string& text, const std::string& file);
// Same, with the given concern sections instead of the built-in ones.
ConfigResult load_config_text(const std::string& text, const std::string& file,
                              const config::Sections& sections);

// Parses "host:port", "[v6]:port" or ":port". Returns false on bad input.
bool parse_listen(const std::string& text, std::string& host, uint16_t& port);

const std::vector<std::string>& routing_strategies();

// Canonical provider types and the presets that map onto them.
const std::vector<std::string>& provider_types();   // openai, openai-compatible, azure, anthropic, ...
struct Preset { const char* name; const char* base_url; };
const std::vector<Preset>& provider_presets();       // groq, mistral, ...
// Default base URL of a canonical type; "" when the type requires one.
std::string default_base_url(const std::string& type);

}  // namespace torii
