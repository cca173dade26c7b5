#include "app/config_report.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "config/section.hpp"

namespace torii::app {

namespace json = boost::json;

namespace {

bool looks_secret(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  for (const char* word : {"key", "token", "secret", "auth", "cookie", "password", "signature"})
    if (name.find(word) != std::string::npos) return true;
  return false;
}

json::value price(const PriceConfig& p) {
  json::object o;
  auto put = [&](const char* k, const std::optional<double>& v) {
    if (v) o[k] = *v;
  };
  put("input", p.input);
  put("output", p.output);
  put("cached_input", p.cached_input);
  put("cache_write", p.cache_write);
  put("reasoning", p.reasoning);
  return o;
}

json::array strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

}  // namespace

std::string config_report(const Config& c) {
  json::object root;
  root["file"] = c.file;
  root["listen"] = c.listen_host + ":" + std::to_string(c.listen_port);
  root["workers"] = c.workers;
  root["max_body_bytes"] = c.max_body_bytes;
  root["max_header_bytes"] = c.max_header_bytes;
  root["idle_timeout_ms"] = c.idle_timeout_ms;
  root["read_timeout_ms"] = c.read_timeout_ms;
  root["shutdown_grace_ms"] = c.shutdown_grace_ms;
  root["log_level"] = c.log_level;
  root["watch"] = c.watch;
  if (c.admin_enabled) {
    json::array keys;
    for (const auto& k : c.admin_keys) keys.emplace_back(config::mask_secret(k));
    root["admin"] = json::object{{"keys", std::move(keys)}};
  }
  root["store"] = json::object{{"path", c.store.path},
                               {"resolved_path", c.store.resolved_path},
                               {"on_store_error", c.store.fail_closed ? "closed" : "open"}};
  json::array providers;
  for (const auto& p : c.providers) {
    json::object o{{"name", p.name}, {"type", p.type}, {"base_url", p.base_url}, {"timeout_ms", p.timeout_ms},
                   {"connect_timeout_ms", p.connect_timeout_ms}};
    if (!p.preset.empty()) o["preset"] = p.preset;
    if (!p.api_key.empty()) o["api_key"] = config::mask_secret(p.api_key);
    if (!p.api_version.empty()) o["api_version"] = p.api_version;
    if (!p.region.empty()) o["region"] = p.region;
    if (!p.access_key_id.empty()) o["access_key_id"] = config::mask_secret(p.access_key_id);
    if (!p.secret_access_key.empty()) o["secret_access_key"] = config::mask_secret(p.secret_access_key);
    if (!p.session_token.empty()) o["session_token"] = config::mask_secret(p.session_token);
    json::object headers;
    for (const auto& [k, v] : p.headers) headers[k] = looks_secret(k) ? config::mask_secret(v) : v;
    if (!headers.empty()) o["headers"] = std::move(headers);
    providers.push_back(std::move(o));
  }
  root["providers"] = std::move(providers);
  json::array models;
  for (const auto& m : c.models) {
    json::array targets;
    for (const auto& t : m.targets)
      targets.push_back(json::object{{"provider", t.provider}, {"model", t.model}, {"weight", t.weight}, {"price", price(t.price)}});
    json::object o{{"name", m.name}, {"strategy", m.strategy}, {"targets", std::move(targets)},
                   {"fallbacks", strings(m.fallbacks)},
                   {"context_window_fallbacks", strings(m.context_window_fallbacks)},
                   {"content_policy_fallbacks", strings(m.content_policy_fallbacks)},
                   {"hedge_after_ms", m.hedge_after_ms}, {"default_max_tokens", m.default_max_tokens}};
    json::array statuses;
    for (int s : m.retry.statuses) statuses.emplace_back(s);
    o["retry"] = json::object{{"attempts", m.retry.attempts},         {"backoff_ms", m.retry.backoff_ms},
                              {"max_backoff_ms", m.retry.max_backoff_ms}, {"statuses", std::move(statuses)},
                              {"on_timeout", m.retry.on_timeout},     {"on_connect", m.retry.on_connect}};
    o["timeout"] = json::object{{"connect_ms", m.timeout.connect_ms}, {"first_token_ms", m.timeout.first_token_ms},
                                {"total_ms", m.timeout.total_ms}};
    o["circuit_breaker"] = json::object{{"enabled", m.breaker.enabled}, {"failures", m.breaker.failures},
                                        {"window_ms", m.breaker.window_ms}, {"cooldown_ms", m.breaker.cooldown_ms}};
    // The concerns' own fields of the model (its `cache:`), as they describe them.
    for (const auto& [name, value] : m.sections) {
      const config::Section* s = config::builtin_sections().find_model(name);
      boost::system::error_code ec;
      json::value v = s && s->describe ? json::parse(s->describe(value), ec) : json::value(json::object());
      o[name] = ec ? json::value(json::object()) : v;
    }
    models.push_back(std::move(o));
  }
  root["models"] = std::move(models);
  json::array routes;
  for (const auto& r : c.routes) {
    json::object when;
    if (!r.requested_model.empty()) when["model"] = r.requested_model;
    json::object headers;
    for (const auto& [k, v] : r.headers) headers[k] = looks_secret(k) ? config::mask_secret(v) : v;
    if (!headers.empty()) when["header"] = std::move(headers);
    routes.push_back(json::object{{"when", std::move(when)}, {"model", r.model}});
  }
  root["routes"] = std::move(routes);
  // The concerns' sections, each as its concern describes it.
  for (const auto& [name, value] : c.sections) {
    const config::Section* s = config::builtin_sections().find(name);
    boost::system::error_code ec;
    json::value v = s && s->describe ? json::parse(s->describe(value), ec) : json::value(json::object());
    root[name] = ec ? json::value(json::object()) : v;
  }
  return json::serialize(root);
}

}  // namespace torii::app
