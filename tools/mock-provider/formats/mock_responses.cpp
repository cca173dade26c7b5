// The OpenAI Responses API around the OpenAI mock's chat answers.
//
// A request is checked the way the Responses API checks it (unknown top-level
// parameters, types and ranges, item and content part shapes, function call
// outputs paired with their calls, strict function schemas), then read into
// the chat request that means the same thing: instructions become a system
// message, message items chat messages, consecutive function_call items one
// assistant message with tool_calls, function_call_output items tool
// messages, function tools chat tools, text.format the response_format and
// max_output_tokens the word limit. mock_llm answers it, and the answer is
// re-wrapped as a Response object (output items, usage, the echoed settings)
// or as the Responses stream (typed events with sequence numbers).
#include "formats/mock_responses.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <set>
#include <utility>

#include <boost/json.hpp>

namespace torii::mock {
namespace {

namespace json = boost::json;

constexpr std::int64_t kMinOutputTokens = 16;
constexpr size_t kMaxMetadataPairs = 16;
constexpr size_t kMaxMetadataKey = 64;
constexpr size_t kMaxMetadataValue = 512;
constexpr int kMaxSchemaDepth = 32;
constexpr std::int64_t kMaxListLimit = 100;
constexpr std::int64_t kDefaultListLimit = 20;

// Every top-level parameter the API knows; any other is a 400. Those the
// mock has no use for are accepted and only echoed (or ignored).
constexpr std::array<std::string_view, 34> kKnownParameters = {
    "model", "input", "instructions", "tools", "tool_choice", "parallel_tool_calls", "text", "reasoning",
    "max_output_tokens", "max_tool_calls", "temperature", "top_p", "top_logprobs", "metadata", "store", "stream",
    "stream_options", "previous_response_id", "include", "truncation", "user", "safety_identifier",
    "prompt_cache_key", "prompt_cache_retention", "prompt_cache_options", "service_tier", "background",
    "background_options", "conversation", "prompt", "context_management", "moderation", "image", "access_programs"};

// Tools the API runs on its side, or whose calls are not function calls: the
// mock answers function tools only.
constexpr std::array<std::string_view, 17> kHostedTools = {
    "file_search", "web_search", "web_search_2025_08_26", "web_search_preview", "web_search_preview_2025_03_11",
    "computer_use_preview", "computer", "code_interpreter", "image_generation", "mcp", "local_shell", "shell",
    "custom", "apply_patch", "tool_search", "programmatic_tool_calling", "namespace"};

bool is_hosted_tool(std::string_view type) {
  return std::find(kHostedTools.begin(), kHostedTools.end(), type) != kHostedTools.end();
}

// ---------------------------------------------------------------- errors

// Thrown while reading a request; becomes an OpenAI-shaped error.
struct Invalid {
  int status = 400;
  std::string message;
  std::string param;
  std::string code;
};

[[noreturn]] void fail(std::string message, std::string param = {}, std::string code = {}, int status = 400) {
  throw Invalid{status, std::move(message), std::move(param), std::move(code)};
}

std::string_view kind_name(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string: return "a string";
    case json::kind::object: return "an object";
    case json::kind::array: return "an array";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64: return "an integer";
    case json::kind::double_: return "a decimal";
    default: return "null";
  }
}

[[noreturn]] void wrong_type(const std::string& param, std::string_view expected, const json::value& got) {
  fail("Invalid type for '" + param + "': expected " + std::string(expected) + ", but got " +
           std::string(kind_name(got)) + " instead.",
       param, "invalid_type");
}

[[noreturn]] void missing(const std::string& param) {
  fail("Missing required parameter: '" + param + "'.", param, "missing_required_parameter");
}

// 'a', 'b', and 'c' / 'a' and 'b'
std::string listed(std::initializer_list<std::string_view> values) {
  std::string out;
  size_t i = 0;
  for (std::string_view v : values) {
    if (i > 0) out += values.size() == 2 ? " and " : i + 1 == values.size() ? ", and " : ", ";
    out += '\'';
    out += v;
    out += '\'';
    ++i;
  }
  return out;
}

[[noreturn]] void bad_value(const std::string& param, std::string_view value,
                            std::initializer_list<std::string_view> supported) {
  fail("Invalid value: '" + std::string(value) + "'. Supported values are: " + listed(supported) + ".", param,
       "invalid_value");
}

bool one_of(std::string_view value, std::initializer_list<std::string_view> allowed) {
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

// "2.5", "3": the number as the client wrote it (boost::json would say "2.5E0").
std::string number_text(const json::value& v) {
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, v.to_number<double>());
  return std::string(buf, res.ptr);
}

// ---------------------------------------------------------------- reading fields

const json::value* field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && !v->is_null() ? v : nullptr;
}

std::string at(std::string_view base, size_t i) { return std::string(base) + "[" + std::to_string(i) + "]"; }

std::string dot(std::string_view base, std::string_view key) {
  return base.empty() ? std::string(key) : std::string(base) + "." + std::string(key);
}

std::string_view need_string(const json::object& o, std::string_view key, const std::string& param) {
  const json::value* v = field(o, key);
  if (!v) missing(param);
  if (!v->is_string()) wrong_type(param, "a string", *v);
  return v->get_string();
}

const json::value* opt_string(const json::object& o, std::string_view key, const std::string& param) {
  const json::value* v = field(o, key);
  if (v && !v->is_string()) wrong_type(param, "a string", *v);
  return v;
}

const json::value* opt_bool(const json::object& o, std::string_view key, const std::string& param) {
  const json::value* v = field(o, key);
  if (v && !v->is_bool()) wrong_type(param, "a boolean", *v);
  return v;
}

const json::object* opt_object(const json::object& o, std::string_view key, const std::string& param) {
  const json::value* v = field(o, key);
  if (v && !v->is_object()) wrong_type(param, "an object", *v);
  return v ? &v->get_object() : nullptr;
}

const json::value* opt_int(const json::object& o, std::string_view key, const std::string& param,
                           std::optional<std::int64_t> min, std::optional<std::int64_t> max) {
  const json::value* v = field(o, key);
  if (!v) return nullptr;
  if (!v->is_int64() && !v->is_uint64()) wrong_type(param, "an integer", *v);
  bool below = min && v->is_int64() && v->get_int64() < *min;
  bool above = max && (v->is_uint64() || v->get_int64() > *max);
  if (below)
    fail("Invalid '" + param + "': integer below minimum value. Expected a value >= " + std::to_string(*min) +
             ", but got " + number_text(*v) + " instead.",
         param, "integer_below_min_value");
  if (above)
    fail("Invalid '" + param + "': integer above maximum value. Expected a value <= " + std::to_string(*max) +
             ", but got " + number_text(*v) + " instead.",
         param, "integer_above_max_value");
  return v;
}

const json::value* opt_number(const json::object& o, std::string_view key, const std::string& param, double min,
                              double max) {
  const json::value* v = field(o, key);
  if (!v) return nullptr;
  if (!v->is_number()) wrong_type(param, "a decimal", *v);
  double d = v->to_number<double>();
  auto shown = [](double x) {
    char buf[32];
    auto res = std::to_chars(buf, buf + sizeof buf, x);
    return std::string(buf, res.ptr);
  };
  if (d < min)
    fail("Invalid '" + param + "': decimal below minimum value. Expected a value >= " + shown(min) + ", but got " +
             number_text(*v) + " instead.",
         param, "decimal_below_min_value");
  if (d > max)
    fail("Invalid '" + param + "': decimal above maximum value. Expected a value <= " + shown(max) + ", but got " +
             number_text(*v) + " instead.",
         param, "decimal_above_max_value");
  return v;
}

json::value or_null(const json::value* v) { return v ? *v : json::value(nullptr); }

// A number echoed back: integral decimals as integers ("1", not boost::json's "1E0").
json::value echoed_number(const json::value* v, std::int64_t fallback) {
  if (!v) return fallback;
  if (v->is_double()) {
    double d = v->get_double();
    auto i = static_cast<std::int64_t>(d);
    if (static_cast<double>(i) == d) return i;
  }
  return *v;
}

// Function and schema names: ^[a-zA-Z0-9_-]+$, at most 64 characters.
void check_name(std::string_view name, const std::string& param) {
  bool ok = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  if (!ok)
    fail("Invalid '" + param + "': string does not match pattern. Expected a string that matches the pattern "
         "'^[a-zA-Z0-9_-]+$'.",
         param, "invalid_value");
}

// ---------------------------------------------------------------- ids

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

std::string hex(std::uint64_t v, int digits) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, v >>= 4) out[static_cast<size_t>(i)] = kDigits[v & 15];
  return out;
}

// Ids of one answer: a hash of the request, a slot per id, and the serial.
struct Ids {
  std::uint64_t request = 0;
  std::uint64_t serial = 0;
  std::string make(std::string_view prefix, std::uint64_t slot) const {
    return std::string(prefix) + hex(mix(request + slot * 0x9e3779b97f4a7c15ull), 16) + hex(serial, 8);
  }
};

// ---------------------------------------------------------------- strict schemas

// Python's repr of the path tuple, as the API's messages show it: (), ('items',),
// ('properties', 'city').
std::string context_text(const std::vector<std::string>& path) {
  std::string out = "(";
  for (size_t i = 0; i < path.size(); ++i) {
    if (i) out += ", ";
    out += path[i];
  }
  if (path.size() == 1) out += ",";
  return out + ")";
}

struct StrictCheck {
  std::string what;   // "function 'get_weather'", "response_format 'answer'"
  std::string param;
  std::string code;
  std::vector<std::string> path;

  [[noreturn]] void broken(const std::string& detail) const {
    fail("Invalid schema for " + what + ": In context=" + context_text(path) + ", " + detail, param, code);
  }

  static bool is_object_schema(const json::object& s) {
    const json::value* type = s.if_contains("type");
    if (type && type->is_string()) return type->get_string() == "object";
    if (type && type->is_array())
      return std::any_of(type->get_array().begin(), type->get_array().end(),
                         [](const json::value& t) { return t.is_string() && t.get_string() == "object"; });
    return s.contains("properties");
  }

  void walk(const json::value& v, int depth) {
    if (!v.is_object() || depth > kMaxSchemaDepth) return;
    const auto& s = v.get_object();
    if (is_object_schema(s)) {
      const json::value* extra = s.if_contains("additionalProperties");
      if (!extra || !extra->is_bool() || extra->get_bool())
        broken("'additionalProperties' is required to be supplied and to be false.");
      const json::value* props = s.if_contains("properties");
      const json::value* required = s.if_contains("required");
      if (props && props->is_object()) {
        for (const auto& kv : props->get_object()) {
          auto names_key = [&](const json::value& r) { return r.is_string() && r.get_string() == kv.key(); };
          bool listed_key = required && required->is_array() &&
                            std::any_of(required->get_array().begin(), required->get_array().end(), names_key);
          if (!listed_key)
            broken("'required' is required to be supplied and to be an array including every key in properties. "
                   "Missing '" + std::string(kv.key()) + "'.");
        }
        for (const auto& kv : props->get_object()) {
          path.push_back("'properties'");
          path.push_back("'" + std::string(kv.key()) + "'");
          walk(kv.value(), depth + 1);
          path.resize(path.size() - 2);
        }
      }
    }
    if (const json::value* items = s.if_contains("items")) {
      path.push_back("'items'");
      walk(*items, depth + 1);
      path.pop_back();
    }
    if (const json::value* any = s.if_contains("anyOf"); any && any->is_array()) {
      for (size_t i = 0; i < any->get_array().size(); ++i) {
        path.push_back("'anyOf'");
        path.push_back(std::to_string(i));
        walk(any->get_array()[i], depth + 1);
        path.resize(path.size() - 2);
      }
    }
    for (std::string_view defs : {"$defs", "definitions"}) {
      const json::value* d = s.if_contains(defs);
      if (!d || !d->is_object()) continue;
      for (const auto& kv : d->get_object()) {
        path.push_back("'" + std::string(defs) + "'");
        path.push_back("'" + std::string(kv.key()) + "'");
        walk(kv.value(), depth + 1);
        path.resize(path.size() - 2);
      }
    }
  }

  void run(const json::object& schema) {
    const json::value* type = schema.if_contains("type");
    if (!type || !type->is_string() || type->get_string() != "object") {
      std::string shown = type && type->is_string() ? std::string(type->get_string()) : std::string("None");
      fail("Invalid schema for " + what + ": schema must be a JSON Schema of 'type: \"object\"', got 'type: \"" +
               shown + "\"'.",
           param, code);
    }
    walk(schema, 0);
  }
};

// ---------------------------------------------------------------- input items

json::object input_text(std::string_view text) { return {{"type", "input_text"}, {"text", text}}; }

json::object output_text(std::string_view text) {
  return {{"type", "output_text"}, {"annotations", json::array{}}, {"logprobs", json::array{}}, {"text", text}};
}

json::object read_part(const json::value& v, const std::string& param, bool assistant) {
  if (!v.is_object()) wrong_type(param, "an object", v);
  const auto& p = v.get_object();
  std::string_view type = need_string(p, "type", param + ".type");
  if (assistant) {
    if (type == "output_text") {
      std::string_view text = need_string(p, "text", param + ".text");
      json::object out{{"type", "output_text"}};
      const json::value* annotations = field(p, "annotations");
      if (annotations && !annotations->is_array()) wrong_type(param + ".annotations", "an array", *annotations);
      out["annotations"] = annotations ? *annotations : json::value(json::array{});
      out["text"] = text;
      return out;
    }
    if (type == "refusal") return {{"type", "refusal"}, {"refusal", need_string(p, "refusal", param + ".refusal")}};
    bad_value(param + ".type", type, {"output_text", "refusal"});
  }
  if (type == "input_text") return input_text(need_string(p, "text", param + ".text"));
  if (type == "input_image") {
    const json::value* url = opt_string(p, "image_url", param + ".image_url");
    const json::value* file = opt_string(p, "file_id", param + ".file_id");
    const json::value* detail = opt_string(p, "detail", param + ".detail");
    if (!url && !file)
      fail("Invalid '" + param + "': one of 'image_url' or 'file_id' must be provided.", param,
           "missing_required_parameter");
    return {{"type", "input_image"},
            {"detail", detail ? *detail : json::value("auto")},
            {"file_id", or_null(file)},
            {"image_url", or_null(url)}};
  }
  if (type == "input_file") {
    json::object out{{"type", "input_file"}};
    bool any = false;
    for (std::string_view key : {"file_id", "file_data", "file_url", "filename"}) {
      if (const json::value* s = opt_string(p, key, dot(param, key))) {
        out[key] = *s;
        any = any || key != "filename";
      }
    }
    if (!any)
      fail("Invalid '" + param + "': one of 'file_id', 'file_data' or 'file_url' must be provided.", param,
           "missing_required_parameter");
    return out;
  }
  bad_value(param + ".type", type, {"input_text", "input_image", "input_file"});
}

void copy_id(const json::object& from, json::object& to, const std::string& param) {
  if (const json::value* id = opt_string(from, "id", param + ".id")) to["id"] = *id;
}

json::value item_status(const json::object& o, const std::string& param) {
  const json::value* s = opt_string(o, "status", param + ".status");
  if (s && !one_of(s->get_string(), {"in_progress", "completed", "incomplete"}))
    bad_value(param + ".status", s->get_string(), {"in_progress", "completed", "incomplete"});
  return s ? *s : json::value("completed");
}

json::object read_message(const json::object& m, const std::string& param) {
  const json::value* role = field(m, "role");
  if (!role) missing(param + ".role");
  if (!role->is_string()) wrong_type(param + ".role", "a string", *role);
  std::string_view r = role->get_string();
  if (!one_of(r, {"user", "assistant", "system", "developer"}))
    bad_value(param + ".role", r, {"user", "assistant", "system", "developer"});
  bool assistant = r == "assistant";
  const json::value* content = field(m, "content");
  if (!content) missing(param + ".content");
  json::array parts;
  if (content->is_string()) {
    parts.push_back(assistant ? output_text(content->get_string()) : input_text(content->get_string()));
  } else if (content->is_array()) {
    for (size_t i = 0; i < content->get_array().size(); ++i)
      parts.push_back(read_part(content->get_array()[i], at(param + ".content", i), assistant));
  } else {
    wrong_type(param + ".content", "one of a string or an array of content parts", *content);
  }
  json::object out;
  copy_id(m, out, param);
  out["type"] = "message";
  out["role"] = r;
  out["content"] = std::move(parts);
  out["status"] = item_status(m, param);
  return out;
}

// The text a function_call_output gives the model: the string, or its text parts.
std::string output_string(const json::value& output) {
  if (output.is_string()) return std::string(output.get_string());
  std::string out;
  for (const auto& p : output.get_array()) {
    const json::value* text = p.get_object().if_contains("text");
    if (!text || !text->is_string() || text->get_string().empty()) continue;
    if (!out.empty()) out += ' ';
    out += text->get_string();
  }
  return out;
}


// An item with this id among the items seen so far (item_reference).
const json::object* find_item(const json::array& items, std::string_view id) {
  for (const auto& v : items) {
    const json::value* i = v.get_object().if_contains("id");
    if (i && i->is_string() && i->get_string() == id) return &v.get_object();
  }
  return nullptr;
}

// One input item in its canonical form (the form input_items lists, without
// the ids the mock adds later). `seen` are the items before it.
json::object read_item(const json::value& v, const std::string& param, const json::array& prior,
                       const json::array& seen) {
  if (!v.is_object()) wrong_type(param, "an object", v);
  const auto& o = v.get_object();
  const json::value* type = field(o, "type");
  if (type && !type->is_string()) wrong_type(param + ".type", "a string", *type);
  std::string_view t = type ? std::string_view(type->get_string()) : std::string_view("message");
  if (t == "message") return read_message(o, param);
  if (t == "function_call") {
    json::object out;
    copy_id(o, out, param);
    out["type"] = "function_call";
    out["status"] = item_status(o, param);
    std::string_view call_id = need_string(o, "call_id", param + ".call_id");
    std::string_view name = need_string(o, "name", param + ".name");
    out["arguments"] = need_string(o, "arguments", param + ".arguments");
    out["call_id"] = call_id;
    out["name"] = name;
    return out;
  }
  if (t == "function_call_output") {
    json::object out;
    copy_id(o, out, param);
    out["type"] = "function_call_output";
    out["call_id"] = need_string(o, "call_id", param + ".call_id");
    const json::value* output = field(o, "output");
    if (!output) missing(param + ".output");
    if (output->is_string()) {
      out["output"] = *output;
    } else if (output->is_array()) {
      json::array parts;
      for (size_t i = 0; i < output->get_array().size(); ++i)
        parts.push_back(read_part(output->get_array()[i], at(param + ".output", i), false));
      out["output"] = std::move(parts);
    } else {
      wrong_type(param + ".output", "one of a string or an array of content parts", *output);
    }
    out["status"] = item_status(o, param);
    return out;
  }
  if (t == "reasoning") {
    // Kept as sent (and listed back), never shown to the mock's model.
    json::object out = o;
    out["type"] = "reasoning";
    copy_id(o, out, param);
    return out;
  }
  if (t == "item_reference") {
    std::string_view id = need_string(o, "id", param + ".id");
    const json::object* found = find_item(seen, id);
    if (!found) found = find_item(prior, id);
    if (!found) fail("Item with id '" + std::string(id) + "' not found.", param + ".id", {}, 404);
    return *found;
  }
  bad_value(param + ".type", t, {"message", "function_call", "function_call_output", "reasoning", "item_reference"});
}

// ---------------------------------------------------------------- tools and formats

struct Tools {
  json::array chat;   // chat-shaped function tools
  json::array echo;   // as the Response object shows them
  std::vector<std::string> names;
};

Tools read_tools(const json::object& req) {
  Tools out;
  const json::value* tv = field(req, "tools");
  if (!tv) return out;
  if (!tv->is_array()) wrong_type("tools", "an array", *tv);
  for (size_t i = 0; i < tv->get_array().size(); ++i) {
    std::string param = at("tools", i);
    const json::value& t = tv->get_array()[i];
    if (!t.is_object()) wrong_type(param, "an object", t);
    const auto& o = t.get_object();
    std::string_view type = need_string(o, "type", param + ".type");
    if (type != "function") {
      if (is_hosted_tool(type))
        fail("Tool type '" + std::string(type) + "' is not supported by torii-mock: it answers function tools only.",
             param + ".type", "unsupported_value");
      bad_value(param + ".type", type,
                {"function", "file_search", "web_search", "web_search_preview", "computer_use_preview",
                 "code_interpreter", "image_generation", "mcp", "local_shell", "shell", "custom", "apply_patch"});
    }
    std::string_view name = need_string(o, "name", param + ".name");
    check_name(name, param + ".name");
    const json::value* description = opt_string(o, "description", param + ".description");
    const json::object* parameters = opt_object(o, "parameters", param + ".parameters");
    const json::value* strict = opt_bool(o, "strict", param + ".strict");
    bool is_strict = !strict || strict->get_bool();  // the Responses API's default
    if (is_strict && parameters)
      StrictCheck{"function '" + std::string(name) + "'", param + ".parameters", "invalid_function_parameters", {}}
          .run(*parameters);
    out.echo.push_back(json::object{{"type", "function"},
                                    {"description", or_null(description)},
                                    {"name", name},
                                    {"parameters", parameters ? json::value(*parameters) : json::value(nullptr)},
                                    {"strict", is_strict}});
    json::object fn{{"name", name}};
    if (description) fn["description"] = *description;
    if (parameters) fn["parameters"] = *parameters;
    fn["strict"] = is_strict;
    out.chat.push_back(json::object{{"type", "function"}, {"function", std::move(fn)}});
    out.names.emplace_back(name);
  }
  return out;
}

bool has_tool(const Tools& tools, std::string_view name) {
  return std::find(tools.names.begin(), tools.names.end(), name) != tools.names.end();
}

// tool_choice → the chat tool_choice (nullptr: leave it out). allowed_tools
// narrows `tools.chat` to the allowed functions.
json::value read_tool_choice(const json::object& req, Tools& tools) {
  const json::value* tc = field(req, "tool_choice");
  if (!tc) return nullptr;
  json::value chat;
  if (tc->is_string()) {
    std::string_view s = tc->get_string();
    if (!one_of(s, {"none", "auto", "required"})) bad_value("tool_choice", s, {"none", "auto", "required"});
    chat = s;
  } else if (tc->is_object()) {
    const auto& o = tc->get_object();
    std::string_view type = need_string(o, "type", "tool_choice.type");
    if (type == "function") {
      std::string_view name = need_string(o, "name", "tool_choice.name");
      if (!has_tool(tools, name)) fail("Tool choice 'function' not found in 'tools' parameter.", "tool_choice");
      chat = json::object{{"type", "function"}, {"function", json::object{{"name", name}}}};
    } else if (type == "allowed_tools") {
      std::string_view mode = need_string(o, "mode", "tool_choice.mode");
      if (!one_of(mode, {"auto", "required"})) bad_value("tool_choice.mode", mode, {"auto", "required"});
      const json::value* allowed = field(o, "tools");
      if (!allowed) missing("tool_choice.tools");
      if (!allowed->is_array()) wrong_type("tool_choice.tools", "an array", *allowed);
      std::set<std::string, std::less<>> keep;
      for (size_t i = 0; i < allowed->get_array().size(); ++i) {
        std::string param = at("tool_choice.tools", i);
        const json::value& a = allowed->get_array()[i];
        if (!a.is_object()) wrong_type(param, "an object", a);
        std::string_view atype = need_string(a.get_object(), "type", param + ".type");
        if (atype != "function") continue;  // hosted tools are refused in `tools` already
        std::string_view name = need_string(a.get_object(), "name", param + ".name");
        if (!has_tool(tools, name))
          fail("Tool '" + std::string(name) + "' in 'tool_choice.tools' not found in 'tools' parameter.", param);
        keep.emplace(name);
      }
      json::array narrowed;
      for (auto& t : tools.chat)
        if (keep.count(t.at("function").at("name").as_string())) narrowed.push_back(t);
      tools.chat = std::move(narrowed);
      chat = tools.chat.empty() ? json::value("none") : json::value(mode);
    } else if (is_hosted_tool(type)) {
      fail("Tool choice '" + std::string(type) + "' is not supported by torii-mock: it answers function tools only.",
           "tool_choice.type", "unsupported_value");
    } else {
      bad_value("tool_choice.type", type, {"function", "allowed_tools", "file_search", "web_search_preview",
                                          "computer_use_preview", "code_interpreter", "image_generation", "mcp",
                                          "custom"});
    }
  } else {
    wrong_type("tool_choice", "one of a string or an object", *tc);
  }
  bool forced = !chat.is_string() || chat.get_string() == "required";
  if (forced && tools.chat.empty())
    fail("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.", "tool_choice");
  return chat;
}

struct TextFormat {
  json::object echo;              // the Response object's "text"
  json::value response_format;    // chat's, or nullptr
  bool json_object = false;
};

TextFormat read_text(const json::object& req) {
  TextFormat out;
  json::object format{{"type", "text"}};
  json::value verbosity = "medium";
  if (const json::object* text = opt_object(req, "text", "text")) {
    if (const json::object* f = opt_object(*text, "format", "text.format")) {
      std::string_view type = need_string(*f, "type", "text.format.type");
      if (type == "json_object") {
        format = {{"type", "json_object"}};
        out.response_format = json::object{{"type", "json_object"}};
        out.json_object = true;
      } else if (type == "json_schema") {
        std::string_view name = need_string(*f, "name", "text.format.name");
        check_name(name, "text.format.name");
        const json::object* schema = opt_object(*f, "schema", "text.format.schema");
        if (!schema) missing("text.format.schema");
        const json::value* strict = opt_bool(*f, "strict", "text.format.strict");
        const json::value* description = opt_string(*f, "description", "text.format.description");
        bool is_strict = strict && strict->get_bool();
        if (is_strict)
          StrictCheck{"response_format '" + std::string(name) + "'", "text.format.schema", "invalid_json_schema", {}}
              .run(*schema);
        format = {{"type", "json_schema"},
                  {"description", or_null(description)},
                  {"name", name},
                  {"schema", *schema},
                  {"strict", is_strict}};
        out.response_format = json::object{
            {"type", "json_schema"},
            {"json_schema", json::object{{"name", name}, {"schema", *schema}, {"strict", is_strict}}}};
      } else if (type != "text") {
        bad_value("text.format.type", type, {"text", "json_object", "json_schema"});
      }
    }
    if (const json::value* v = opt_string(*text, "verbosity", "text.verbosity")) {
      if (!one_of(v->get_string(), {"low", "medium", "high"}))
        bad_value("text.verbosity", v->get_string(), {"low", "medium", "high"});
      verbosity = *v;
    }
  }
  out.echo = {{"format", std::move(format)}, {"verbosity", std::move(verbosity)}};
  return out;
}

// ---------------------------------------------------------------- the request

struct Request {
  std::string model;
  bool stream = false;
  bool store = true;
  bool obfuscation = true;
  json::array prior;   // the previous response's items
  json::array items;   // this request's input items
  json::object chat;   // the equivalent chat request
  json::object settings;  // the Response object's echoed fields, in the API's order
};

void check_known(const json::object& req) {
  for (const auto& kv : req) {
    std::string_view key = kv.key();
    if (std::find(kKnownParameters.begin(), kKnownParameters.end(), key) == kKnownParameters.end())
      fail("Unknown parameter: '" + std::string(key) + "'.", std::string(key), "unknown_parameter");
  }
}

// Every function_call_output answers an earlier function_call, and every
// function_call is answered, across the whole context.
void check_pairs(const json::array& context) {
  std::set<std::string, std::less<>> calls;
  std::map<std::string, size_t, std::less<>> last_output;
  for (size_t i = 0; i < context.size(); ++i) {
    const auto& item = context[i].get_object();
    std::string_view type = item.at("type").as_string();
    if (type == "function_call") {
      calls.emplace(item.at("call_id").as_string());
    } else if (type == "function_call_output") {
      std::string_view id = item.at("call_id").as_string();
      if (!calls.count(id))
        fail("No tool call found for function call output with call_id " + std::string(id) + ".", "input");
      last_output[std::string(id)] = i;
    }
  }
  for (size_t i = 0; i < context.size(); ++i) {
    const auto& item = context[i].get_object();
    if (item.at("type").as_string() != "function_call") continue;
    std::string_view id = item.at("call_id").as_string();
    auto it = last_output.find(id);
    if (it == last_output.end() || it->second < i)
      fail("No tool output found for function call " + std::string(id) + ".", "input");
  }
}

std::string joined_text(const json::array& parts, std::initializer_list<std::string_view> keys) {
  std::string out;
  for (const auto& pv : parts) {
    const auto& p = pv.get_object();
    for (std::string_view key : keys) {
      const json::value* t = p.if_contains(key);
      if (!t || !t->is_string() || t->get_string().empty()) continue;
      if (!out.empty()) out += ' ';
      out += t->get_string();
    }
  }
  return out;
}

// The chat messages the items mean: consecutive function calls (after an
// assistant message, or alone) make one assistant turn with tool_calls.
void to_chat(const json::array& items, json::array& messages) {
  bool assistant_turn = false;
  for (const auto& iv : items) {
    const auto& item = iv.get_object();
    std::string_view type = item.at("type").as_string();
    if (type == "message") {
      std::string_view role = item.at("role").as_string();
      const auto& content = item.at("content").as_array();
      if (role == "assistant") {
        messages.push_back(json::object{{"role", "assistant"}, {"content", joined_text(content, {"text", "refusal"})}});
        assistant_turn = true;
      } else if (role == "user") {
        json::array parts;
        for (const auto& pv : content) {
          const auto& p = pv.get_object();
          std::string_view ptype = p.at("type").as_string();
          if (ptype == "input_text") {
            parts.push_back(json::object{{"type", "text"}, {"text", p.at("text")}});
          } else if (ptype == "input_image") {
            const json::value& url = p.at("image_url");
            json::value where = url.is_string() ? url : p.at("file_id");
            parts.push_back(json::object{{"type", "image_url"}, {"image_url", json::object{{"url", where}}}});
          }
        }
        messages.push_back(json::object{{"role", "user"}, {"content", std::move(parts)}});
        assistant_turn = false;
      } else {
        messages.push_back(json::object{{"role", role}, {"content", joined_text(content, {"text"})}});
        assistant_turn = false;
      }
    } else if (type == "function_call") {
      json::object call{{"id", item.at("call_id")},
                        {"type", "function"},
                        {"function", json::object{{"name", item.at("name")}, {"arguments", item.at("arguments")}}}};
      if (assistant_turn) {
        json::object& last = messages.back().as_object();
        if (!last.contains("tool_calls")) last["tool_calls"] = json::array{};
        last["tool_calls"].as_array().push_back(std::move(call));
      } else {
        messages.push_back(json::object{
            {"role", "assistant"}, {"content", nullptr}, {"tool_calls", json::array{std::move(call)}}});
        assistant_turn = true;
      }
    } else if (type == "function_call_output") {
      messages.push_back(json::object{
          {"role", "tool"}, {"tool_call_id", item.at("call_id")}, {"content", output_string(item.at("output"))}});
      assistant_turn = false;
    }
    // reasoning items take no turn
  }
}

bool mentions_json(const json::array& messages) {
  for (const auto& mv : messages) {
    const json::value& content = mv.get_object().at("content");
    std::string text;
    if (content.is_string()) text = std::string(content.get_string());
    else if (content.is_array()) text = joined_text(content.get_array(), {"text"});
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (text.find("json") != std::string::npos) return true;
  }
  return false;
}

Request read_request(const json::object& req, const ResponsesOptions& opt) {
  check_known(req);
  Request r;
  const json::value* model = field(req, "model");
  if (!model) missing("model");
  if (!model->is_string()) wrong_type("model", "a string", *model);
  if (model->get_string().empty())
    fail("Invalid 'model': empty string. Expected a string with minimum length 1, but got an empty string instead.",
         "model", "empty_string");
  r.model = std::string(model->get_string());

  const json::value* instructions = opt_string(req, "instructions", "instructions");
  const json::value* max_output =
      opt_int(req, "max_output_tokens", "max_output_tokens", kMinOutputTokens, std::nullopt);
  const json::value* max_tool_calls = opt_int(req, "max_tool_calls", "max_tool_calls", 1, std::nullopt);
  const json::value* temperature = opt_number(req, "temperature", "temperature", 0, 2);
  const json::value* top_p = opt_number(req, "top_p", "top_p", 0, 1);
  const json::value* top_logprobs = opt_int(req, "top_logprobs", "top_logprobs", 0, 20);
  const json::value* parallel = opt_bool(req, "parallel_tool_calls", "parallel_tool_calls");
  const json::value* store = opt_bool(req, "store", "store");
  const json::value* stream = opt_bool(req, "stream", "stream");
  const json::value* background = opt_bool(req, "background", "background");
  const json::value* previous = opt_string(req, "previous_response_id", "previous_response_id");
  const json::value* user = opt_string(req, "user", "user");
  const json::value* safety = opt_string(req, "safety_identifier", "safety_identifier");
  const json::value* cache_key = opt_string(req, "prompt_cache_key", "prompt_cache_key");
  const json::value* retention = opt_string(req, "prompt_cache_retention", "prompt_cache_retention");
  if (retention && !one_of(retention->get_string(), {"in_memory", "24h"}))
    bad_value("prompt_cache_retention", retention->get_string(), {"in_memory", "24h"});
  const json::value* truncation = opt_string(req, "truncation", "truncation");
  if (truncation && !one_of(truncation->get_string(), {"auto", "disabled"}))
    bad_value("truncation", truncation->get_string(), {"auto", "disabled"});
  const json::value* tier = opt_string(req, "service_tier", "service_tier");
  if (tier && !one_of(tier->get_string(), {"auto", "default", "flex", "scale", "priority"}))
    bad_value("service_tier", tier->get_string(), {"auto", "default", "flex", "scale", "priority"});
  if (const json::value* include = field(req, "include")) {
    if (!include->is_array()) wrong_type("include", "an array", *include);
    for (size_t i = 0; i < include->get_array().size(); ++i)
      if (!include->get_array()[i].is_string()) wrong_type(at("include", i), "a string", include->get_array()[i]);
  }
  if (const json::object* so = opt_object(req, "stream_options", "stream_options")) {
    const json::value* obf = opt_bool(*so, "include_obfuscation", "stream_options.include_obfuscation");
    r.obfuscation = !obf || obf->get_bool();
  }
  json::object metadata;
  if (const json::object* md = opt_object(req, "metadata", "metadata")) {
    if (md->size() > kMaxMetadataPairs)
      fail("Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got an "
           "object with " + std::to_string(md->size()) + " properties instead.",
           "metadata", "object_above_max_properties");
    for (const auto& kv : *md) {
      std::string param = dot("metadata", kv.key());
      if (!kv.value().is_string()) wrong_type(param, "a string", kv.value());
      if (kv.key().size() > kMaxMetadataKey)
        fail("Invalid 'metadata': keys can be at most 64 characters long.", "metadata", "invalid_value");
      if (kv.value().get_string().size() > kMaxMetadataValue)
        fail("Invalid '" + param + "': string too long. Expected a string with maximum length 512, but got a string "
             "with length " + std::to_string(kv.value().get_string().size()) + " instead.",
             param, "string_above_max_length");
    }
    metadata = *md;
  }
  json::object reasoning{{"effort", nullptr}, {"summary", nullptr}};
  if (const json::object* ro = opt_object(req, "reasoning", "reasoning")) {
    reasoning["effort"] = or_null(opt_string(*ro, "effort", "reasoning.effort"));
    const json::value* summary = opt_string(*ro, "summary", "reasoning.summary");
    if (!summary) summary = opt_string(*ro, "generate_summary", "reasoning.generate_summary");
    reasoning["summary"] = or_null(summary);
  }

  // Resources the mock does not keep.
  if (const json::value* conversation = field(req, "conversation")) {
    if (previous)
      fail("Mutually exclusive parameters: Ensure you are only providing one of: 'previous_response_id' or "
           "'conversation'.",
           {}, "mutually_exclusive_parameters");
    std::string id;
    if (conversation->is_string())
      id = std::string(conversation->get_string());
    else if (conversation->is_object())
      id = std::string(need_string(conversation->get_object(), "id", "conversation.id"));
    else
      wrong_type("conversation", "one of a string or an object", *conversation);
    fail("Conversation with id '" + id + "' not found.", "conversation", {}, 404);
  }
  if (const json::value* prompt = field(req, "prompt")) {
    if (!prompt->is_object()) wrong_type("prompt", "an object", *prompt);
    std::string_view id = need_string(prompt->get_object(), "id", "prompt.id");
    fail("Prompt with id '" + std::string(id) + "' not found.", "prompt", {}, 404);
  }

  Tools tools = read_tools(req);
  json::value chat_choice = read_tool_choice(req, tools);
  TextFormat text = read_text(req);

  if (previous) {
    std::optional<json::array> items;
    if (opt.previous) items = opt.previous(previous->get_string());
    if (!items)
      fail("Previous response with id '" + std::string(previous->get_string()) + "' not found.",
           "previous_response_id", "previous_response_not_found");
    r.prior = std::move(*items);
  }

  const json::value* input = field(req, "input");
  if (!input && !previous) missing("input");
  if (input && input->is_string()) {
    r.items.push_back(json::object{{"type", "message"},
                                   {"role", "user"},
                                   {"content", json::array{input_text(input->get_string())}},
                                   {"status", "completed"}});
  } else if (input && input->is_array()) {
    for (size_t i = 0; i < input->get_array().size(); ++i)
      r.items.push_back(read_item(input->get_array()[i], at("input", i), r.prior, r.items));
  } else if (input) {
    wrong_type("input", "one of a string or an array of input items", *input);
  }

  json::array context = r.prior;
  for (const auto& item : r.items) context.push_back(item);
  bool any_turn = std::any_of(context.begin(), context.end(), [](const json::value& v) {
    return v.get_object().at("type").as_string() != "reasoning";
  });
  if (!any_turn)
    fail("Invalid 'input': empty array. Expected an array with minimum length 1, but got an empty array instead.",
         "input", "empty_array");
  check_pairs(context);

  json::array messages;
  if (instructions && !instructions->get_string().empty())
    messages.push_back(json::object{{"role", "system"}, {"content", *instructions}});
  to_chat(context, messages);
  if (text.json_object && !mentions_json(messages))
    fail("Response input messages must contain the word 'json' in some form to use 'text.format' of type "
         "'json_object'.",
         "input");

  r.chat["model"] = r.model;
  r.chat["messages"] = std::move(messages);
  if (!tools.chat.empty()) r.chat["tools"] = tools.chat;
  if (!chat_choice.is_null()) r.chat["tool_choice"] = chat_choice;
  if (!text.response_format.is_null()) r.chat["response_format"] = text.response_format;
  if (max_output) r.chat["max_tokens"] = *max_output;

  r.stream = stream && stream->get_bool();
  r.store = !store || store->get_bool();
  json::value tool_choice = field(req, "tool_choice") ? *field(req, "tool_choice") : json::value("auto");
  std::string_view used_tier = tier && tier->get_string() != "auto" ? std::string_view(tier->get_string()) : "default";
  r.settings = {{"background", background && background->get_bool()},
                {"instructions", or_null(instructions)},
                {"max_output_tokens", or_null(max_output)},
                {"max_tool_calls", or_null(max_tool_calls)},
                {"model", r.model},
                {"parallel_tool_calls", !parallel || parallel->get_bool()},
                {"previous_response_id", or_null(previous)},
                {"prompt_cache_key", or_null(cache_key)},
                {"prompt_cache_retention", or_null(retention)},
                {"reasoning", std::move(reasoning)},
                {"safety_identifier", or_null(safety)},
                {"service_tier", used_tier},
                {"store", r.store},
                {"temperature", echoed_number(temperature, 1)},
                {"text", std::move(text.echo)},
                {"tool_choice", std::move(tool_choice)},
                {"tools", std::move(tools.echo)},
                {"top_logprobs", top_logprobs ? *top_logprobs : json::value(0)},
                {"top_p", echoed_number(top_p, 1)},
                {"truncation", truncation ? *truncation : json::value("disabled")},
                {"user", or_null(user)},
                {"metadata", std::move(metadata)}};
  return r;
}

// ---------------------------------------------------------------- the answer

struct Call {
  std::string call_id;
  std::string name;
  std::string arguments;
  std::vector<std::string> fragments;  // streaming only
};

struct Reply {
  std::string text;
  std::vector<std::string> pieces;  // streaming only
  std::vector<Call> calls;
  std::string finish;
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
};

// A mock_llm error (which the checks above should have prevented) as ours.
[[noreturn]] void rethrow(const Answer& a) {
  boost::system::error_code ec;
  json::value v = json::parse(a.body, ec);
  const json::value* e = ec || !v.is_object() ? nullptr : v.get_object().if_contains("error");
  Invalid out{a.status, "Invalid request.", {}, {}};
  if (e && e->is_object()) {
    const auto& eo = e->get_object();
    if (const json::value* m = field(eo, "message"); m && m->is_string()) out.message = std::string(m->get_string());
    if (const json::value* p = field(eo, "param"); p && p->is_string()) out.param = std::string(p->get_string());
    if (const json::value* c = field(eo, "code"); c && c->is_string()) out.code = std::string(c->get_string());
  }
  throw out;
}

Reply run_chat(const Request& r, const GenerateOptions& gen) {
  Reply out;
  if (!r.stream) {
    Answer a = chat_completion(r.chat, r.model, gen);
    if (a.status != 200) rethrow(a);
    json::object o = json::parse(a.body).as_object();
    const auto& usage = o.at("usage").as_object();
    out.prompt_tokens = usage.at("prompt_tokens").to_number<std::int64_t>();
    out.completion_tokens = usage.at("completion_tokens").to_number<std::int64_t>();
    const auto& choice = o.at("choices").as_array().at(0).as_object();
    out.finish = std::string(choice.at("finish_reason").as_string());
    const auto& message = choice.at("message").as_object();
    if (const json::value* content = field(message, "content"); content && content->is_string())
      out.text = std::string(content->get_string());
    if (const json::value* calls = field(message, "tool_calls"); calls && calls->is_array())
      for (const auto& c : calls->get_array()) {
        const auto& fn = c.at("function").as_object();
        out.calls.push_back({std::string(c.at("id").as_string()), std::string(fn.at("name").as_string()),
                             std::string(fn.at("arguments").as_string()), {}});
      }
    return out;
  }
  // The chat stream's own chunking, so the Responses stream carries the
  // pieces the chat stream would (one per word, 8-byte argument fragments).
  StreamOptions so;
  so.force_usage = true;
  StreamAnswer s = chat_completion_stream(r.chat, r.model, gen, so);
  if (s.error.status != 200) rethrow(s.error);
  for (size_t i = 0; i < s.events.size(); ++i) {
    std::string_view e = s.events[i];
    if (!e.starts_with("data: {")) continue;  // [DONE]
    e.remove_prefix(6);
    e.remove_suffix(2);
    json::object chunk = json::parse(e).as_object();
    const auto& choices = chunk.at("choices").as_array();
    if (choices.empty()) {
      const json::value* usage = field(chunk, "usage");
      if (usage && usage->is_object()) {
        out.prompt_tokens = usage->at("prompt_tokens").to_number<std::int64_t>();
        out.completion_tokens = usage->at("completion_tokens").to_number<std::int64_t>();
      }
      continue;
    }
    const auto& choice = choices.at(0).as_object();
    if (choice.at("index").to_number<std::int64_t>() != 0) continue;
    if (const json::value* f = field(choice, "finish_reason"); f && f->is_string())
      out.finish = std::string(f->get_string());
    const auto& delta = choice.at("delta").as_object();
    if (const json::value* content = field(delta, "content"); content && content->is_string() && s.is_content[i]) {
      out.pieces.emplace_back(content->get_string());
      out.text += content->get_string();
    }
    if (const json::value* calls = field(delta, "tool_calls"); calls && calls->is_array()) {
      for (const auto& cv : calls->get_array()) {
        const auto& entry = cv.as_object();
        const json::value* fn = field(entry, "function");
        if (const json::value* id = field(entry, "id"); id && id->is_string()) {
          const json::value* name = fn && fn->is_object() ? field(fn->get_object(), "name") : nullptr;
          out.calls.push_back({std::string(id->get_string()),
                               name && name->is_string() ? std::string(name->get_string()) : std::string(), {}, {}});
        }
        const json::value* args = fn && fn->is_object() ? field(fn->get_object(), "arguments") : nullptr;
        if (!out.calls.empty() && args && args->is_string() && !args->get_string().empty()) {
          out.calls.back().fragments.emplace_back(args->get_string());
          out.calls.back().arguments += args->get_string();
        }
      }
    }
  }
  return out;
}

json::object message_item(const std::string& id, std::string_view status, json::array content) {
  return {{"id", id}, {"type", "message"}, {"status", status}, {"content", std::move(content)}, {"role", "assistant"}};
}

json::object call_item(const std::string& id, std::string_view status, const Call& call, std::string_view arguments) {
  return {{"id", id},
          {"type", "function_call"},
          {"status", status},
          {"arguments", arguments},
          {"call_id", call.call_id},
          {"name", call.name}};
}

json::object usage_object(const Reply& r) {
  return {{"input_tokens", r.prompt_tokens},
          {"input_tokens_details", json::object{{"cached_tokens", 0}}},
          {"output_tokens", r.completion_tokens},
          {"output_tokens_details", json::object{{"reasoning_tokens", 0}}},
          {"total_tokens", r.prompt_tokens + r.completion_tokens}};
}

json::object response_object(const Request& r, const std::string& id, std::int64_t created, std::string_view status,
                             json::array output, json::value usage, json::value incomplete) {
  const json::object& s = r.settings;
  json::object o{{"id", id},
                 {"object", "response"},
                 {"created_at", created},
                 {"status", status},
                 {"background", s.at("background")}};
  o["completed_at"] = status == "in_progress" ? json::value(nullptr) : json::value(created);
  o["error"] = nullptr;
  o["incomplete_details"] = std::move(incomplete);
  for (std::string_view key : {"instructions", "max_output_tokens", "max_tool_calls", "model"}) o[key] = s.at(key);
  o["output"] = std::move(output);
  for (std::string_view key : {"parallel_tool_calls", "previous_response_id", "prompt_cache_key",
                               "prompt_cache_retention", "reasoning", "safety_identifier", "service_tier", "store",
                               "temperature", "text", "tool_choice", "tools", "top_logprobs", "top_p", "truncation"})
    o[key] = s.at(key);
  o["usage"] = std::move(usage);
  o["user"] = s.at("user");
  o["metadata"] = s.at("metadata");
  return o;
}

// Random-looking padding on delta events, as the API adds by default so that
// event sizes do not give the text away; deterministic here.
std::string obfuscation(std::string_view delta, std::int64_t sequence_number) {
  static constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  size_t n = delta.size() < 14 ? 16 - delta.size() : 2;
  std::string out;
  for (size_t i = 0; i < n; ++i)
    out += kAlphabet[mix(static_cast<std::uint64_t>(sequence_number) * 131 + i) % kAlphabet.size()];
  return out;
}

class EventWriter {
 public:
  EventWriter(ResponsesAnswer& out, bool obfuscate) : out_(out), obfuscate_(obfuscate) {}

  std::int64_t next() const { return sequence_; }

  void emit(std::string_view type, json::object fields, bool content = false) {
    json::object data{{"type", type}};
    if (const json::value* delta = fields.if_contains("delta"); delta && obfuscate_)
      fields["obfuscation"] = obfuscation(delta->as_string(), sequence_);
    for (auto& kv : fields) data[kv.key()] = std::move(kv.value());
    data["sequence_number"] = sequence_++;
    std::string event = "event: ";
    event += type;
    event += "\ndata: ";
    event += json::serialize(data);
    event += "\n\n";
    out_.events.push_back(std::move(event));
    out_.is_content.push_back(content);
  }

 private:
  ResponsesAnswer& out_;
  bool obfuscate_;
  std::int64_t sequence_ = 0;
};

void write_stream(ResponsesAnswer& out, const Request& r, const Reply& reply, const json::array& output,
                  const std::string& id, std::int64_t created) {
  EventWriter w(out, r.obfuscation);
  json::object snapshot = response_object(r, id, created, "in_progress", json::array{}, nullptr, nullptr);
  w.emit("response.created", {{"response", snapshot}});
  w.emit("response.in_progress", {{"response", std::move(snapshot)}});
  for (size_t k = 0; k < output.size(); ++k) {
    const json::object& item = output[k].as_object();
    const json::value& item_id = item.at("id");
    if (item.at("type").as_string() == "message") {
      w.emit("response.output_item.added",
             {{"output_index", k}, {"item", message_item(std::string(item_id.as_string()), "in_progress", {})}});
      w.emit("response.content_part.added",
             {{"item_id", item_id}, {"output_index", k}, {"content_index", 0}, {"part", output_text("")}});
      std::vector<std::string> pieces = reply.pieces;
      if (pieces.empty() && !reply.text.empty()) pieces.push_back(reply.text);
      for (const auto& piece : pieces)
        w.emit("response.output_text.delta",
               {{"item_id", item_id}, {"output_index", k}, {"content_index", 0}, {"delta", piece},
                {"logprobs", json::array{}}},
               true);
      w.emit("response.output_text.done", {{"item_id", item_id},
                                           {"output_index", k},
                                           {"content_index", 0},
                                           {"text", reply.text},
                                           {"logprobs", json::array{}}});
      w.emit("response.content_part.done", {{"item_id", item_id},
                                            {"output_index", k},
                                            {"content_index", 0},
                                            {"part", item.at("content").as_array().at(0)}});
    } else {
      const Call& call = reply.calls.at(k);
      w.emit("response.output_item.added",
             {{"output_index", k}, {"item", call_item(std::string(item_id.as_string()), "in_progress", call, "")}});
      for (const auto& f : call.fragments)
        w.emit("response.function_call_arguments.delta", {{"item_id", item_id}, {"output_index", k}, {"delta", f}},
               true);
      w.emit("response.function_call_arguments.done",
             {{"item_id", item_id}, {"output_index", k}, {"arguments", call.arguments}});
    }
    w.emit("response.output_item.done", {{"output_index", k}, {"item", item}});
  }
  bool complete = out.response.at("status").as_string() == "completed";
  w.emit(complete ? "response.completed" : "response.incomplete", {{"response", out.response}});
}

ResponsesAnswer answer(const json::object& req, const ResponsesOptions& opt) {
  Request r = read_request(req, opt);
  Reply reply = run_chat(r, opt.gen);

  ResponsesAnswer out;
  out.stream = r.stream;
  out.store = r.store;
  Ids ids{fnv1a(json::serialize(req)), opt.serial};
  out.id = ids.make("resp_", 0);
  bool cut = reply.finish == "length";
  std::string_view status = cut ? "incomplete" : "completed";

  json::array output;
  if (reply.calls.empty()) {
    output.push_back(message_item(ids.make("msg_", 1), status, json::array{output_text(reply.text)}));
  } else {
    for (size_t k = 0; k < reply.calls.size(); ++k)
      output.push_back(call_item(ids.make("fc_", 1 + k), "completed", reply.calls[k], reply.calls[k].arguments));
  }
  json::value incomplete = cut ? json::value(json::object{{"reason", "max_output_tokens"}}) : json::value(nullptr);
  out.response = response_object(r, out.id, opt.created_at, status, output, usage_object(reply), incomplete);

  // The input items as stored: each with an id (the client's, or one made here).
  for (size_t i = 0; i < r.items.size(); ++i) {
    json::object item = r.items[i].as_object();
    if (!item.contains("id")) {
      std::string_view type = item.at("type").as_string();
      std::string_view prefix = type == "message"                ? "msg_"
                                : type == "function_call"        ? "fc_"
                                : type == "function_call_output" ? "fco_"
                                                                 : "rs_";
      json::object with_id{{"id", ids.make(prefix, 1000 + i)}};
      for (auto& kv : item) with_id[kv.key()] = std::move(kv.value());
      item = std::move(with_id);
    }
    out.input_items.push_back(std::move(item));
  }
  out.context = r.prior;
  for (const auto& item : out.input_items) out.context.push_back(item);
  for (const auto& item : output) out.context.push_back(item);

  if (r.stream) write_stream(out, r, reply, output, out.id, opt.created_at);
  out.body = json::serialize(out.response);
  return out;
}

}  // namespace

ResponsesAnswer create_response(const json::object& req, const ResponsesOptions& opt) {
  try {
    return answer(req, opt);
  } catch (const Invalid& e) {
    ResponsesAnswer out;
    out.status = e.status;
    out.body = error_body(e.message, "invalid_request_error", e.param, e.code);
    return out;
  }
}

std::string responses_error_event(std::string_view code, std::string_view message, std::int64_t sequence_number) {
  json::object data{{"type", "error"}};
  data["code"] = code.empty() ? json::value(nullptr) : json::value(code);
  data["message"] = message;
  data["param"] = nullptr;
  data["sequence_number"] = sequence_number;
  return "event: error\ndata: " + json::serialize(data) + "\n\n";
}

Answer list_input_items(const json::array& items, std::optional<std::string_view> order,
                        std::optional<std::string_view> limit, std::optional<std::string_view> after) {
  try {
    bool ascending = false;
    if (order) {
      if (!one_of(*order, {"asc", "desc"})) bad_value("order", *order, {"asc", "desc"});
      ascending = *order == "asc";
    }
    std::int64_t page = kDefaultListLimit;
    if (limit) {
      std::int64_t n = 0;
      auto [end, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), n);
      if (ec != std::errc() || end != limit->data() + limit->size())
        fail("Invalid type for 'limit': expected an integer, but got a string instead.", "limit", "invalid_type");
      if (n < 1)
        fail("Invalid 'limit': integer below minimum value. Expected a value >= 1, but got " + std::to_string(n) +
                 " instead.",
             "limit", "integer_below_min_value");
      if (n > kMaxListLimit)
        fail("Invalid 'limit': integer above maximum value. Expected a value <= 100, but got " + std::to_string(n) +
                 " instead.",
             "limit", "integer_above_max_value");
      page = n;
    }
    std::vector<const json::value*> ordered;
    for (const auto& item : items) ordered.push_back(&item);
    if (!ascending) std::reverse(ordered.begin(), ordered.end());
    size_t start = 0;
    if (after && !after->empty()) {
      auto it = std::find_if(ordered.begin(), ordered.end(), [&](const json::value* v) {
        const json::value* id = v->get_object().if_contains("id");
        return id && id->is_string() && id->get_string() == *after;
      });
      if (it == ordered.end())
        fail("Invalid 'after': no input item with id '" + std::string(*after) + "'.", "after", "invalid_value");
      start = static_cast<size_t>(it - ordered.begin()) + 1;
    }
    json::array data;
    size_t end = std::min(ordered.size(), start + static_cast<size_t>(page));
    for (size_t i = start; i < end; ++i) data.push_back(*ordered[i]);
    json::value first = data.empty() ? json::value(nullptr) : data.front().at("id");
    json::value last = data.empty() ? json::value(nullptr) : data.back().at("id");
    json::object out{{"object", "list"},
                     {"data", std::move(data)},
                     {"first_id", std::move(first)},
                     {"last_id", std::move(last)},
                     {"has_more", end < ordered.size()}};
    return {200, json::serialize(out)};
  } catch (const Invalid& e) {
    return {e.status, error_body(e.message, "invalid_request_error", e.param, e.code)};
  }
}

std::string deleted_response(std::string_view id) {
  return json::serialize(json::object{{"id", id}, {"object", "response"}, {"deleted", true}});
}

}  // namespace torii::mock
