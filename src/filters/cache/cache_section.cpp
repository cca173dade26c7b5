#include "filters/cache/cache_section.hpp"

#include <boost/json.hpp>

#include "config/reader.hpp"
#include "config/section.hpp"

namespace torii::filters::cache {

namespace {

template <class T>
void lay(std::optional<T>& into, const std::optional<T>& from) {
  if (from) into = from;
}

// The fields a gateway's and a model's `cache:` share; `path` names the
// section in errors ("cache", "models[1].cache").
void read_fields(config::Reader& r, const config::Field& x, const std::string& path, Fields& f) {
  if (x.name == "mode") {
    auto s = r.string_field(x, path);
    if (!s) return;
    if (*s == "off") f.mode = Mode::off;
    else if (*s == "exact") f.mode = Mode::exact;
    else if (*s == "semantic") f.mode = Mode::semantic;
    else r.error(r.value_line(x), path + ".mode", "expected off, exact or semantic, got '" + *s + "'");
  } else if (x.name == "ttl_s") {
    uint32_t v = 0;
    r.set_uint(x, path, v, 1, 365u * 86400);
    if (v) f.ttl_s = v;
  } else if (x.name == "namespace") {
    auto s = r.string_field(x, path);
    if (!s) return;
    if (*s == "global") f.scope = Scope::global;
    else if (*s == "per_key") f.scope = Scope::per_key;
    else if (*s == "per_team") f.scope = Scope::per_team;
    else if (*s == "per_user") f.scope = Scope::per_user;
    else if (*s == "header") f.scope = Scope::header;
    else
      r.error(r.value_line(x), path + ".namespace",
              "expected global, per_key, per_team, per_user or header, got '" + *s + "'");
  } else if (x.name == "max_entry_bytes") {
    uint64_t v = 0;
    r.set_uint(x, path, v, 1024, 64ull << 20);
    if (v) f.max_entry_bytes = v;
  } else if (x.name == "max_temperature") {
    if (auto d = r.double_field(x, path)) f.max_temperature = *d;
  } else if (x.name == "semantic") {
    if (!r.is_map(x, path)) return;
    const std::string sp = path + ".semantic";
    for (const auto& s : r.fields(x.value, sp, {"embedding_model", "threshold", "timeout_ms", "tool_results"})) {
      if (s.name == "embedding_model") {
        if (auto v = r.string_field(s, sp)) {
          if (v->empty()) r.error(r.value_line(s), sp + ".embedding_model", "must not be empty");
          else f.embedding_model = *v;
        }
      } else if (s.name == "threshold") {
        if (auto d = r.double_field(s, sp)) {
          if (*d <= 0 || *d > 1) r.error(r.value_line(s), sp + ".threshold", "expected a similarity in (0, 1]");
          else f.threshold = *d;
        }
      } else if (s.name == "timeout_ms") {
        uint32_t v = 0;
        r.set_uint(s, sp, v, 1, 60'000);
        if (v) f.timeout_ms = v;
      } else if (auto b = r.bool_field(s, sp)) {
        f.tool_results = *b;
      }
    }
  }
}

std::any parse_gateway(config::Reader& r, const config::Field& f) {
  GatewayCache c;
  if (!r.is_map(f, "")) return c;
  for (const auto& x : r.fields(f.value, "cache",
                                {"mode", "ttl_s", "namespace", "max_bytes", "max_entry_bytes", "max_temperature",
                                 "max_entries", "semantic"})) {
    if (x.name == "max_bytes") r.set_uint(x, "cache", c.max_bytes, 64 * 1024, uint64_t(1) << 40);
    else if (x.name == "max_entries") r.set_uint(x, "cache", c.max_entries, 1, 100'000'000);
    else read_fields(r, x, "cache", c.fields);
  }
  if (c.fields.mode == Mode::semantic && !c.fields.embedding_model)
    r.error(r.value_line(f), "cache.semantic.embedding_model", "is required with mode: semantic");
  return c;
}

std::any parse_model(config::Reader& r, const config::Field& f) {
  Fields m;
  const std::string& path = f.name;  // "models[i].cache"
  if (!r.is_map(f, "")) return m;
  for (const auto& x : r.fields(f.value, path,
                                {"mode", "ttl_s", "namespace", "max_entry_bytes", "max_temperature", "semantic"}))
    read_fields(r, x, path, m);
  return m;
}

boost::json::object describe_fields(const Fields& f) {
  boost::json::object o;
  if (f.mode) o["mode"] = mode_name(*f.mode);
  if (f.ttl_s) o["ttl_s"] = *f.ttl_s;
  if (f.scope) o["namespace"] = scope_name(*f.scope);
  if (f.max_entry_bytes) o["max_entry_bytes"] = *f.max_entry_bytes;
  if (f.max_temperature) o["max_temperature"] = *f.max_temperature;
  boost::json::object s;
  if (f.embedding_model) s["embedding_model"] = *f.embedding_model;
  if (f.threshold) s["threshold"] = *f.threshold;
  if (f.timeout_ms) s["timeout_ms"] = *f.timeout_ms;
  if (f.tool_results) s["tool_results"] = *f.tool_results;
  if (!s.empty()) o["semantic"] = std::move(s);
  return o;
}

}  // namespace

Settings effective(const GatewayCache* gateway, const Fields* model) {
  Fields f;
  if (gateway) f = gateway->fields;
  if (model) {
    lay(f.mode, model->mode);
    lay(f.ttl_s, model->ttl_s);
    lay(f.scope, model->scope);
    lay(f.max_entry_bytes, model->max_entry_bytes);
    lay(f.max_temperature, model->max_temperature);
    lay(f.embedding_model, model->embedding_model);
    lay(f.threshold, model->threshold);
    lay(f.timeout_ms, model->timeout_ms);
    lay(f.tool_results, model->tool_results);
  }
  Settings s;
  // A model that turns the cache on without a gateway `cache:` gets exact caching.
  if (f.mode) s.mode = *f.mode;
  if (f.ttl_s) s.ttl_s = *f.ttl_s;
  if (f.scope) s.scope = *f.scope;
  if (f.max_entry_bytes) s.max_entry_bytes = *f.max_entry_bytes;
  s.max_temperature = f.max_temperature;
  if (f.embedding_model) s.embedding_model = *f.embedding_model;
  if (f.threshold) s.threshold = *f.threshold;
  if (f.timeout_ms) s.timeout_ms = *f.timeout_ms;
  if (f.tool_results) s.tool_results = *f.tool_results;
  // Semantic without an embedder is exact (the config check reports it).
  if (s.mode == Mode::semantic && s.embedding_model.empty()) s.mode = Mode::exact;
  return s;
}

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::off: return "off";
    case Mode::exact: return "exact";
    case Mode::semantic: return "semantic";
  }
  return "off";
}

const char* scope_name(Scope s) {
  switch (s) {
    case Scope::global: return "global";
    case Scope::per_key: return "per_key";
    case Scope::per_team: return "per_team";
    case Scope::per_user: return "per_user";
    case Scope::header: return "header";
  }
  return "per_key";
}

config::Section gateway_section() {
  return {"cache", parse_gateway, [](const std::any& v) {
            const auto& c = std::any_cast<const GatewayCache&>(v);
            boost::json::object o = describe_fields(c.fields);
            o["max_bytes"] = c.max_bytes;
            o["max_entries"] = c.max_entries;
            return boost::json::serialize(o);
          }};
}

config::Section model_section() {
  return {"cache", parse_model, [](const std::any& v) {
            return boost::json::serialize(describe_fields(std::any_cast<const Fields&>(v)));
          }};
}

}  // namespace torii::filters::cache
