#include "filters/auth/static_keys.hpp"

#include <boost/json.hpp>
#include <set>

#include "config/reader.hpp"
#include "config/section.hpp"
#include "core/hex.hpp"
#include "core/log.hpp"
#include "filters/logging/log_time.hpp"
#include "governance/budget_period.hpp"
#include "governance/ledger.hpp"

namespace torii::filters {

namespace json = boost::json;

namespace {

void parse_one(config::Reader& reader, const YAML::Node& node, const std::string& path, StaticKey& k) {
  for (const config::Field& f :
       reader.fields(node, path,
                     {"key", "alias", "team_id", "user_id", "models", "max_budget_usd", "budget_period", "rpm", "tpm",
                      "max_parallel", "model_limits", "guardrails", "expires_at", "metadata", "tags", "blocked"})) {
    const std::string key = config::Reader::join(path, f.name);
    const int line = config::Reader::value_line(f);
    if (f.name == "key" || f.name == "alias" || f.name == "team_id" || f.name == "user_id") {
      auto v = reader.string_field(f, path);
      if (!v) continue;
      std::string& dest = f.name == "key" ? k.secret : f.name == "alias" ? k.alias : f.name == "team_id" ? k.team_id : k.user_id;
      dest = *v;
      if (f.name == "key" && !v->empty() && v->size() < 8) reader.error(line, key, "a key must have at least 8 characters");
    } else if (f.name == "models" || f.name == "tags" || f.name == "guardrails") {
      std::vector<std::string> list;
      if (!reader.string_list(f, path, list)) continue;
      if (f.name == "tags") k.tags = list;
      else if (f.name == "models") k.policy.models_json = json::serialize(json::value_from(list));
      else {
        k.policy.guardrails_json = json::serialize(json::value_from(list));
        k.guardrails = std::move(list);
        k.guardrails_line = line;
      }
    } else if (f.name == "max_budget_usd") {
      k.policy.max_budget_usd = reader.double_field(f, path);
    } else if (f.name == "budget_period") {
      auto v = reader.string_field(f, path);
      if (!v) continue;
      if (!governance::parse_budget_period(*v)) reader.error(line, key, "expected 1h, 1d, 7d, 30d or month, got '" + *v + "'");
      else k.policy.budget_period = *v;
    } else if (f.name == "rpm" || f.name == "tpm" || f.name == "max_parallel") {
      const uint64_t max = f.name == "tpm" ? 1'000'000'000'000ull : f.name == "rpm" ? 1'000'000'000ull : 1'000'000ull;
      if (auto v = reader.uint_field(f, path, 1, max))
        (f.name == "rpm" ? k.policy.rpm : f.name == "tpm" ? k.policy.tpm : k.policy.max_parallel) = int64_t(*v);
    } else if (f.name == "model_limits") {
      if (!reader.is_map(f, path)) continue;
      json::object limits;
      for (auto it = f.value.begin(); it != f.value.end(); ++it) {
        // as<std::string>() would throw out of the loader on a key that is a list or a map.
        if (!it->first.IsScalar()) {
          reader.error(config::Reader::line_of(it->first), key, "model names or globs must be plain strings");
          continue;
        }
        const std::string pattern = it->first.Scalar();
        const std::string where = key + "." + pattern;
        json::object one;
        if (it->second.IsMap()) {
          for (const config::Field& x : reader.fields(it->second, where, {"rpm", "tpm", "max_parallel"})) {
            const uint64_t max = x.name == "tpm" ? 1'000'000'000'000ull : x.name == "rpm" ? 1'000'000'000ull : 1'000'000ull;
            if (auto v = reader.uint_field(x, where, 1, max)) one[x.name] = int64_t(*v);
          }
        }
        if (one.empty()) reader.error(config::Reader::line_of(it->second), where, "expected a map with rpm, tpm and/or max_parallel");
        limits[pattern] = std::move(one);
      }
      if (limits.size() > 16) reader.error(line, key, "at most 16 model names or globs");
      k.policy.model_limits_json = json::serialize(limits);
    } else if (f.name == "expires_at") {
      auto v = reader.string_field(f, path);
      int64_t us = 0;
      if (v && !logging::parse_time(*v, us)) reader.error(line, key, "expected an RFC 3339 time such as 2027-01-31T00:00:00Z");
      else if (v) k.expires_at_us = us;
    } else if (f.name == "metadata") {
      if (!reader.is_map(f, path)) continue;
      json::object o;
      for (auto it = f.value.begin(); it != f.value.end(); ++it)
        if (!it->first.IsScalar()) reader.error(config::Reader::line_of(it->first), key, "keys must be plain strings");
        else if (it->second.IsScalar()) o[it->first.Scalar()] = it->second.Scalar();
        else reader.error(config::Reader::line_of(it->second), key, "expected a map of strings");
      k.metadata_json = json::serialize(o);
    } else if (f.name == "blocked") {
      if (auto v = reader.bool_field(f, path)) k.blocked = *v;
    }
  }
  if (k.secret.empty()) reader.error(config::Reader::line_of(node), path, "'key' is required (the secret clients send)");
  if (k.policy.budget_period.size() && !k.policy.max_budget_usd)
    reader.error(config::Reader::line_of(node), path + ".budget_period", "a budget_period needs a max_budget_usd");
}

}  // namespace

std::any parse_static_keys(config::Reader& reader, const config::Field& field) {
  StaticKeysSection section;
  if (!reader.is_list(field, "")) return section;
  std::set<std::string> secrets, aliases;
  size_t i = 0;
  for (auto it = field.value.begin(); it != field.value.end(); ++it, ++i) {
    const std::string path = config::Reader::index("keys", i);
    YAML::Node node = *it;
    if (!node.IsMap()) {
      reader.error(config::Reader::line_of(node), path, "expected a map with 'key' and the key's fields");
      continue;
    }
    StaticKey k;
    parse_one(reader, node, path, k);
    if (!k.secret.empty() && !secrets.insert(k.secret).second)
      reader.error(config::Reader::line_of(node), path + ".key", "the same key is declared twice");
    if (!k.alias.empty() && !aliases.insert(k.alias).second)
      reader.error(config::Reader::line_of(node), path + ".alias", "the alias '" + k.alias + "' is declared twice");
    section.keys.push_back(std::move(k));
  }
  return section;
}

std::string describe_static_keys(const std::any& v) {
  const auto& s = std::any_cast<const StaticKeysSection&>(v);
  json::array out;
  for (const auto& k : s.keys) {
    json::object o;
    o["key"] = config::mask_secret(k.secret);
    if (!k.alias.empty()) o["alias"] = k.alias;
    if (!k.team_id.empty()) o["team_id"] = k.team_id;
    if (!k.user_id.empty()) o["user_id"] = k.user_id;
    o["models"] = json::parse(k.policy.models_json);
    if (k.policy.guardrails_json != "[]") o["guardrails"] = json::parse(k.policy.guardrails_json);
    if (k.policy.max_budget_usd) o["max_budget_usd"] = *k.policy.max_budget_usd;
    if (!k.policy.budget_period.empty()) o["budget_period"] = k.policy.budget_period;
    if (k.policy.rpm) o["rpm"] = *k.policy.rpm;
    if (k.policy.tpm) o["tpm"] = *k.policy.tpm;
    if (k.policy.max_parallel) o["max_parallel"] = *k.policy.max_parallel;
    if (k.blocked) o["blocked"] = true;
    out.push_back(std::move(o));
  }
  return json::serialize(out);
}

StaticKeyTable build_static_keys(const StaticKeysSection& section) {
  StaticKeyTable table;
  std::vector<const governance::Principal*> principals;
  for (const auto& s : section.keys) {
    const std::string hash = core::sha256_hex(s.secret);
    auto k = std::make_shared<VirtualKey>();
    k->id = "cfg-" + (s.alias.empty() ? hash.substr(0, 12) : s.alias);
    k->alias = s.alias;
    k->team_id = s.team_id;
    k->user_id = s.user_id;
    k->expires_at_us = s.expires_at_us;
    k->blocked = s.blocked;
    k->tags = s.tags;
    k->principal = make_principal(governance::Level::key, k->id, s.alias, s.policy);
    principals.push_back(k->principal.get());
    table[hash] = std::move(k);
  }
  std::string error;
  if (!principals.empty() && governance::Ledger::running() && !seed_budgets(principals, error))
    log::error("static keys: cannot read their spend from the ledger: {}", error);
  return table;
}

}  // namespace torii::filters
