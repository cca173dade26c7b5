// The cache-key canonicaliser (src/filters/cache/cache_key.*): a request
// body parsed as the cache filter parses it (boost::json, depth 512; only
// objects are keyed), made canonical and hashed into the entry key.
//
// What cache_key.hpp promises, and so what is checked:
// - "object keys sorted at every depth": the key is the same whatever the
//   order of the members of any object and whatever the whitespace: the
//   body's own text re-spaced (whitespace between every token) and with
//   the members of every object in reverse order (a duplicated key keeps
//   its last value, as boost::json does), each token as written, gives the
//   same key; so does the DOM with its objects reversed;
// - "the ignored top-level fields left out": adding, changing or removing
//   stream, stream_options, user or metadata at the top does not change
//   the key, while the same names deeper do;
// - "numbers as boost::json prints them": the canonical text is JSON that
//   parses back to the body without its ignored fields (so bodies that
//   differ otherwise never share a key), but where the body holds a number
//   beyond a double's range, which boost::json reads as an infinity or NaN
//   and prints as `Infinity` / `NaN` (a stable key, just not JSON);
// - the body serialised by boost::json and parsed again has the same key,
//   and the canonical text is its own canonical form, for bodies without
//   floating-point numbers. With them neither holds, and not because of the
//   canonicaliser: boost::json 1.81 parses doubles to within a few ULPs, not
//   exactly (3e49 reads as 2.9999999999999997e49, which it prints so, and
//   that text reads back as 2.9999999999999992e49), so those compare within
//   a relative 1e-12 instead. A number spelled two ways can thus get two
//   keys (a miss, never a wrong hit);
// - entry_key prefixes the lengths of surface and model, so moving bytes
//   between them changes the key; it starts with the namespace tag.
// And nothing throws.
#include <cmath>
#include <set>

#include "filters/cache/cache_key.hpp"
#include "fuzz.hpp"

namespace {

namespace json = boost::json;
using namespace torii::filters::cache;

json::value parse_as_the_cache(std::string_view text, json::error_code& ec) {
  json::parse_options options;
  options.max_depth = 512;
  return json::parse(text, ec, {}, options);
}

bool finite(const json::value& v) {
  if (v.is_double()) return std::isfinite(v.get_double());
  if (v.is_array()) {
    for (const auto& x : v.get_array())
      if (!finite(x)) return false;
  } else if (v.is_object()) {
    for (const auto& kv : v.get_object())
      if (!finite(kv.value())) return false;
  }
  return true;
}

// The same value with the keys of every object in reverse order.
json::value reversed(const json::value& v) {
  if (v.is_array()) {
    json::array a;
    for (const auto& x : v.get_array()) a.push_back(reversed(x));
    return a;
  }
  if (!v.is_object()) return v;
  const json::object& o = v.get_object();
  json::object out;
  for (auto it = o.end(); it != o.begin();) {
    --it;
    out.emplace(it->key(), reversed(it->value()));
  }
  return out;
}

bool has_double(const json::value& v) {
  if (v.is_double()) return true;
  if (v.is_array()) {
    for (const auto& x : v.get_array())
      if (has_double(x)) return true;
  } else if (v.is_object()) {
    for (const auto& kv : v.get_object())
      if (has_double(kv.value())) return true;
  }
  return false;
}

// Equal, but for doubles within a relative 1e-12.
bool near(const json::value& a, const json::value& b) {
  if (a.is_double() || b.is_double()) {
    if (!a.is_number() || !b.is_number()) return false;
    const double x = a.to_number<double>(), y = b.to_number<double>();
    return x == y || std::fabs(x - y) <= 1e-12 * std::max(std::fabs(x), std::fabs(y));
  }
  if (a.is_array() && b.is_array()) {
    const auto &p = a.get_array(), &q = b.get_array();
    if (p.size() != q.size()) return false;
    for (size_t i = 0; i < p.size(); ++i)
      if (!near(p[i], q[i])) return false;
    return true;
  }
  if (a.is_object() && b.is_object()) {
    const auto &p = a.get_object(), &q = b.get_object();
    if (p.size() != q.size()) return false;
    for (const auto& kv : p) {
      const json::value* other = q.if_contains(kv.key());
      if (!other || !near(kv.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

// The body's text as written: every scalar and key token kept byte for byte.
struct Raw {
  enum Kind { scalar, array, object } kind = scalar;
  std::string text;  // a scalar's token
  std::vector<Raw> items;         // an array's items, an object's values
  std::vector<std::string> keys;  // an object's keys, their tokens quotes included
};

size_t skip_space(std::string_view t, size_t i) {
  while (i < t.size() && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')) ++i;
  return i;
}

std::string string_token(std::string_view t, size_t& i) {
  const size_t start = i++;
  while (t[i] != '"') i += t[i] == '\\' ? 2 : 1;
  ++i;
  return std::string(t.substr(start, i - start));
}

// Reads text boost::json accepted.
Raw read_raw(std::string_view t, size_t& i) {
  i = skip_space(t, i);
  Raw r;
  if (t[i] == '{' || t[i] == '[') {
    const bool object = t[i] == '{';
    r.kind = object ? Raw::object : Raw::array;
    i = skip_space(t, i + 1);
    if (t[i] == (object ? '}' : ']')) {
      ++i;
      return r;
    }
    for (;;) {
      if (object) {
        i = skip_space(t, i);
        std::string key = string_token(t, i);
        i = skip_space(t, i) + 1;  // ':'
        r.keys.push_back(std::move(key));
        r.items.push_back(read_raw(t, i));
      } else {
        r.items.push_back(read_raw(t, i));
      }
      i = skip_space(t, i);
      if (t[i++] != ',') break;
    }
    return r;
  }
  if (t[i] == '"') {
    r.text = string_token(t, i);
    return r;
  }
  const size_t start = i;
  while (i < t.size() && std::string_view(",]} \t\n\r").find(t[i]) == std::string_view::npos) ++i;
  r.text = std::string(t.substr(start, i - start));
  return r;
}

// The text again, with whitespace between every token.
void write_spaced(const Raw& r, std::string& out) {
  if (r.kind == Raw::scalar) {
    out += r.text;
  } else if (r.kind == Raw::array) {
    out += "[ \n";
    for (size_t i = 0; i < r.items.size(); ++i) {
      if (i) out += " ,\n\t";
      write_spaced(r.items[i], out);
    }
    out += "\r\n]";
  } else {
    out += "{\n  ";
    for (size_t i = 0; i < r.keys.size(); ++i) {
      if (i) out += ",\n  ";
      out += r.keys[i];
      out += " :\t";
      write_spaced(r.items[i], out);
    }
    out += "\n}";
  }
}

// The text again, the members of every object in reverse order (of a
// duplicated key only the last, the one boost::json keeps).
void write_reversed(const Raw& r, std::string& out) {
  if (r.kind == Raw::scalar) {
    out += r.text;
  } else if (r.kind == Raw::array) {
    out += '[';
    for (size_t i = 0; i < r.items.size(); ++i) {
      if (i) out += ',';
      write_reversed(r.items[i], out);
    }
    out += ']';
  } else {
    std::set<std::string> seen;
    bool first = true;
    out += '{';
    for (size_t i = r.keys.size(); i-- > 0;) {
      const std::string key(json::parse(r.keys[i]).get_string());  // "\u0061" is "a"
      if (!seen.insert(key).second) continue;
      if (!first) out += ',';
      first = false;
      out += r.keys[i];
      out += ':';
      write_reversed(r.items[i], out);
    }
    out += '}';
  }
}

std::string canonical_of_text(std::string_view text) {
  json::error_code ec;
  json::value v = parse_as_the_cache(text, ec);
  FUZZ_CHECK(!ec && v.is_object());
  return canonical_request(v.get_object());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = fuzz::text_of(data, size);
  json::error_code ec;
  json::value parsed = parse_as_the_cache(text, ec);
  if (ec || !parsed.is_object()) return 0;
  const json::object& body = parsed.get_object();

  const std::string canonical = fuzz::must_not_throw("canonical_request", [&] { return canonical_request(body); });
  const std::string tag = namespace_tag("team_0123456789abcdef");
  const std::string key = fuzz::must_not_throw("entry_key", [&] { return entry_key(tag, "chat", "gpt-4o-mini", canonical); });
  FUZZ_CHECK(key.size() == 16 + 1 + 64 && key.compare(0, 17, tag + ":") == 0);
  // Moving a byte from the surface to the model changes the key.
  FUZZ_CHECK(entry_key(tag, "chatg", "pt-4o-mini", canonical) != key);

  json::object without = body;
  for (const char* f : {"stream", "stream_options", "user", "metadata"}) without.erase(f);
  const bool is_json = finite(parsed);
  const bool exact = !has_double(parsed);
  if (is_json) {
    // JSON that parses back to the body without the ignored fields.
    json::value back = parse_as_the_cache(canonical, ec);
    FUZZ_CHECK(!ec && back.is_object());
    FUZZ_CHECK(near(back, without));
    if (exact) {
      FUZZ_CHECK(back.get_object() == without);
      // Its own canonical form; serialised and parsed again, the same.
      FUZZ_CHECK(canonical_request(back.get_object()) == canonical);
      FUZZ_CHECK(canonical_of_text(json::serialize(parsed)) == canonical);
    }
  }
  // The same text re-spaced, and with its objects' members reversed.
  size_t at = 0;
  const Raw raw = read_raw(text, at);
  std::string spaced, reversed_text;
  write_spaced(raw, spaced);
  write_reversed(raw, reversed_text);
  FUZZ_CHECK(canonical_of_text(spaced) == canonical);
  FUZZ_CHECK(canonical_of_text(reversed_text) == canonical);
  FUZZ_CHECK(canonical_request(reversed(parsed).get_object()) == canonical);

  // The ignored fields, taken out, changed, put in: the same key.
  FUZZ_CHECK(canonical_request(without) == canonical);
  json::object noisy = body;
  noisy["stream"] = !(body.contains("stream") && body.at("stream").is_bool() && body.at("stream").get_bool());
  noisy["user"] = "someone else";
  noisy["metadata"] = json::object{{"trace", canonical.size()}};
  noisy["stream_options"] = json::object{{"include_usage", true}};
  FUZZ_CHECK(canonical_request(noisy) == canonical);
  // Not ignored below the top: a nested object's "stream" counts.
  if (is_json) {
    for (const auto& kv : without) {
      if (!kv.value().is_object()) continue;
      json::object changed = without;
      json::object& inner = changed[kv.key()].get_object();
      if (const json::value* s = inner.if_contains("user"); s && s->is_string() && s->get_string() == "x") continue;
      inner["user"] = "x";
      FUZZ_CHECK(canonical_request(changed) != canonical);
      break;
    }
  }
  return 0;
}
