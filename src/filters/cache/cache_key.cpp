#include "filters/cache/cache_key.hpp"

#include <algorithm>
#include <vector>

#include <boost/json.hpp>

#include "core/hex.hpp"
#include "llm/json_scan.hpp"

namespace torii::filters::cache {

namespace json = boost::json;

namespace {

void write(const json::value& v, std::string& out);

// Keys sorted; at the top level, the fields that do not change the answer left out.
void write_object(const json::object& o, std::string& out, bool top) {
  std::vector<const json::key_value_pair*> sorted;
  sorted.reserve(o.size());
  for (const auto& kv : o)
    if (!top || !ignored_field(kv.key())) sorted.push_back(&kv);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->key() < b->key(); });
  out += '{';
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (i) out += ',';
    llm::append_json_string(out, sorted[i]->key());
    out += ':';
    write(sorted[i]->value(), out);
  }
  out += '}';
}

void write(const json::value& v, std::string& out) {
  if (v.is_object()) {
    write_object(v.get_object(), out, false);
  } else if (v.is_array()) {
    out += '[';
    bool first = true;
    for (const auto& e : v.get_array()) {
      if (!first) out += ',';
      first = false;
      write(e, out);
    }
    out += ']';
  } else {
    out += json::serialize(v);
  }
}

}  // namespace

bool ignored_field(std::string_view key) {
  return key == "stream" || key == "stream_options" || key == "user" || key == "metadata";
}

std::string canonical_request(const json::object& body) {
  std::string out;
  out.reserve(256);
  write_object(body, out, /*top=*/true);
  return out;
}

std::string namespace_tag(std::string_view ns) { return core::sha256_hex(ns).substr(0, 16); }

std::string entry_key(std::string_view ns_tag, std::string_view surface, std::string_view model,
                      std::string_view canonical) {
  // Lengths first: no two different tuples make the same text.
  std::string text;
  text.reserve(canonical.size() + surface.size() + model.size() + 32);
  for (std::string_view part : {surface, model}) {
    text += std::to_string(part.size());
    text += ':';
    text += part;
  }
  text += canonical;
  std::string key(ns_tag);
  key += ':';
  key += core::sha256_hex(text);
  return key;
}

}  // namespace torii::filters::cache
