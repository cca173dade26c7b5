#include "filters/cache/cached_answer.hpp"

#include <boost/json.hpp>

#include "llm/json_dom.hpp"

namespace torii::filters::cache {

namespace json = boost::json;

std::string encode(const CachedAnswer& a) {
  json::object m{{"v", 1},
                 {"provider", a.provider},
                 {"model", a.upstream_model},
                 {"created_us", a.created_us},
                 {"input", a.usage.input},
                 {"output", a.usage.output},
                 {"cached_read", a.usage.cached_read},
                 {"cache_write", a.usage.cache_write},
                 {"reasoning", a.usage.reasoning},
                 {"audio", a.usage.audio},
                 {"reported", a.usage.reported},
                 {"estimated", a.usage.estimated}};
  if (a.cost_usd) m["cost_usd"] = *a.cost_usd;
  std::string out = json::serialize(m);
  out += '\n';
  out += a.body;
  return out;
}

bool decode(std::string_view text, CachedAnswer& a) {
  const size_t nl = text.find('\n');
  if (nl == std::string_view::npos) return false;
  json::error_code ec;
  json::value v = llm::parse_json(text.substr(0, nl), ec);
  if (ec || !v.is_object()) return false;
  const json::object& m = v.get_object();
  const auto* version = m.if_contains("v");
  if (!version || !version->is_int64() || version->get_int64() != 1) return false;
  auto integer = [&](const char* k) -> int64_t {
    const auto* x = m.if_contains(k);
    return x && x->is_int64() ? x->get_int64() : 0;
  };
  auto text_of = [&](const char* k) -> std::string {
    const auto* x = m.if_contains(k);
    return x && x->is_string() ? std::string(x->get_string()) : std::string();
  };
  auto flag = [&](const char* k) {
    const auto* x = m.if_contains(k);
    return x && x->is_bool() && x->get_bool();
  };
  a.provider = text_of("provider");
  a.upstream_model = text_of("model");
  a.created_us = integer("created_us");
  a.usage.input = integer("input");
  a.usage.output = integer("output");
  a.usage.cached_read = integer("cached_read");
  a.usage.cache_write = integer("cache_write");
  a.usage.reasoning = integer("reasoning");
  a.usage.audio = integer("audio");
  a.usage.reported = flag("reported");
  a.usage.estimated = flag("estimated");
  a.cost_usd.reset();
  if (const auto* c = m.if_contains("cost_usd"); c && c->is_number()) a.cost_usd = c->to_number<double>();
  a.body = std::string(text.substr(nl + 1));
  return true;
}

}  // namespace torii::filters::cache
