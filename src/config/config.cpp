#include "config/config.hpp"
#include "store/redis/redis_url.hpp"

#include "config/reader.hpp"
#include "config/section.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <limits>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>

namespace torii {

std::string ConfigError::to_string() const {
  // Omitting the unknown parts keeps "FILE: cannot open" readable instead of
  // printing a meaningless ":0:" or an empty key.
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  out += ": ";
  if (!key.empty()) out += key + ": ";
  out += message;
  return out;
}

const std::vector<std::string>& routing_strategies() {
  static const std::vector<std::string> names = {
      "priority", "weighted", "round-robin", "least-latency", "p2c", "least-busy", "cost",
  };
  return names;
}

const std::vector<std::string>& provider_types() {
  static const std::vector<std::string> types = {
      "openai", "openai-compatible", "azure", "anthropic", "gemini", "bedrock", "cohere", "mock",
  };
  return types;
}

const std::vector<Preset>& provider_presets() {
  static const std::vector<Preset> presets = {
      {"groq", "https://api.groq.com/openai/v1"},
      {"mistral", "https://api.mistral.ai/v1"},
      {"deepseek", "https://api.deepseek.com/v1"},
      {"xai", "https://api.x.ai/v1"},
      {"together", "https://api.together.xyz/v1"},
      {"fireworks", "https://api.fireworks.ai/inference/v1"},
      {"openrouter", "https://openrouter.ai/api/v1"},
      {"perplexity", "https://api.perplexity.ai"},
      {"ollama", "http://localhost:11434/v1"},
      {"vllm", "http://localhost:8000/v1"},
  };
  return presets;
}

std::string default_base_url(const std::string& type) {
  if (type == "openai") return "https://api.openai.com/v1";
  if (type == "anthropic") return "https://api.anthropic.com";
  if (type == "gemini") return "https://generativelanguage.googleapis.com";
  if (type == "cohere") return "https://api.cohere.com";
  // bedrock's URL depends on the region, openai-compatible and azure point at
  // the user's own endpoint, and mock is served in-process.
  return "";
}

bool parse_listen(const std::string& text, std::string& host, uint16_t& port) {
  std::string h;
  std::string_view rest;
  std::string_view t = text;
  if (!t.empty() && t.front() == '[') {
    auto close = t.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    h = std::string(t.substr(1, close - 1));
    if (h.find_first_of("[] \t") != std::string::npos) return false;
    rest = t.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return false;
    rest.remove_prefix(1);
  } else {
    auto colon = t.find(':');
    // A second colon means an unbracketed IPv6 address, where the port cannot
    // be told apart from the last group.
    if (colon == std::string_view::npos || t.find(':', colon + 1) != std::string_view::npos)
      return false;
    h = std::string(t.substr(0, colon));
    if (h.find_first_of("[] \t") != std::string::npos) return false;
    rest = t.substr(colon + 1);
    if (h.empty()) h = "0.0.0.0";
  }
  if (rest.empty() || rest.size() > 5) return false;
  unsigned value = 0;
  for (char c : rest) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return false;
  host = std::move(h);
  port = static_cast<uint16_t>(value);
  return true;
}

namespace {

using config::Field;
using config::Reader;
using config::suggestion;

constexpr uint64_t kU32Max = std::numeric_limits<uint32_t>::max();

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  return out;
}

// Where a deferred "does this provider exist" check has to point.
struct ProviderRef {
  std::string name;
  int line;
  std::string key;
};

class Parser : public Reader {
 public:
  Parser(std::string file, const config::Sections& sections) : Reader(std::move(file)), sections_(sections) {}

  void parse(const YAML::Node& root, Config& cfg);

 private:
  void parse_providers(const Field& f, Config& cfg);
  void parse_provider(const YAML::Node& node, const std::string& path, ProviderConfig& p);
  void parse_models(const Field& f, Config& cfg);
  void parse_model(const YAML::Node& node, const std::string& path, ModelConfig& m);
  void parse_headers(const Field& f, const std::string& path, ProviderConfig& p);
  void parse_model_list(const Field& f, const std::string& path, std::vector<std::string>& dest);
  void parse_retry(const Field& f, const std::string& path, RetryPolicy& r);
  void parse_routes(const Field& f, Config& cfg);
  void parse_store(const Field& f, Config& cfg);

  const config::Sections& sections_;
  std::vector<ProviderRef> refs_;
  std::vector<ProviderRef> model_refs_;  // fallbacks and routes naming models
  // Every provider name written in the file, even on an otherwise broken
  // entry, so one mistake does not also fail every model that uses it.
  std::vector<std::string> provider_names_;
};

void Parser::parse(const YAML::Node& root, Config& cfg) {
  std::vector<std::string_view> known = {
      "listen",           "workers",         "max_body_bytes",    "max_header_bytes",
      "idle_timeout_ms",  "read_timeout_ms", "shutdown_grace_ms", "log_level",
      "admin",            "watch",           "providers",         "models",
      "routes",           "store"};
  for (const auto& s : sections_.all()) known.push_back(s.name);
  auto top = fields(root, "", known);
  const Field* providers = nullptr;
  const Field* models = nullptr;
  const Field* routes = nullptr;
  for (const Field& f : top) {
    const std::string& k = f.name;
    if (k == "listen") {
      if (f.value.IsSequence()) {
        // Unquoted `[::1]:4000` is YAML flow syntax, not an address.
        error(value_line(f), k,
              "expected a string like host:port (quote IPv6 addresses: \"[::1]:4000\")");
        continue;
      }
      auto s = string_field(f, "");
      if (s && !parse_listen(*s, cfg.listen_host, cfg.listen_port))
        error(value_line(f), k,
              "invalid address '" + *s + "' (expected host:port, [ipv6]:port or :port)");
    } else if (k == "workers") {
      set_uint(f, "", cfg.workers, 0, static_cast<uint64_t>(std::numeric_limits<int>::max()));
    } else if (k == "max_body_bytes") {
      set_uint(f, "", cfg.max_body_bytes, 1, std::numeric_limits<uint64_t>::max());
    } else if (k == "max_header_bytes") {
      set_uint(f, "", cfg.max_header_bytes, 1024, std::numeric_limits<uint64_t>::max());
    } else if (k == "idle_timeout_ms") {
      set_uint(f, "", cfg.idle_timeout_ms, 1, kU32Max);
    } else if (k == "read_timeout_ms") {
      set_uint(f, "", cfg.read_timeout_ms, 1, kU32Max);
    } else if (k == "shutdown_grace_ms") {
      set_uint(f, "", cfg.shutdown_grace_ms, 1, kU32Max);
    } else if (k == "log_level") {
      auto s = string_field(f, "");
      if (!s) continue;
      static const std::vector<std::string> levels = {"debug", "info", "warn", "error"};
      if (std::find(levels.begin(), levels.end(), *s) == levels.end())
        error(value_line(f), k,
              "invalid log level '" + *s + "' (expected debug, info, warn or error)");
      else
        cfg.log_level = *s;
    } else if (k == "admin") {
      cfg.admin_enabled = true;
      key_list_section(f, cfg.admin_keys);
    } else if (k == "store") {
      parse_store(f, cfg);
    } else if (k == "watch") {
      if (auto b = bool_field(f, "")) cfg.watch = *b;
    } else if (const config::Section* section = sections_.find(k)) {
      cfg.sections[k] = section->parse(*this, f);
      cfg.section_sources[k] = YAML::Dump(f.value);
    } else if (k == "providers") {
      providers = &f;
    } else if (k == "models") {
      models = &f;
    } else if (k == "routes") {
      routes = &f;
    }
  }
  // Providers before models whatever the file order, so that targets can be
  // checked against the full set of provider names.
  if (providers) parse_providers(*providers, cfg);
  if (models) parse_models(*models, cfg);
  if (routes) parse_routes(*routes, cfg);
  for (const auto& check : sections_.checks()) check(cfg, *this);

  for (const auto& r : model_refs_) {
    bool found = std::any_of(cfg.models.begin(), cfg.models.end(), [&](const ModelConfig& m) { return m.name == r.name; });
    if (!found) {
      std::vector<std::string> names;
      for (const auto& m : cfg.models) names.push_back(m.name);
      error(r.line, r.key, "unknown model '" + r.name + "'" + suggestion(r.name, names));
    }
  }

  const auto& names = provider_names_;
  for (const auto& r : refs_) {
    if (std::find(names.begin(), names.end(), r.name) != names.end()) continue;
    std::string hint = suggestion(r.name, names);
    if (hint.empty() && !names.empty()) {
      hint = " (configured providers:";
      for (size_t i = 0; i < names.size(); ++i) hint += (i ? ", " : " ") + names[i];
      hint += ")";
    }
    error(r.line, r.key, "unknown provider '" + r.name + "'" + hint);
  }
}

void Parser::parse_providers(const Field& f, Config& cfg) {
  if (!is_list(f, "")) return;
  std::map<std::string, int> first_line;
  size_t i = 0;
  for (auto it = f.value.begin(); it != f.value.end(); ++it, ++i) {
    const std::string path = index("providers", i);
    YAML::Node node = *it;
    if (!node.IsMap()) {
      error(node.IsNull() ? value_line(f) : line_of(node), path,
            "expected a map with at least name and type, got " + std::string(kind(node)));
      continue;
    }
    ProviderConfig p;
    p.line = line_of(node);
    parse_provider(node, path, p);
    if (!p.name.empty()) {
      auto [pos, inserted] = first_line.emplace(p.name, p.line);
      if (!inserted) {
        error(name_value_line(node, p.line), path + ".name",
              "duplicate provider name '" + p.name + "' (first defined at line " +
                  std::to_string(pos->second) + ")");
        continue;
      }
    }
    cfg.providers.push_back(std::move(p));
  }
}

void Parser::parse_headers(const Field& f, const std::string& path, ProviderConfig& p) {
  const std::string hpath = join(path, f.name);
  if (f.value.IsNull()) return;
  if (!f.value.IsMap()) {
    error(value_line(f), hpath,
          "expected a map of header names to values, got " + std::string(kind(f.value)));
    return;
  }
  for (auto it = f.value.begin(); it != f.value.end(); ++it) {
    YAML::Node k = it->first;  // a copy: `it->` yields a temporary proxy
    if (!k.IsScalar()) {
      error(line_of(k), hpath, "header names must be strings");
      continue;
    }
    const std::string name = k.Scalar();
    const std::string key = join(hpath, name);
    // RFC 9110 token characters; anything else would corrupt the request.
    static constexpr std::string_view tchar = "!#$%&'*+-.^_`|~";
    bool ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || tchar.find(c) != std::string_view::npos;
    });
    if (!ok) {
      error(line_of(k), key, "invalid header name '" + name + "'");
      continue;
    }
    Field hf{name, k, it->second};
    auto v = string_value(it->second, value_line(hf), key);
    if (!v) continue;
    if (v->find_first_of("\r\n") != std::string::npos) {
      error(value_line(hf), key, "header value must not contain line breaks");
      continue;
    }
    p.headers.emplace_back(name, *v);
  }
}

void Parser::parse_provider(const YAML::Node& node, const std::string& path, ProviderConfig& p) {
  std::optional<std::string> type, base_url;
  bool has_name = false, type_error = false;
  int type_line = p.line, base_url_line = p.line;
  auto all = fields(
      node, path,
      {"name", "type", "api_key", "base_url", "headers", "api_version", "region", "access_key_id",
       "secret_access_key", "session_token", "timeout_ms", "connect_timeout_ms"});
  for (const Field& f : all) {
    const std::string& k = f.name;
    if (k == "headers") {
      parse_headers(f, path, p);
      continue;
    }
    if (k == "timeout_ms") {
      set_uint(f, path, p.timeout_ms, 1, kU32Max);
      continue;
    }
    if (k == "connect_timeout_ms") {
      set_uint(f, path, p.connect_timeout_ms, 1, kU32Max);
      continue;
    }
    auto s = string_field(f, path);
    if (k == "name") has_name = true;
    if (k == "type") {
      type_line = value_line(f);
      type_error = !s;
    }
    if (!s) continue;
    const int line = value_line(f);
    if (k == "name") {
      if (!s->empty() &&
          std::find(provider_names_.begin(), provider_names_.end(), *s) == provider_names_.end())
        provider_names_.push_back(*s);
      if (s->empty())
        error(line, path + ".name", "must not be empty");
      else if (s->find('/') != std::string::npos)
        error(line, path + ".name",
              "must not contain '/' (requests address models as 'provider/model')");
      else
        p.name = *s;
    } else if (k == "type") {
      type = *s;
    } else if (k == "api_key") {
      p.api_key = *s;
    } else if (k == "base_url") {
      base_url = *s;
      base_url_line = line;
    } else if (k == "api_version") {
      p.api_version = *s;
    } else if (k == "region") {
      p.region = *s;
    } else if (k == "access_key_id") {
      p.access_key_id = *s;
    } else if (k == "secret_access_key") {
      p.secret_access_key = *s;
    } else if (k == "session_token") {
      p.session_token = *s;
    }
  }

  if (!has_name) error(p.line, path + ".name", "is required");

  if (!type) {
    if (!type_error) error(p.line, path + ".type", "is required");
    // Without a type nothing else about the provider can be checked.
    return;
  }
  const auto& types = provider_types();
  if (std::find(types.begin(), types.end(), *type) != types.end()) {
    p.type = *type;
  } else {
    const auto& presets = provider_presets();
    auto preset = std::find_if(presets.begin(), presets.end(),
                               [&](const Preset& ps) { return *type == ps.name; });
    if (preset == presets.end()) {
      std::vector<std::string> known = types;
      for (const auto& ps : presets) known.emplace_back(ps.name);
      std::string hint = suggestion(*type, known);
      if (hint.empty()) {
        hint = " (expected one of:";
        for (size_t i = 0; i < known.size(); ++i) hint += (i ? ", " : " ") + known[i];
        hint += ")";
      }
      error(type_line, path + ".type", "unknown provider type '" + *type + "'" + hint);
      return;
    }
    p.type = "openai-compatible";
    p.preset = preset->name;
    if (!base_url || base_url->empty()) base_url = preset->base_url;
  }

  if (p.type == "bedrock") {
    if (p.region.empty()) {
      error(p.line, path + ".region", "is required for type 'bedrock'");
    } else if (!std::all_of(p.region.begin(), p.region.end(), [](char c) {
                 return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
               })) {
      error(p.line, path + ".region",
            "invalid region '" + p.region + "' (expected e.g. us-east-1)");
    }
  }
  if (p.type == "azure" && p.api_version.empty())
    error(p.line, path + ".api_version", "is required for type 'azure' (e.g. 2024-10-21)");

  // An empty base_url (typically `${X_BASE_URL:-}`) means "use the default".
  if (base_url && !base_url->empty()) {
    std::string url = *base_url;
    std::string scheme_lc = lower(url.substr(0, std::min<size_t>(url.size(), 8)));
    size_t scheme_len = scheme_lc.rfind("https://", 0) == 0  ? 8
                        : scheme_lc.rfind("http://", 0) == 0 ? 7
                                                             : 0;
    while (url.size() > scheme_len && url.back() == '/') url.pop_back();
    if (scheme_len == 0 || url.size() == scheme_len ||
        url.find_first_of(" \t\r\n") != std::string::npos) {
      error(base_url_line, path + ".base_url",
            "invalid URL '" + *base_url + "' (expected http://... or https://...)");
    } else {
      // Later code decides on TLS by the scheme; a lower-case one keeps that simple.
      for (size_t i = 0; i < scheme_len; ++i) url[i] = scheme_lc[i];
      p.base_url = url;
    }
  } else if (p.type == "bedrock") {
    if (!p.region.empty()) p.base_url = "https://bedrock-runtime." + p.region + ".amazonaws.com";
  } else if (p.type == "openai-compatible" || p.type == "azure") {
    error(p.line, path + ".base_url", "is required for type '" + p.type + "'");
  } else {
    p.base_url = default_base_url(p.type);
  }
}

void Parser::parse_models(const Field& f, Config& cfg) {
  if (!is_list(f, "")) return;
  std::map<std::string, int> first_line;
  size_t i = 0;
  for (auto it = f.value.begin(); it != f.value.end(); ++it, ++i) {
    const std::string path = index("models", i);
    YAML::Node node = *it;
    if (!node.IsMap()) {
      error(node.IsNull() ? value_line(f) : line_of(node), path,
            "expected a map with name and targets, got " + std::string(kind(node)));
      continue;
    }
    ModelConfig m;
    m.line = line_of(node);
    parse_model(node, path, m);
    if (!m.name.empty()) {
      auto [pos, inserted] = first_line.emplace(m.name, m.line);
      if (!inserted) {
        error(name_value_line(node, m.line), path + ".name",
              "duplicate model name '" + m.name + "' (first defined at line " +
                  std::to_string(pos->second) + ")");
        continue;
      }
    }
    cfg.models.push_back(std::move(m));
  }
}

void Parser::parse_model(const YAML::Node& node, const std::string& path, ModelConfig& m) {
  bool has_name = false, has_targets = false;
  std::vector<std::string_view> known = {"name", "strategy", "targets", "fallbacks", "context_window_fallbacks",
                                         "content_policy_fallbacks", "retry", "timeout", "circuit_breaker", "hedge",
                                         "default_max_tokens"};
  for (const auto& s : sections_.model_sections()) known.push_back(s.name);
  for (const Field& f : fields(node, path, known)) {
    if (const config::Section* section = sections_.find_model(f.name)) {
      // The parser names its errors after the field: here, its full path.
      Field named = f;
      named.name = path + "." + f.name;
      m.sections[f.name] = section->parse(*this, named);
      continue;
    }
    if (f.name == "name") {
      has_name = true;
      auto s = string_field(f, path);
      if (!s) continue;
      if (s->empty())
        error(value_line(f), path + ".name", "must not be empty");
      else
        m.name = *s;
      continue;
    }
    if (f.name == "strategy") {
      auto s = string_field(f, path);
      if (!s) continue;
      const auto& known = routing_strategies();
      if (std::find(known.begin(), known.end(), *s) == known.end()) {
        std::string list;
        for (size_t i = 0; i < known.size(); ++i) list += (i ? ", " : "") + known[i];
        error(value_line(f), path + ".strategy", "unknown strategy '" + *s + "' (expected one of " + list + ")");
      } else {
        m.strategy = *s;
      }
      continue;
    }
    if (f.name == "fallbacks" || f.name == "context_window_fallbacks" || f.name == "content_policy_fallbacks") {
      auto& dest = f.name == "fallbacks"                  ? m.fallbacks
                   : f.name == "context_window_fallbacks" ? m.context_window_fallbacks
                                                          : m.content_policy_fallbacks;
      parse_model_list(f, path, dest);
      continue;
    }
    if (f.name == "retry") {
      parse_retry(f, path, m.retry);
      continue;
    }
    if (f.name == "timeout") {
      if (!is_map(f, path)) continue;
      const std::string tp = path + ".timeout";
      for (const Field& t : fields(f.value, tp, {"connect_ms", "first_token_ms", "total_ms"})) {
        if (t.name == "connect_ms") set_uint(t, tp, m.timeout.connect_ms, 1, kU32Max);
        else if (t.name == "first_token_ms") set_uint(t, tp, m.timeout.first_token_ms, 1, kU32Max);
        else set_uint(t, tp, m.timeout.total_ms, 1, kU32Max);
      }
      continue;
    }
    if (f.name == "circuit_breaker") {
      if (f.value.IsScalar() && (f.value.Scalar() == "false" || f.value.Scalar() == "off")) {
        m.breaker.enabled = false;
        continue;
      }
      if (!is_map(f, path)) continue;
      const std::string bp = path + ".circuit_breaker";
      for (const Field& b : fields(f.value, bp, {"failures", "window_ms", "cooldown_ms"})) {
        if (b.name == "failures") set_uint(b, bp, m.breaker.failures, 1, kU32Max);
        else if (b.name == "window_ms") set_uint(b, bp, m.breaker.window_ms, 1, kU32Max);
        else set_uint(b, bp, m.breaker.cooldown_ms, 1, kU32Max);
      }
      continue;
    }
    if (f.name == "default_max_tokens") {
      set_uint(f, path, m.default_max_tokens, 1, 10'000'000);
      continue;
    }
    if (f.name == "hedge") {
      if (!is_map(f, path)) continue;
      bool has_after = false;
      for (const Field& h : fields(f.value, path + ".hedge", {"after_ms"})) {
        has_after = true;
        set_uint(h, path + ".hedge", m.hedge_after_ms, 1, kU32Max);
      }
      if (!has_after) error(value_line(f), path + ".hedge.after_ms", "is required");
      continue;
    }
    has_targets = true;
    const std::string tpath = path + ".targets";
    if (!f.value.IsSequence() && !f.value.IsNull()) {
      error(value_line(f), tpath,
            "expected a list of {provider, model}, got " + std::string(kind(f.value)));
      continue;
    }
    if (f.value.IsNull() || f.value.size() == 0) {
      error(value_line(f), tpath, "must list at least one target");
      continue;
    }
    size_t i = 0;
    for (auto it = f.value.begin(); it != f.value.end(); ++it, ++i) {
      const std::string ipath = index(tpath, i);
      YAML::Node t = *it;
      if (!t.IsMap()) {
        error(t.IsNull() ? value_line(f) : line_of(t), ipath,
              "expected a map with provider and model, got " + std::string(kind(t)));
        continue;
      }
      TargetConfig target;
      bool has_provider = false, has_model = false, ok = true;
      for (const Field& tf : fields(t, ipath, {"provider", "model", "weight", "price"})) {
        if (tf.name == "weight") {
          if (auto v = uint_field(tf, ipath, 0, 1'000'000)) target.weight = static_cast<uint32_t>(*v);
          else ok = false;
          continue;
        }
        if (tf.name == "price") {
          if (!is_map(tf, ipath)) {
            ok = false;
            continue;
          }
          const std::string pp = ipath + ".price";
          for (const Field& pf : fields(tf.value, pp, {"input", "output", "cached_input", "cache_write", "reasoning"})) {
            auto v = double_field(pf, pp);
            if (!v) {
              ok = false;
              continue;
            }
            auto& p = target.price;
            (pf.name == "input"          ? p.input
             : pf.name == "output"       ? p.output
             : pf.name == "cached_input" ? p.cached_input
             : pf.name == "cache_write"  ? p.cache_write
                                         : p.reasoning) = *v;
          }
          continue;
        }
        auto s = string_field(tf, ipath);
        (tf.name == "provider" ? has_provider : has_model) = true;
        if (!s) {
          ok = false;
          continue;
        }
        if (s->empty()) {
          error(value_line(tf), join(ipath, tf.name), "must not be empty");
          ok = false;
          continue;
        }
        if (tf.name == "provider") {
          target.provider = *s;
          refs_.push_back({*s, value_line(tf), ipath + ".provider"});
        } else {
          target.model = *s;
        }
      }
      if (!has_provider) error(line_of(t), ipath + ".provider", "is required");
      if (!has_model) error(line_of(t), ipath + ".model", "is required");
      if (ok && has_provider && has_model) m.targets.push_back(std::move(target));
    }
  }
  if (!has_name) error(m.line, path + ".name", "is required");
  if (!has_targets) error(m.line, path + ".targets", "is required");
  if (m.strategy == "weighted" && !m.targets.empty() &&
      std::all_of(m.targets.begin(), m.targets.end(), [](const TargetConfig& t) { return t.weight == 0; }))
    error(m.line, path + ".targets", "every target has weight 0: the weighted strategy needs one above 0");
}

void Parser::parse_model_list(const Field& f, const std::string& path, std::vector<std::string>& dest) {
  const std::string key = join(path, f.name);
  if (!is_list(f, path)) return;
  size_t i = 0;
  for (auto it = f.value.begin(); it != f.value.end(); ++it, ++i) {
    YAML::Node item = *it;
    int line = item.IsNull() ? value_line(f) : line_of(item);
    auto s = string_value(item, line, index(key, i));
    if (!s) continue;
    if (s->empty()) {
      error(line, index(key, i), "must not be empty");
      continue;
    }
    model_refs_.push_back({*s, line, index(key, i)});
    dest.push_back(*s);
  }
}

void Parser::parse_retry(const Field& f, const std::string& path, RetryPolicy& r) {
  if (!is_map(f, path)) return;
  r.configured = true;
  const std::string rp = path + ".retry";
  for (const Field& x : fields(f.value, rp, {"attempts", "backoff_ms", "max_backoff_ms", "on"})) {
    if (x.name == "attempts") {
      set_uint(x, rp, r.attempts, 1, 100);
    } else if (x.name == "backoff_ms") {
      set_uint(x, rp, r.backoff_ms, 0, kU32Max);
    } else if (x.name == "max_backoff_ms") {
      set_uint(x, rp, r.max_backoff_ms, 0, kU32Max);
    } else {
      if (!is_list(x, rp)) continue;
      r.statuses.clear();
      r.on_timeout = r.on_connect = false;
      size_t i = 0;
      for (auto it = x.value.begin(); it != x.value.end(); ++it, ++i) {
        YAML::Node item = *it;
        const std::string ip = index(rp + ".on", i);
        int line = item.IsNull() ? value_line(x) : line_of(item);
        auto s = string_value(item, line, ip);
        if (!s) continue;
        if (*s == "timeout") {
          r.on_timeout = true;
        } else if (*s == "connect") {
          r.on_connect = true;
        } else if (s->size() == 3 && std::all_of(s->begin(), s->end(), ::isdigit) && (*s)[0] >= '4' &&
                   (*s)[0] <= '5') {
          r.statuses.push_back(std::stoi(*s));
        } else {
          error(line, ip, "expected an HTTP status 400-599, 'timeout' or 'connect', got '" + *s + "'");
        }
      }
    }
  }
  if (r.max_backoff_ms < r.backoff_ms)
    error(value_line(f), rp + ".max_backoff_ms", "must not be below backoff_ms");
}

void Parser::parse_routes(const Field& f, Config& cfg) {
  if (!is_list(f, "")) return;
  size_t i = 0;
  for (auto it = f.value.begin(); it != f.value.end(); ++it, ++i) {
    const std::string path = index("routes", i);
    YAML::Node node = *it;
    if (!node.IsMap()) {
      error(node.IsNull() ? value_line(f) : line_of(node), path,
            "expected a map with when and model, got " + std::string(kind(node)));
      continue;
    }
    RouteConfig r;
    r.line = line_of(node);
    bool has_when = false, has_model = false;
    for (const Field& x : fields(node, path, {"when", "model"})) {
      if (x.name == "model") {
        has_model = true;
        auto s = string_field(x, path);
        if (s && s->empty()) error(value_line(x), path + ".model", "must not be empty");
        else if (s) {
          r.model = *s;
          model_refs_.push_back({*s, value_line(x), path + ".model"});
        }
        continue;
      }
      has_when = true;
      if (!is_map(x, path)) continue;
      const std::string wp = path + ".when";
      for (const Field& w : fields(x.value, wp, {"header", "model", "team", "key_tag"})) {
        if (w.name == "model" || w.name == "team" || w.name == "key_tag") {
          auto s = string_field(w, wp);
          if (s && s->empty()) error(value_line(w), wp + "." + w.name, "must not be empty");
          else if (s) (w.name == "model" ? r.requested_model : w.name == "team" ? r.team : r.key_tag) = *s;
          continue;
        }
        if (!is_map(w, wp)) continue;
        for (auto h = w.value.begin(); h != w.value.end(); ++h) {
          YAML::Node k = h->first;
          YAML::Node v = h->second;
          if (!k.IsScalar()) continue;
          auto s = string_value(v, v.IsNull() ? line_of(k) : line_of(v), wp + ".header." + k.Scalar());
          if (s) r.headers.emplace_back(k.Scalar(), *s);
        }
      }
      if (r.headers.empty() && r.requested_model.empty() && r.team.empty() && r.key_tag.empty())
        error(value_line(x), wp, "needs at least one condition (header, model, team or key_tag)");
    }
    if (!has_when) error(r.line, path + ".when", "is required");
    if (!has_model) error(r.line, path + ".model", "is required");
    cfg.routes.push_back(std::move(r));
  }
}

}  // namespace

void Parser::parse_store(const Field& f, Config& cfg) {
  if (!is_map(f, "")) return;
  for (const Field& x : fields(f.value, "store", {"path", "postgres", "redis", "on_store_error", "reservation_lease_s"})) {
    if (x.name == "path") {
      auto s = string_field(x, "store");
      if (s && s->empty()) error(value_line(x), "store.path", "must not be empty");
      else if (s) cfg.store.path = *s;
    } else if (x.name == "on_store_error") {
      auto s = string_field(x, "store");
      if (s && *s != "closed" && *s != "open")
        error(value_line(x), "store.on_store_error", "expected closed or open, got '" + *s + "'");
      else if (s) cfg.store.fail_closed = *s == "closed";
    } else if (x.name == "redis") {
      auto s = string_field(x, "store");
      std::string why;
      if (s && !s->empty() && !store::parse_redis_url(*s, why)) error(value_line(x), "store.redis", why);
      else if (s) cfg.store.redis = *s;  // "" (an unset ${VAR:-}) = none
    } else if (x.name == "reservation_lease_s") {
      set_uint(x, "store", cfg.store.reservation_lease_s, 1, 7 * 86400);
    } else if (x.name == "postgres") {
      // A libpq URI (postgresql://...) or key=value conninfo; checked by connecting at start.
      if (auto s = string_field(x, "store")) cfg.store.postgres = *s;
    }
  }
}

ConfigResult load_config_text(const std::string& text, const std::string& file) {
  return load_config_text(text, file, config::builtin_sections());
}

namespace {

// Where each document starts, and nothing else.
class DocumentStarts : public YAML::EventHandler {
 public:
  YAML::Mark start;
  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// yaml-cpp 0.7 never gets past a ',' outside a flow collection ("- a\n, b"):
// its next document starts where the one before did, empty, forever, and
// LoadAll runs out of memory. Where that happens, if it does.
std::optional<YAML::Mark> stuck_at(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts doc;
  int previous = -1;
  while (parser.HandleNextDocument(doc)) {
    if (doc.start.pos == previous) return doc.start;
    previous = doc.start.pos;
  }
  return std::nullopt;
}

}  // namespace

ConfigResult load_config_text(const std::string& text, const std::string& file,
                              const config::Sections& sections) {
  ConfigResult result;
  Parser parser(file, sections);
  std::vector<YAML::Node> docs;
  try {
    if (std::optional<YAML::Mark> at = stuck_at(text)) {
      const bool comma = at->pos >= 0 && size_t(at->pos) < text.size() && text[size_t(at->pos)] == ',';
      throw YAML::ParserException(*at, comma ? "unexpected ',' outside a [list] or {map}" : "cannot parse past this point");
    }
    docs = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    int line = e.mark.line < 0 ? 0 : e.mark.line + 1;
    std::string msg = "invalid YAML: " + e.msg;
    if (e.mark.column >= 0) msg += " (column " + std::to_string(e.mark.column + 1) + ")";
    parser.error(line, "", msg);
    result.errors = std::move(parser.errors);
    return result;
  }
  // A trailing "---" produces an empty document, which is harmless.
  std::erase_if(docs, [](const YAML::Node& d) { return d.IsNull(); });
  if (docs.empty()) {
    parser.error(1, "", "config is empty (expected a map of settings)");
  } else if (docs.size() > 1) {
    parser.error(Parser::line_of(docs[1]), "",
                 "more than one YAML document; the config must be a single document");
  } else if (!docs[0].IsMap()) {
    parser.error(Parser::line_of(docs[0]), "",
                 "the config must be a map of settings, got " + std::string(Parser::kind(docs[0])));
  } else {
    Config cfg;
    cfg.file = file;
    parser.parse(docs[0], cfg);
    std::filesystem::path store(cfg.store.path);
    if (store.is_relative()) store = std::filesystem::path(file).parent_path() / store;
    cfg.store.resolved_path = store.lexically_normal().string();
    if (parser.errors.empty()) result.config = std::move(cfg);
  }
  // Sections are validated in dependency order, not file order; reading the
  // errors top to bottom is easier.
  std::stable_sort(parser.errors.begin(), parser.errors.end(),
                   [](const ConfigError& a, const ConfigError& b) { return a.line < b.line; });
  result.errors = std::move(parser.errors);
  return result;
}

ConfigResult load_config_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  std::string text;
  int err = 0;
  if (!f) {
    err = errno;
  } else {
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    if (std::ferror(f)) err = errno ? errno : EIO;
    std::fclose(f);
  }
  if (err) {
    ConfigResult result;
    result.errors.push_back(
        {path, 0, "", std::string("cannot read config file: ") + std::strerror(err)});
    return result;
  }
  return load_config_text(text, path);
}

}  // namespace torii
