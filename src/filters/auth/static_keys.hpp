#pragma once
// The `keys:` section: virtual keys declared in the config (GitOps), with
// the same fields as the admin API. They are looked up like stored keys (by
// the SHA-256 of the secret) and charged like them; their id is "cfg-" and
// the alias (else the first 12 hex digits of the hash), so their spend and
// counters survive edits of the file. The config is their only source: the
// admin API lists none of them and cannot change them.
#include <any>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "filters/auth/virtual_keys.hpp"
#include "store/policy_columns.hpp"

namespace torii::config {
class Reader;
struct Field;
}  // namespace torii::config

namespace torii::filters {

struct StaticKey {
  std::string secret;
  std::string alias, team_id, user_id;
  store::PolicyColumns policy;
  std::optional<int64_t> expires_at_us;
  std::string metadata_json = "{}";
  std::vector<std::string> tags;
  bool blocked = false;
  std::vector<std::string> guardrails;  // rule names, checked against the guardrails section
  int guardrails_line = 0;
};

struct StaticKeysSection {
  std::vector<StaticKey> keys;
};

inline const StaticKeysSection* static_keys_section(const Config& config) {
  return config.section<StaticKeysSection>("keys");
}

// The section's parser and its /admin/config description (secrets masked).
std::any parse_static_keys(config::Reader& reader, const config::Field& field);
std::string describe_static_keys(const std::any& section);

// The keys by the SHA-256 of their secret, with their principals (budgets
// seeded from the ledger when it runs).
using StaticKeyTable = std::unordered_map<std::string, std::shared_ptr<const VirtualKey>>;
StaticKeyTable build_static_keys(const StaticKeysSection& section);

}  // namespace torii::filters
