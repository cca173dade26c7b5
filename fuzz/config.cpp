// The config loader (src/config/): YAML text read and validated as
// `torii check`, a start or a reload read a file (load_config_text), with the
// concern sections whose parsers the fuzzing library has, registered below
// as builtin_sections(): auth (as auth_filter.cpp registers it), keys
// (static virtual keys), guardrails (rules, a model's rule names and the
// check across them) and cache (the gateway's and a model's). logging,
// metrics and tracing are read by their filters' own files, which bring the
// request pipeline; here they are unknown keys.
//
// Properties:
// - nothing throws out of the loader, and it ends: every problem is a
//   ConfigError (a start would die on an exception, and so would a reload;
//   libFuzzer's timeout catches a loader that never returns, as yaml-cpp's
//   LoadAll did on a ',' outside a flow collection);
// - errors name a line of the text (1 to its number of lines; yaml-cpp
//   counts \r, \n and \r\n as breaks), a message, and come sorted by line;
//   a config comes back exactly when there is no error;
// - an accepted config is usable: targets name configured providers,
//   fallbacks and routes configured models, every model has a target,
//   strategies, provider types, base URLs (http:// or https://, but for
//   mock and what a preset fills), retry backoffs, guardrail rules
//   (compiled, names unique) and static keys (secrets of 8+ characters, a
//   budget_period only with a budget) are what the code after the loader
//   assumes, and every section describes itself (GET /admin/config) as JSON
//   when the text is UTF-8 (as YAML must be: yaml-cpp passes other bytes
//   through, into names that then are not JSON text; config_report shows a
//   section whose description does not parse as {});
// - its own form loads again: the document as yaml-cpp writes it back
//   (YAML::Dump) is accepted too, with the same providers, models, routes
//   and sections (when the text is UTF-8: yaml-cpp writes other bytes back
//   as U+FFFD).
#include <set>

#include <yaml-cpp/yaml.h>

#include "config/config.hpp"
#include "config/reader.hpp"
#include "config/section.hpp"
#include "filters/auth/auth_section.hpp"
#include "filters/auth/static_keys.hpp"
#include "filters/cache/cache_section.hpp"
#include "filters/guardrails/rules.hpp"
#include "fuzz.hpp"
#include "governance/budget_period.hpp"
#include "governance/ledger.hpp"

// What build_static_keys (static_keys.cpp) calls, which the loader never
// does: defined here so that the target does not link the key store.
namespace torii::filters {
std::shared_ptr<governance::Principal> make_principal(governance::Level, const std::string&, const std::string&,
                                                      const store::PolicyColumns&) {
  std::abort();
}
bool seed_budgets(const std::vector<const governance::Principal*>&, std::string&) { std::abort(); }
}  // namespace torii::filters
namespace torii::governance {
Ledger* Ledger::running() { return nullptr; }
}  // namespace torii::governance

namespace {

using namespace torii;
namespace json = boost::json;

const config::Sections& sections() { return config::builtin_sections(); }

}  // namespace

// The gateway's is the filter registry's (pipeline/filter_chain.cpp), which
// would bring every filter: these are the sections of the concerns above,
// registered as their filters register them.
const torii::config::Sections& torii::config::builtin_sections() {
  static const config::Sections s = [] {
    config::Sections s;
    s.add({"auth",
           [](config::Reader& reader, const config::Field& field) -> std::any {
             filters::AuthSection section;
             reader.key_list_section(field, section.keys);
             return section;
           },
           [](const std::any& v) {
             json::array keys;
             for (const auto& k : std::any_cast<const filters::AuthSection&>(v).keys)
               keys.emplace_back(config::mask_secret(k));
             return json::serialize(json::object{{"keys", std::move(keys)}});
           }});
    s.add({"keys", filters::parse_static_keys, filters::describe_static_keys});
    s.add(filters::guardrails::gateway_section());
    s.add_model(filters::guardrails::model_section());
    s.add_check(filters::guardrails::check_models);
    s.add(filters::cache::gateway_section());
    s.add_model(filters::cache::model_section());
    return s;
  }();
  return s;
}

namespace {

size_t lines_of(std::string_view text) {
  size_t n = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') ++n;
    else if (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n')) ++n;
  }
  return n;
}

torii::ConfigResult load(const std::string& text) {
  return fuzz::must_not_throw("load_config_text", [&] { return load_config_text(text, "/etc/torii/fuzz.yaml"); });
}

void check_errors(const torii::ConfigResult& r, const std::string& text) {
  FUZZ_CHECK(r.config.has_value() == r.errors.empty());
  const size_t lines = lines_of(text);
  int last = 0;
  for (const auto& e : r.errors) {
    if (e.line < 1 || size_t(e.line) > lines)
      std::fprintf(stderr, "error without its line (%zu lines): %s\n", lines, e.to_string().c_str());
    FUZZ_CHECK(e.line >= 1 && size_t(e.line) <= lines);
    FUZZ_CHECK(e.line >= last);
    last = e.line;
    FUZZ_CHECK(!e.message.empty());
    FUZZ_CHECK(e.file == "/etc/torii/fuzz.yaml");
    FUZZ_CHECK(e.to_string().starts_with(e.file + ":" + std::to_string(e.line) + ": "));
  }
}

template <class List, class T>
bool has(const List& list, const T& x) {
  return std::find(list.begin(), list.end(), x) != list.end();
}

void check_usable(const Config& c) {
  std::set<std::string> providers, models;
  for (const auto& p : c.providers) {
    FUZZ_CHECK(!p.name.empty() && p.name.find('/') == std::string::npos);
    FUZZ_CHECK(providers.insert(p.name).second);
    FUZZ_CHECK(has(provider_types(), p.type));
    if (!p.preset.empty()) FUZZ_CHECK(p.type == "openai-compatible");
    if (p.type == "mock") {
      FUZZ_CHECK(p.base_url.empty() || p.base_url.starts_with("http"));
    } else {
      FUZZ_CHECK(p.base_url.starts_with("http://") || p.base_url.starts_with("https://"));
      FUZZ_CHECK(p.base_url.find_first_of(" \t\r\n") == std::string::npos);
    }
    if (p.type == "bedrock") FUZZ_CHECK(!p.region.empty());
    if (p.type == "azure") FUZZ_CHECK(!p.api_version.empty());
    FUZZ_CHECK(p.timeout_ms >= 1 && p.connect_timeout_ms >= 1);
    for (const auto& [name, value] : p.headers) {
      FUZZ_CHECK(!name.empty());
      FUZZ_CHECK(value.find_first_of("\r\n") == std::string::npos);
    }
  }
  for (const auto& m : c.models) {
    FUZZ_CHECK(!m.name.empty() && models.insert(m.name).second);
    FUZZ_CHECK(has(routing_strategies(), m.strategy));
    FUZZ_CHECK(!m.targets.empty());
    bool weighted = false;
    for (const auto& t : m.targets) {
      FUZZ_CHECK(providers.count(t.provider) && !t.model.empty());
      weighted = weighted || t.weight > 0;
    }
    if (m.strategy == "weighted") FUZZ_CHECK(weighted);
    FUZZ_CHECK(m.retry.max_backoff_ms >= m.retry.backoff_ms);
    FUZZ_CHECK(m.retry.attempts <= 100);
    for (int s : m.retry.statuses) FUZZ_CHECK(s >= 400 && s <= 599);
    FUZZ_CHECK(m.breaker.failures >= 1 && m.breaker.window_ms >= 1 && m.breaker.cooldown_ms >= 1);
  }
  for (const auto& m : c.models)
    for (const auto* list : {&m.fallbacks, &m.context_window_fallbacks, &m.content_policy_fallbacks})
      for (const auto& f : *list) FUZZ_CHECK(models.count(f));
  for (const auto& r : c.routes) {
    FUZZ_CHECK(models.count(r.model));
    FUZZ_CHECK(!r.headers.empty() || !r.requested_model.empty() || !r.team.empty() || !r.key_tag.empty());
  }
  FUZZ_CHECK(has(std::vector<std::string>{"debug", "info", "warn", "error"}, c.log_level));
  FUZZ_CHECK(!c.listen_host.empty());
  FUZZ_CHECK(c.max_body_bytes >= 1 && c.max_header_bytes >= 1024);
  if (c.admin_enabled) FUZZ_CHECK(!c.admin_keys.empty());
  if (const auto* auth = filters::auth_section(c)) FUZZ_CHECK(!auth->keys.empty());
  FUZZ_CHECK(!c.store.path.empty() && !c.store.resolved_path.empty());

  const auto* rules = c.section<filters::guardrails::GuardrailsSection>("guardrails");
  std::set<std::string> rule_names;
  if (rules)
    for (const auto& r : rules->rules) {
      FUZZ_CHECK(!r->name.empty() && rule_names.insert(r->name).second);
      FUZZ_CHECK(r->compiled != nullptr);
      FUZZ_CHECK(r->on != 0);
    }
  for (const auto& m : c.models)
    if (const auto* names = m.section<filters::guardrails::ModelRules>("guardrails"))
      for (const auto& n : names->names) FUZZ_CHECK(rule_names.count(n));
  if (const auto* keys = filters::static_keys_section(c)) {
    std::set<std::string> secrets;
    for (const auto& k : keys->keys) {
      FUZZ_CHECK(k.secret.size() >= 8 && secrets.insert(k.secret).second);
      if (!k.policy.budget_period.empty()) {
        FUZZ_CHECK(governance::parse_budget_period(k.policy.budget_period).has_value());
        FUZZ_CHECK(k.policy.max_budget_usd.has_value());
      }
      for (const auto& n : k.guardrails) FUZZ_CHECK(rule_names.count(n));
    }
  }
}

// What a load gave, to compare two loads by: the core settings and each
// section as it describes itself.
std::string summary(const Config& c) {
  json::object o{{"listen", c.listen_host + ":" + std::to_string(c.listen_port)},
                 {"workers", c.workers},
                 {"log_level", c.log_level},
                 {"store", c.store.resolved_path}};
  json::array providers, models, routes;
  for (const auto& p : c.providers) {
    json::object h;
    for (const auto& [k, v] : p.headers) h[k] = v;
    providers.push_back(json::object{{"name", p.name}, {"type", p.type}, {"url", p.base_url}, {"key", p.api_key},
                                     {"headers", std::move(h)}});
  }
  for (const auto& m : c.models) {
    json::array targets;
    for (const auto& t : m.targets) targets.push_back(json::array{json::value(t.provider), json::value(t.model), t.weight});
    json::array fallbacks;
    for (const auto& f : m.fallbacks) fallbacks.emplace_back(f);
    json::object own;
    for (const auto& [name, value] : m.sections)
      if (const auto* s = sections().find_model(name); s && s->describe) own[name] = s->describe(value);
    models.push_back(json::object{{"name", m.name}, {"strategy", m.strategy}, {"targets", std::move(targets)},
                                  {"fallbacks", std::move(fallbacks)}, {"sections", std::move(own)}});
  }
  for (const auto& r : c.routes) routes.push_back(json::array{json::value(r.requested_model), json::value(r.model)});
  o["providers"] = std::move(providers);
  o["models"] = std::move(models);
  o["routes"] = std::move(routes);
  for (const auto& [name, value] : c.sections)
    if (const auto* s = sections().find(name); s && s->describe) o[name] = s->describe(value);
  return json::serialize(o);
}

// Whether `s` is UTF-8 as boost::json validates it.
bool utf8(std::string_view s) {
  std::string quoted;
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x20 && c != '"' && c != '\\') quoted += c;
  return fuzz::parses("\"" + quoted + "\"");
}

void check_describes(const Config& c, bool unicode) {
  auto check = [&](const config::Section* s, const std::any& value) {
    if (!s || !s->describe) return;
    const std::string text = fuzz::must_not_throw("Section::describe", [&] { return s->describe(value); });
    if (unicode) FUZZ_CHECK(fuzz::parses(text));
  };
  for (const auto& [name, value] : c.sections) check(sections().find(name), value);
  for (const auto& m : c.models)
    for (const auto& [name, value] : m.sections) check(sections().find_model(name), value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16384) return 0;
  const std::string text(fuzz::text_of(data, size));
  const ConfigResult r = load(text);
  check_errors(r, text);
  if (!r.config) return 0;
  check_usable(*r.config);
  const bool unicode = utf8(text);
  check_describes(*r.config, unicode);

  // Its own form, as yaml-cpp writes the document back.
  std::string again;
  try {
    for (const YAML::Node& doc : YAML::LoadAll(text))
      if (!doc.IsNull()) again = YAML::Dump(doc);  // the one document the loader read
  } catch (const YAML::Exception&) {
    FUZZ_CHECK(false);  // the loader read this text
  }
  const ConfigResult r2 = load(again);
  if (!r2.errors.empty()) {
    std::fprintf(stderr, "written back:\n%s\n", again.c_str());
    for (const auto& e : r2.errors) std::fprintf(stderr, "  %s\n", e.to_string().c_str());
  }
  FUZZ_CHECK(r2.config.has_value());
  // yaml-cpp writes bytes that are not UTF-8 back as U+FFFD.
  if (unicode) FUZZ_CHECK(summary(*r2.config) == summary(*r.config));
  return 0;
}
