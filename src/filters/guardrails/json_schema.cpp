#include "filters/guardrails/json_schema.hpp"

#include <re2/re2.h>

#include <cmath>

#include <boost/json.hpp>

namespace torii::filters::guardrails {

namespace json = boost::json;

namespace {

constexpr int kMaxDepth = 64;
constexpr size_t kMaxSteps = 200'000;  // nested anyOf can multiply: past this, undecided

struct Checker {
  const json::value& root;
  mutable size_t steps = 0;

  const json::value* resolve(std::string_view ref) const {
    // Only the schema's own definitions: "#", "#/$defs/x", "#/definitions/x".
    if (ref == "#") return &root;
    if (!ref.starts_with("#/")) return nullptr;
    json::error_code ec;
    const json::value* v = root.find_pointer(ref.substr(1), ec);
    return ec ? nullptr : v;
  }

  static bool is_type(const json::value& v, std::string_view t) {
    if (t == "object") return v.is_object();
    if (t == "array") return v.is_array();
    if (t == "string") return v.is_string();
    if (t == "boolean") return v.is_bool();
    if (t == "null") return v.is_null();
    if (t == "number") return v.is_number();
    if (t == "integer") {
      if (v.is_int64() || v.is_uint64()) return true;
      return v.is_double() && std::isfinite(v.get_double()) && std::floor(v.get_double()) == v.get_double();
    }
    return true;  // an unknown type name does not fail the answer
  }

  static double number(const json::value& v) { return v.to_number<double>(); }

  std::optional<std::string> check(const json::value& s, const json::value& v, const std::string& at, int depth) const {
    if (++steps > kMaxSteps) return std::nullopt;
    if (depth > kMaxDepth) return at + ": the schema nests too deep to check";
    if (s.is_bool()) return s.get_bool() ? std::nullopt : std::optional<std::string>(at + ": no value is allowed here");
    if (!s.is_object()) return std::nullopt;
    const json::object& o = s.get_object();
    if (const json::value* ref = o.if_contains("$ref"); ref && ref->is_string()) {
      const json::value* target = resolve(ref->get_string());
      if (!target) return at + ": the schema's $ref '" + std::string(ref->get_string()) + "' cannot be followed";
      if (auto e = check(*target, v, at, depth + 1)) return e;
    }
    if (const json::value* t = o.if_contains("type")) {
      bool ok = false;
      std::string names;
      auto one = [&](const json::value& name) {
        if (!name.is_string()) return;
        names += (names.empty() ? "" : " or ") + std::string(name.get_string());
        ok = ok || is_type(v, name.get_string());
      };
      if (t->is_array()) for (const auto& n : t->get_array()) one(n);
      else one(*t);
      if (!ok && !names.empty()) return at + ": expected " + names;
    }
    if (const json::value* e = o.if_contains("enum"); e && e->is_array()) {
      bool found = false;
      for (const auto& x : e->get_array()) found = found || x == v;
      if (!found) return at + ": not one of the allowed values";
    }
    if (const json::value* c = o.if_contains("const"); c && !(*c == v)) return at + ": not the required value";
    for (const char* k : {"allOf", "anyOf", "oneOf"}) {
      const json::value* list = o.if_contains(k);
      if (!list || !list->is_array()) continue;
      size_t passed = 0;
      std::optional<std::string> first;
      for (const auto& sub : list->get_array()) {
        auto e = check(sub, v, at, depth + 1);
        if (!e) ++passed;
        else if (!first) first = e;
      }
      const size_t n = list->get_array().size();
      if (std::string_view(k) == "allOf" && passed != n) return first;
      if (std::string_view(k) == "anyOf" && passed == 0 && n) return at + ": matches none of anyOf (" + first.value_or("") + ")";
      if (std::string_view(k) == "oneOf" && passed != 1 && n) return at + ": must match exactly one of oneOf";
    }
    if (const json::value* no = o.if_contains("not"); no && !check(*no, v, at, depth + 1)) return at + ": matches a schema it must not";
    if (v.is_object()) {
      const json::object& obj = v.get_object();
      const json::object* props = o.if_contains("properties") && o.at("properties").is_object() ? &o.at("properties").get_object() : nullptr;
      if (const json::value* req = o.if_contains("required"); req && req->is_array())
        for (const auto& name : req->get_array())
          if (name.is_string() && !obj.contains(name.get_string()))
            return at + ": the required property '" + std::string(name.get_string()) + "' is missing";
      const json::value* extra = o.if_contains("additionalProperties");
      for (const auto& kv : obj) {
        const std::string here = at + "." + std::string(kv.key());
        if (props)
          if (const json::value* sub = props->if_contains(kv.key())) {
            if (auto e = check(*sub, kv.value(), here, depth + 1)) return e;
            continue;
          }
        if (extra)
          if (auto e = check(*extra, kv.value(), here, depth + 1))
            return extra->is_bool() ? at + ": the property '" + std::string(kv.key()) + "' is not allowed" : e;
      }
    }
    if (v.is_array()) {
      const json::array& a = v.get_array();
      size_t first_free = 0;
      if (const json::value* pi = o.if_contains("prefixItems"); pi && pi->is_array()) {
        for (size_t i = 0; i < a.size() && i < pi->get_array().size(); ++i)
          if (auto e = check(pi->get_array()[i], a[i], at + "[" + std::to_string(i) + "]", depth + 1)) return e;
        first_free = pi->get_array().size();
      }
      if (const json::value* items = o.if_contains("items"))
        for (size_t i = first_free; i < a.size(); ++i)
          if (auto e = check(*items, a[i], at + "[" + std::to_string(i) + "]", depth + 1)) return e;
      if (const json::value* m = o.if_contains("minItems"); m && m->is_number() && double(a.size()) < number(*m))
        return at + ": too few items";
      if (const json::value* m = o.if_contains("maxItems"); m && m->is_number() && double(a.size()) > number(*m))
        return at + ": too many items";
    }
    if (v.is_string()) {
      const std::string_view str = v.get_string();
      size_t chars = 0;
      for (char ch : str) chars += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
      if (const json::value* m = o.if_contains("minLength"); m && m->is_number() && double(chars) < number(*m))
        return at + ": too short";
      if (const json::value* m = o.if_contains("maxLength"); m && m->is_number() && double(chars) > number(*m))
        return at + ": too long";
      if (const json::value* p = o.if_contains("pattern"); p && p->is_string()) {
        re2::RE2::Options opt;
        opt.set_log_errors(false);
        re2::RE2 re(std::string(p->get_string()), opt);
        if (re.ok() && !re2::RE2::PartialMatch(re2::StringPiece(str.data(), str.size()), re))
          return at + ": does not match the pattern";
      }
    }
    if (v.is_number()) {
      const double x = number(v);
      auto bound = [&](const char* k) -> const json::value* {
        const json::value* b = o.if_contains(k);
        return b && b->is_number() ? b : nullptr;
      };
      if (auto* b = bound("minimum"); b && x < number(*b)) return at + ": below the minimum";
      if (auto* b = bound("maximum"); b && x > number(*b)) return at + ": above the maximum";
      if (auto* b = bound("exclusiveMinimum"); b && x <= number(*b)) return at + ": not above the exclusive minimum";
      if (auto* b = bound("exclusiveMaximum"); b && x >= number(*b)) return at + ": not below the exclusive maximum";
      if (auto* b = bound("multipleOf"); b && number(*b) > 0) {
        const double q = x / number(*b);
        if (std::fabs(q - std::round(q)) > 1e-9) return at + ": not a multiple of " + json::serialize(*b);
      }
    }
    return std::nullopt;
  }
};

}  // namespace

std::optional<std::string> schema_violation(const json::value& schema, const json::value& value, bool* undecided) {
  Checker c{schema};
  auto e = c.check(schema, value, "$", 0);
  if (c.steps > kMaxSteps) {
    if (undecided) *undecided = true;
    return std::nullopt;
  }
  return e;
}

}  // namespace torii::filters::guardrails
