// Deterministic OpenAI-format answers. The rules (kept in sync with
// tools/mock-provider/README.md, "Answers"):
//  - The reply echoes the first words of the last user message; with
//    reply_words it is padded with filler words or cut to exactly that many.
//  - Tools are called when the request has function tools and tool_choice is
//    "required" or names a function, or is "auto"/absent and the last message
//    (system and developer messages aside) is from the user. The named tool, else the first one, is called with
//    arguments built from its JSON schema.
//  - A last message from a tool gets a text reply quoting the tool result, so
//    agent loops terminate.
//  - Ids hash the whole request, so equal requests give equal bytes.
#include "providers/mock/mock_llm.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>

#include <boost/json.hpp>

namespace torii::mock {
namespace {

namespace json = boost::json;

constexpr std::int64_t kCreated = 1700000000;
constexpr size_t kEchoWords = 12;
constexpr std::int64_t kDefaultDimensions = 16;
constexpr std::int64_t kMaxDimensions = 8192;
constexpr std::int64_t kMaxChoices = 128;
constexpr size_t kArgumentFragmentBytes = 8;
constexpr int kMaxSchemaDepth = 8;
constexpr std::string_view kFingerprint = "fp_mock";
constexpr std::array<std::string_view, 12> kFiller = {
    "lorem", "ipsum", "dolor", "sit", "amet", "consectetur",
    "adipiscing", "elit", "sed", "do", "eiusmod", "tempor"};

// Thrown while reading a request; becomes a 400 at the public entry points.
struct BadRequest {
  std::string message;
  std::string param;
};

[[noreturn]] void reject(std::string message, std::string param = {}) {
  throw BadRequest{std::move(message), std::move(param)};
}

Answer rejected(const BadRequest& e) {
  return {400, error_body(e.message, "invalid_request_error", e.param)};
}

// ---------------------------------------------------------------- hashing

std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 0xcbf29ce484222325ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

// splitmix64's finaliser: spreads FNV's weak low bits over the whole word.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::string hex(std::uint64_t v, int digits) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, v >>= 4) out[static_cast<size_t>(i)] = kDigits[v & 15];
  return out;
}

// stream_options only changes how usage is reported, not the answer, so it does
// not take part in the answer's identity (a gateway may add it on the way).
std::uint64_t request_hash(const json::object& req, std::string_view model) {
  if (!req.contains("stream_options")) return mix(fnv1a(model, fnv1a(json::serialize(req))));
  json::object without;  // rebuilt: object::erase would reorder the members
  for (const auto& kv : req)
    if (kv.key() != "stream_options") without.emplace(kv.key(), kv.value());
  return mix(fnv1a(model, fnv1a(json::serialize(without))));
}

std::string digest(std::uint64_t h) { return hex(h, 16) + hex(mix(h ^ 0x5bd1e995ull), 8); }

// ---------------------------------------------------------------- words

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

std::string join_words(const std::vector<std::string_view>& words, size_t limit) {
  std::string out;
  for (size_t i = 0; i < words.size() && i < limit; ++i) {
    if (i) out += ' ';
    out += words[i];
  }
  return out;
}

std::string echo_reply(std::string_view lead, std::string_view source) {
  auto words = split_words(source);
  std::string out(lead);
  out += words.empty() ? std::string("(empty)") : join_words(words, kEchoWords);
  return out;
}

// Exactly `reply_words` words when set: the reply's own words, then filler.
std::string shape_reply(const std::string& reply, int reply_words) {
  if (reply_words <= 0) return reply;
  auto words = split_words(reply);
  std::string out;
  for (size_t i = 0; i < static_cast<size_t>(reply_words); ++i) {
    if (i) out += ' ';
    if (i < words.size())
      out += words[i];
    else
      out += kFiller[(i - words.size()) % kFiller.size()];
  }
  return out;
}

// Cuts `text` after `limit` words; true when something was cut.
bool limit_words(std::string& text, std::int64_t limit) {
  auto words = split_words(text);
  if (limit <= 0 || words.size() <= static_cast<size_t>(limit)) return false;
  const auto& last = words[static_cast<size_t>(limit) - 1];
  text.resize(static_cast<size_t>(last.data() + last.size() - text.data()));
  return true;
}

// Word-sized pieces whose concatenation is exactly `text`; `chunks` > 0 groups
// the words into that many pieces.
std::vector<std::string> split_pieces(std::string_view text, int chunks) {
  auto words = split_words(text);
  std::vector<std::string> out;
  if (words.empty()) {
    if (!text.empty()) out.emplace_back(text);
    return out;
  }
  size_t groups = words.size();
  if (chunks > 0 && static_cast<size_t>(chunks) < groups) groups = static_cast<size_t>(chunks);
  size_t begin = 0;
  for (size_t g = 0; g < groups; ++g) {
    size_t last_word = (g + 1) * words.size() / groups - 1;
    size_t end = g + 1 == groups
                     ? text.size()
                     : static_cast<size_t>(words[last_word].data() + words[last_word].size() - text.data());
    out.emplace_back(text.substr(begin, end - begin));
    begin = end;
  }
  return out;
}

bool utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Byte pieces that never split a UTF-8 sequence.
std::vector<std::string> split_bytes(std::string_view text, int chunks) {
  size_t size = kArgumentFragmentBytes;
  if (chunks > 0) size = std::max<size_t>(1, (text.size() + static_cast<size_t>(chunks) - 1) / static_cast<size_t>(chunks));
  std::vector<std::string> out;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = std::min(text.size(), begin + size);
    while (end < text.size() && utf8_continuation(text[end])) ++end;
    out.emplace_back(text.substr(begin, end - begin));
    begin = end;
  }
  return out;
}

// ---------------------------------------------------------------- request fields

const json::value* field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && !v->is_null() ? v : nullptr;
}

std::string quoted(std::string_view key) { return "'" + std::string(key) + "'"; }

std::optional<std::int64_t> int_field(const json::object& o, std::string_view key, std::int64_t min,
                                      std::int64_t max) {
  const json::value* v = field(o, key);
  if (!v) return std::nullopt;
  std::int64_t n = 0;
  if (v->is_int64()) {
    n = v->get_int64();
  } else if (v->is_uint64()) {
    // Only values above INT64_MAX are stored as uint64: above every limit.
    reject("Invalid " + quoted(key) + ": integer above maximum value. Expected a value <= " +
           std::to_string(max) + ".", std::string(key));
  } else {
    reject("Invalid type for " + quoted(key) + ": expected an integer.", std::string(key));
  }
  if (n < min)
    reject("Invalid " + quoted(key) + ": integer below minimum value. Expected a value >= " +
           std::to_string(min) + ", but got " + std::to_string(n) + " instead.", std::string(key));
  if (n > max)
    reject("Invalid " + quoted(key) + ": integer above maximum value. Expected a value <= " +
           std::to_string(max) + ", but got " + std::to_string(n) + " instead.", std::string(key));
  return n;
}

bool bool_field(const json::object& o, std::string_view key) {
  const json::value* v = field(o, key);
  if (!v) return false;
  if (!v->is_bool()) reject("Invalid type for " + quoted(key) + ": expected a boolean.", std::string(key));
  return v->get_bool();
}

const json::object* object_field(const json::object& o, std::string_view key) {
  const json::value* v = field(o, key);
  if (!v) return nullptr;
  if (!v->is_object()) reject("Invalid type for " + quoted(key) + ": expected an object.", std::string(key));
  return &v->get_object();
}

std::int64_t choice_count(const json::object& req) { return int_field(req, "n", 1, kMaxChoices).value_or(1); }

std::optional<std::int64_t> max_tokens(const json::object& req) {
  auto limit = int_field(req, "max_completion_tokens", 1, INT64_MAX);
  if (!limit) limit = int_field(req, "max_tokens", 1, INT64_MAX);
  return limit;
}

bool usage_requested(const json::object& req) {
  const json::object* so = object_field(req, "stream_options");
  return so && bool_field(*so, "include_usage");
}

// Text of a message's content: a string, or the text parts of an array.
std::string text_of(const json::value& content) {
  if (content.is_string()) return std::string(content.get_string());
  std::string out;
  if (!content.is_array()) return out;
  for (const auto& part : content.get_array()) {
    const json::value* text = nullptr;
    if (part.is_string()) text = &part;
    else if (part.is_object()) text = part.get_object().if_contains("text");
    if (!text || !text->is_string()) continue;
    if (!out.empty()) out += ' ';
    out += text->get_string();
  }
  return out;
}

json::object usage_object(std::int64_t prompt, std::int64_t completion) {
  return {{"prompt_tokens", prompt}, {"completion_tokens", completion}, {"total_tokens", prompt + completion}};
}

std::string sse(const json::object& o) {
  std::string out = "data: ";
  out += json::serialize(o);
  out += "\n\n";
  return out;
}

constexpr std::string_view kDone = "data: [DONE]\n\n";

// ---------------------------------------------------------------- JSON schema placeholders

json::value placeholder(const json::value& schema, const json::value& root, std::string_view name, int depth);

json::value object_placeholder(const json::object& s, const json::value& root, int depth) {
  json::object out;
  const json::value* props = s.if_contains("properties");
  if (!props || !props->is_object()) return out;
  const json::value* required = s.if_contains("required");
  if (required && required->is_array()) {
    for (const auto& r : required->get_array()) {
      if (!r.is_string()) continue;
      const json::value* p = props->get_object().if_contains(r.get_string());
      out[r.get_string()] = p ? placeholder(*p, root, r.get_string(), depth + 1) : json::value("mock");
    }
  } else {
    for (const auto& [key, p] : props->get_object()) out[key] = placeholder(p, root, key, depth + 1);
  }
  return out;
}

std::string_view schema_type(const json::object& s) {
  const json::value* t = s.if_contains("type");
  if (t && t->is_string()) return t->get_string();
  if (t && t->is_array()) {
    for (const auto& e : t->get_array())
      if (e.is_string() && e.get_string() != "null") return e.get_string();
    return "null";
  }
  if (s.contains("properties")) return "object";
  if (s.contains("items")) return "array";
  return "";
}

json::value string_placeholder(const json::object& s, std::string_view name) {
  const json::value* format = s.if_contains("format");
  if (format && format->is_string()) {
    std::string_view f = format->get_string();
    if (f == "date-time") return "2024-01-01T00:00:00Z";
    if (f == "date") return "2024-01-01";
    if (f == "time") return "00:00:00";
    if (f == "email") return "mock@example.com";
    if (f == "uri" || f == "url") return "https://example.com/mock";
    if (f == "uuid") return "00000000-0000-4000-8000-000000000000";
  }
  std::string value = name.empty() ? std::string("mock") : "mock_" + std::string(name);
  return json::string(value);
}

json::value placeholder(const json::value& schema, const json::value& root, std::string_view name, int depth) {
  if (!schema.is_object() || depth > kMaxSchemaDepth) return "mock";
  const json::object& s = schema.get_object();
  if (const json::value* v = s.if_contains("const")) return *v;
  if (const json::value* v = s.if_contains("enum"); v && v->is_array() && !v->get_array().empty())
    return v->get_array().front();
  if (const json::value* v = s.if_contains("default")) return *v;
  if (const json::value* ref = s.if_contains("$ref"); ref && ref->is_string()) {
    std::string_view r = ref->get_string();
    boost::system::error_code ec;
    const json::value* target = r.starts_with("#") ? root.find_pointer(r.substr(1), ec) : nullptr;
    return target ? placeholder(*target, root, name, depth + 1) : json::value("mock");
  }
  for (std::string_view combinator : {"anyOf", "oneOf", "allOf"}) {
    const json::value* v = s.if_contains(combinator);
    if (!v || !v->is_array()) continue;
    for (const auto& alt : v->get_array()) {
      const json::value* t = alt.is_object() ? alt.get_object().if_contains("type") : nullptr;
      if (t && t->is_string() && t->get_string() == "null") continue;
      return placeholder(alt, root, name, depth + 1);
    }
  }
  std::string_view type = schema_type(s);
  if (type == "object") return object_placeholder(s, root, depth);
  if (type == "array") {
    json::array out;
    const json::value* max_items = s.if_contains("maxItems");
    if (max_items && max_items->is_int64() && max_items->get_int64() == 0) return out;
    const json::value* items = s.if_contains("items");
    out.push_back(items ? placeholder(*items, root, name, depth + 1) : json::value("mock"));
    return out;
  }
  if (type == "integer" || type == "number") {
    const json::value* min = s.if_contains("minimum");
    if (min && min->is_int64()) return min->get_int64();
    return 1;
  }
  if (type == "boolean") return true;
  if (type == "null") return nullptr;
  return string_placeholder(s, name);
}

std::string arguments_for(const json::value* parameters) {
  if (!parameters) return "{}";
  return json::serialize(placeholder(*parameters, *parameters, "", 0));
}

// ---------------------------------------------------------------- chat

struct ToolDef {
  std::string name;
  const json::value* parameters = nullptr;
};

struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;
};

struct ChatChoice {
  std::string content;
  bool has_content = true;
  std::vector<ToolCall> calls;
  std::string_view finish_reason = "stop";
};

struct ChatPlan {
  std::string id;
  std::vector<ChatChoice> choices;
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
};

std::vector<ToolDef> read_tools(const json::object& req) {
  std::vector<ToolDef> out;
  const json::value* tools = field(req, "tools");
  if (!tools) return out;
  if (!tools->is_array()) reject("Invalid type for 'tools': expected an array of objects.", "tools");
  for (size_t i = 0; i < tools->get_array().size(); ++i) {
    const json::value& t = tools->get_array()[i];
    std::string param = "tools[" + std::to_string(i) + "]";
    if (!t.is_object()) reject("Invalid type for '" + param + "': expected an object.", param);
    const json::value* type = t.get_object().if_contains("type");
    if (type && type->is_string() && type->get_string() != "function") continue;
    const json::value* fn = t.get_object().if_contains("function");
    const json::value* name = fn && fn->is_object() ? fn->get_object().if_contains("name") : nullptr;
    if (!name || !name->is_string())
      reject("Missing required parameter: '" + param + ".function.name'.", param + ".function.name");
    const json::value* parameters = fn->get_object().if_contains("parameters");
    out.push_back({std::string(name->get_string()), parameters && parameters->is_object() ? parameters : nullptr});
  }
  return out;
}

// The tool to call, or nullptr for a text reply.
const ToolDef* pick_tool(const json::object& req, const std::vector<ToolDef>& tools, std::string_view last_role) {
  const json::value* choice = field(req, "tool_choice");
  bool forced = false;
  std::string_view named;
  if (!choice || (choice->is_string() && choice->get_string() == "auto")) {
  } else if (choice->is_string() && choice->get_string() == "none") {
    return nullptr;
  } else if (choice->is_string() && choice->get_string() == "required") {
    forced = true;
  } else if (choice->is_object()) {
    const json::value* fn = choice->get_object().if_contains("function");
    const json::value* name = fn && fn->is_object() ? fn->get_object().if_contains("name") : nullptr;
    if (name && name->is_string()) {
      forced = true;
      named = name->get_string();
    }
  } else {
    reject("Invalid value for 'tool_choice': expected 'none', 'auto', 'required' or an object.", "tool_choice");
  }
  if (tools.empty()) {
    if (forced) reject("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
                       "tool_choice");
    return nullptr;
  }
  if (!named.empty()) {
    for (const auto& t : tools)
      if (t.name == named) return &t;
    reject("Invalid value for 'tool_choice': no function named '" + std::string(named) + "' in 'tools'.",
           "tool_choice");
  }
  if (forced || last_role == "user") return &tools.front();
  return nullptr;
}

// What the text reply is about, and what the prompt costs.
struct Conversation {
  std::string last_role;
  std::string last_user_text;
  std::string last_text;
  std::int64_t prompt_tokens = 0;
};

// Tool messages answer the tool calls of the assistant message before them,
// each of which must be answered before the conversation goes on: as the API
// checks it.
void check_tool_pairing(const json::array& list) {
  std::vector<std::string> calls, answered;
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_object()) continue;
    const auto& m = list[i].get_object();
    const json::value* role = m.if_contains("role");
    if (!role || !role->is_string()) continue;
    std::string param = "messages[" + std::to_string(i) + "]";
    if (role->get_string() == "system" || role->get_string() == "developer") continue;  // takes no turn
    if (role->get_string() == "tool") {
      const json::value* id = m.if_contains("tool_call_id");
      std::string_view sid = id && id->is_string() ? std::string_view(id->get_string()) : std::string_view();
      if (std::find(calls.begin(), calls.end(), sid) == calls.end())
        reject("Invalid parameter: messages with role 'tool' must be a response to a preceeding message with "
               "'tool_calls'.", param + ".role");
      answered.emplace_back(sid);
    } else {
      std::string missing;
      for (const std::string& id : calls)
        if (std::find(answered.begin(), answered.end(), id) == answered.end())
          missing += (missing.empty() ? "" : ", ") + id;
      if (!missing.empty())
        reject("An assistant message with 'tool_calls' must be followed by tool messages responding to each "
               "'tool_call_id'. The following tool_call_ids did not have response messages: " + missing,
               param + ".role");
      calls.clear();
      answered.clear();
      if (const json::value* tc = m.if_contains("tool_calls"); tc && tc->is_array() && role->get_string() == "assistant")
        for (const auto& call : tc->get_array())
          if (const json::value* cid = call.is_object() ? call.get_object().if_contains("id") : nullptr;
              cid && cid->is_string())
            calls.emplace_back(cid->get_string());
    }
  }
}

Conversation read_messages(const json::object& req) {
  const json::value* messages = field(req, "messages");
  if (!messages) reject("Missing required parameter: 'messages'.", "messages");
  if (!messages->is_array()) reject("Invalid type for 'messages': expected an array of objects.", "messages");
  const auto& list = messages->get_array();
  if (list.empty())
    reject("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
           "messages");
  static constexpr std::array<std::string_view, 6> kRoles = {"system", "developer", "user",
                                                             "assistant", "tool", "function"};
  Conversation c;
  for (size_t i = 0; i < list.size(); ++i) {
    std::string param = "messages[" + std::to_string(i) + "]";
    if (!list[i].is_object()) reject("Invalid type for '" + param + "': expected an object.", param);
    const auto& m = list[i].get_object();
    const json::value* role = m.if_contains("role");
    if (!role) reject("Missing required parameter: '" + param + ".role'.", param + ".role");
    if (!role->is_string() || std::find(kRoles.begin(), kRoles.end(), role->get_string()) == kRoles.end())
      reject("Invalid value for '" + param + ".role': expected one of 'system', 'developer', 'user', "
             "'assistant', 'tool' or 'function'.", param + ".role");
    const json::value* content = m.if_contains("content");
    if (content && !content->is_string() && !content->is_array() && !content->is_null())
      reject("Invalid type for '" + param + ".content': expected a string or an array of content parts.",
             param + ".content");
    std::string text = content ? text_of(*content) : std::string();
    c.prompt_tokens += count_tokens(text);
    if (const json::value* calls = m.if_contains("tool_calls"); calls && calls->is_array()) {
      for (const auto& call : calls->get_array()) {
        boost::system::error_code ec;
        const json::value* args = call.find_pointer("/function/arguments", ec);
        if (args && args->is_string()) c.prompt_tokens += count_tokens(args->get_string());
      }
    }
    // Instructions (system/developer messages) do not take a turn: after
    // them, the last speaker is still whoever spoke before.
    std::string_view r = role->get_string();
    if (r == "system" || r == "developer") continue;
    c.last_role = std::string(r);
    if (c.last_role == "user") c.last_user_text = text;
    c.last_text = std::move(text);
  }
  return c;
}

enum class Format { Text, JsonObject, JsonSchema };

Format read_format(const json::object& req, const json::value** schema) {
  const json::object* rf = object_field(req, "response_format");
  if (!rf) return Format::Text;
  const json::value* type = rf->if_contains("type");
  if (!type || !type->is_string()) reject("Missing required parameter: 'response_format.type'.", "response_format.type");
  if (type->get_string() == "json_object") return Format::JsonObject;
  if (type->get_string() == "json_schema") {
    const json::value* js = rf->if_contains("json_schema");
    *schema = js && js->is_object() ? js->get_object().if_contains("schema") : nullptr;
    return Format::JsonSchema;
  }
  if (type->get_string() == "text") return Format::Text;
  reject("Invalid value for 'response_format.type': expected 'text', 'json_object' or 'json_schema'.",
         "response_format.type");
}

ChatPlan plan_chat(const json::object& req, std::string_view model, const GenerateOptions& gen) {
  Conversation conv = read_messages(req);
  if (gen.check_tool_pairing) check_tool_pairing(field(req, "messages")->get_array());
  auto n = choice_count(req);
  auto limit = max_tokens(req);
  auto tools = read_tools(req);
  const ToolDef* tool = pick_tool(req, tools, conv.last_role);
  const json::value* schema = nullptr;
  Format format = read_format(req, &schema);

  std::uint64_t h = request_hash(req, model);
  ChatPlan plan;
  plan.id = "chatcmpl-mock-" + digest(h);
  plan.prompt_tokens = conv.prompt_tokens;
  for (std::int64_t i = 0; i < n; ++i) {
    ChatChoice c;
    if (tool) {
      c.has_content = false;
      c.calls.push_back({"call_mock_" + hex(mix(h + static_cast<std::uint64_t>(i)), 16), tool->name,
                         arguments_for(tool->parameters)});
      c.finish_reason = "tool_calls";
      plan.completion_tokens += count_tokens(c.calls.back().name) + count_tokens(c.calls.back().arguments);
      plan.choices.push_back(std::move(c));
      continue;
    }
    std::string lead = i == 0 ? "Mock reply" : "Mock reply #" + std::to_string(i + 1);
    std::string text = conv.last_role == "tool" ? echo_reply(lead + " to tool result: ", conv.last_text)
                                                : echo_reply(lead + " to: ", conv.last_user_text);
    text = shape_reply(text, gen.reply_words);
    // JSON replies are never cut: a client asking for JSON must get parseable JSON.
    if (format == Format::JsonObject) {
      c.content = json::serialize(json::object{{"reply", text}});
    } else if (format == Format::JsonSchema) {
      c.content = schema ? json::serialize(placeholder(*schema, *schema, "", 0)) : std::string("{}");
    } else {
      c.content = std::move(text);
      if (limit && limit_words(c.content, *limit)) c.finish_reason = "length";
    }
    plan.completion_tokens += count_tokens(c.content);
    plan.choices.push_back(std::move(c));
  }
  return plan;
}

json::object tool_call_object(const ToolCall& call) {
  return {{"id", call.id},
          {"type", "function"},
          {"function", json::object{{"name", call.name}, {"arguments", call.arguments}}}};
}

std::string render_chat(const ChatPlan& plan, std::string_view model) {
  json::array choices;
  for (size_t i = 0; i < plan.choices.size(); ++i) {
    const auto& c = plan.choices[i];
    json::object message{{"role", "assistant"}};
    message["content"] = c.has_content ? json::value(c.content) : json::value(nullptr);
    if (!c.calls.empty()) {
      json::array calls;
      for (const auto& call : c.calls) calls.push_back(tool_call_object(call));
      message["tool_calls"] = std::move(calls);
    }
    message["refusal"] = nullptr;
    choices.push_back(json::object{{"index", i},
                                   {"message", std::move(message)},
                                   {"logprobs", nullptr},
                                   {"finish_reason", c.finish_reason}});
  }
  json::object out{{"id", plan.id},
                   {"object", "chat.completion"},
                   {"created", kCreated},
                   {"model", model},
                   {"choices", std::move(choices)},
                   {"usage", usage_object(plan.prompt_tokens, plan.completion_tokens)},
                   {"system_fingerprint", kFingerprint}};
  return json::serialize(out);
}

class ChatStream {
 public:
  ChatStream(const ChatPlan& plan, std::string_view model, bool usage, StreamAnswer& out)
      : plan_(plan), model_(model), usage_(usage), out_(out) {}

  void emit_choice(size_t index, const ChatChoice& c, int chunks) {
    if (c.calls.empty()) {
      emit(index, json::object{{"role", "assistant"}, {"content", ""}}, nullptr, false);
      for (auto& piece : split_pieces(c.content, chunks))
        emit(index, json::object{{"content", std::move(piece)}}, nullptr, true);
    } else {
      for (size_t k = 0; k < c.calls.size(); ++k) {
        json::object head = tool_call_object(c.calls[k]);
        head["function"].get_object()["arguments"] = "";
        json::object delta;
        if (k == 0) {
          delta["role"] = "assistant";
          delta["content"] = nullptr;
        }
        json::object entry{{"index", k}};
        for (auto& kv : head) entry[kv.key()] = std::move(kv.value());
        delta["tool_calls"] = json::array{std::move(entry)};
        emit(index, std::move(delta), nullptr, false);
        for (auto& fragment : split_bytes(c.calls[k].arguments, chunks)) {
          json::object fn{{"arguments", std::move(fragment)}};
          emit(index, json::object{{"tool_calls", json::array{json::object{{"index", k}, {"function", std::move(fn)}}}}},
               nullptr, true);
        }
      }
    }
    emit(index, json::object{}, c.finish_reason.data(), false);
  }

  void finish() {
    if (usage_) {
      json::object chunk = header();
      chunk["choices"] = json::array{};
      chunk["usage"] = usage_object(plan_.prompt_tokens, plan_.completion_tokens);
      push(sse(chunk), false);
    }
    push(std::string(kDone), false);
  }

 private:
  json::object header() const {
    return {{"id", plan_.id},
            {"object", "chat.completion.chunk"},
            {"created", kCreated},
            {"model", model_},
            {"system_fingerprint", kFingerprint}};
  }

  void emit(size_t index, json::object delta, const char* finish_reason, bool content) {
    json::object chunk = header();
    json::object choice{{"index", index}, {"delta", std::move(delta)}, {"logprobs", nullptr}};
    choice["finish_reason"] = finish_reason ? json::value(finish_reason) : json::value(nullptr);
    chunk["choices"] = json::array{std::move(choice)};
    // OpenAI puts "usage": null on every chunk once usage was asked for.
    if (usage_) chunk["usage"] = nullptr;
    push(sse(chunk), content);
  }

  void push(std::string event, bool content) {
    out_.events.push_back(std::move(event));
    out_.is_content.push_back(content);
  }

  const ChatPlan& plan_;
  std::string_view model_;
  bool usage_;
  StreamAnswer& out_;
};

// ---------------------------------------------------------------- completions

struct Prompt {
  std::string text;
  std::int64_t tokens = 0;
};

std::string token_text(const json::array& tokens, const std::string& param) {
  std::string out;
  for (const auto& t : tokens) {
    if (!t.is_int64() && !t.is_uint64())
      reject("Invalid type for '" + param + "': expected a string, an array of strings, an array of "
             "integers or an array of arrays of integers.", param);
    if (!out.empty()) out += ' ';
    out += json::serialize(t);
  }
  return out;
}

// A string, strings, one token array or several token arrays.
std::vector<Prompt> read_prompts(const json::object& req, std::string_view key) {
  std::string param(key);
  const json::value* p = field(req, key);
  if (!p) reject("Missing required parameter: " + quoted(key) + ".", param);
  if (p->is_string()) return {{std::string(p->get_string()), count_tokens(p->get_string())}};
  if (!p->is_array())
    reject("Invalid type for " + quoted(key) + ": expected a string, an array of strings, an array of "
           "integers or an array of arrays of integers.", param);
  const auto& list = p->get_array();
  if (list.empty()) reject("Invalid " + quoted(key) + ": empty array. Expected at least one element.", param);
  std::vector<Prompt> out;
  if (list.front().is_int64() || list.front().is_uint64()) {
    out.push_back({token_text(list, param), static_cast<std::int64_t>(list.size())});
    return out;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    const json::value& e = list[i];
    std::string item = param + "[" + std::to_string(i) + "]";
    if (e.is_string()) {
      out.push_back({std::string(e.get_string()), count_tokens(e.get_string())});
    } else if (e.is_array() && !e.get_array().empty()) {
      out.push_back({token_text(e.get_array(), item), static_cast<std::int64_t>(e.get_array().size())});
    } else {
      reject("Invalid type for '" + item + "': expected a string or a non-empty array of integers.", item);
    }
  }
  return out;
}

struct TextChoice {
  std::string text;
  std::string_view finish_reason = "stop";
};

struct CompletionPlan {
  std::string id;
  std::vector<TextChoice> choices;
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
};

CompletionPlan plan_completion(const json::object& req, std::string_view model, const GenerateOptions& gen) {
  auto prompts = read_prompts(req, "prompt");
  auto n = choice_count(req);
  auto limit = max_tokens(req);
  bool echo = bool_field(req, "echo");
  CompletionPlan plan;
  plan.id = "cmpl-mock-" + digest(request_hash(req, model));
  for (const auto& prompt : prompts) {
    plan.prompt_tokens += prompt.tokens;
    for (std::int64_t i = 0; i < n; ++i) {
      std::string lead = i == 0 ? "Mock reply to: " : "Mock reply #" + std::to_string(i + 1) + " to: ";
      TextChoice c{shape_reply(echo_reply(lead, prompt.text), gen.reply_words)};
      if (limit && limit_words(c.text, *limit)) c.finish_reason = "length";
      plan.completion_tokens += count_tokens(c.text);
      if (echo) c.text = prompt.text + c.text;
      plan.choices.push_back(std::move(c));
    }
  }
  return plan;
}

json::object completion_header(const CompletionPlan& plan, std::string_view model) {
  return {{"id", plan.id}, {"object", "text_completion"}, {"created", kCreated}, {"model", model}};
}

json::object text_choice(size_t index, std::string text, const char* finish_reason) {
  json::object c{{"text", std::move(text)}, {"index", index}, {"logprobs", nullptr}};
  c["finish_reason"] = finish_reason ? json::value(finish_reason) : json::value(nullptr);
  return c;
}

// ---------------------------------------------------------------- embeddings

struct EmbeddingInput {
  std::vector<std::string> words;  // lower-cased words, or "#<id>" per token
  std::string whole;               // the input itself, so different inputs never collide
  std::int64_t tokens = 0;
};

EmbeddingInput text_input(std::string_view text) {
  EmbeddingInput in{{}, "s:" + std::string(text), count_tokens(text)};
  std::string word;
  auto flush = [&] {
    if (!word.empty()) in.words.push_back(std::move(word));
    word.clear();
  };
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80 || std::isalnum(c)) word += static_cast<char>(std::tolower(c));
    else flush();
  }
  flush();
  return in;
}

EmbeddingInput token_input(const json::array& tokens, const std::string& param) {
  EmbeddingInput in{{}, "t:", static_cast<std::int64_t>(tokens.size())};
  for (const auto& t : tokens) {
    if (!t.is_int64() && !t.is_uint64())
      reject("Invalid type for '" + param + "': expected an array of integers.", param);
    in.words.push_back("#" + json::serialize(t));
    in.whole += in.words.back();
  }
  return in;
}

std::vector<EmbeddingInput> read_embedding_inputs(const json::object& req) {
  const json::value* input = field(req, "input");
  if (!input) reject("Missing required parameter: 'input'.", "input");
  auto invalid = [] {
    reject("'$.input' is invalid. Expected a non-empty string, an array of non-empty strings, an array of "
           "integers or an array of arrays of integers.", "input");
  };
  if (input->is_string()) {
    if (input->get_string().empty()) invalid();
    return {text_input(input->get_string())};
  }
  if (!input->is_array() || input->get_array().empty()) invalid();
  const auto& list = input->get_array();
  if (list.front().is_int64() || list.front().is_uint64()) return {token_input(list, "input")};
  std::vector<EmbeddingInput> out;
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i].is_string() && !list[i].get_string().empty()) out.push_back(text_input(list[i].get_string()));
    else if (list[i].is_array() && !list[i].get_array().empty())
      out.push_back(token_input(list[i].get_array(), "input[" + std::to_string(i) + "]"));
    else invalid();
  }
  return out;
}

// A bag of per-word random directions plus a small whole-input term: equal
// inputs give equal vectors, inputs sharing words are close, and a semantic
// cache under test behaves plausibly.
std::vector<float> embed(const EmbeddingInput& in, size_t dims) {
  std::vector<double> v(dims, 0.0);
  auto add = [&](std::string_view key, double weight) {
    std::uint64_t seed = fnv1a(key);
    for (size_t j = 0; j < dims; ++j) {
      std::uint64_t r = mix(seed + j * 0x9e3779b97f4a7c15ull);
      v[j] += weight * (static_cast<double>(r >> 11) * 0x1.0p-52 - 1.0);
    }
  };
  // Words that carry no meaning of their own leave the direction alone, so
  // "What is our refund policy?" and "what's your refund policy" land close.
  static const std::array<std::string_view, 24> kStopWords = {
      "a", "an", "the", "is", "are", "was", "what", "s", "our", "your", "my", "we", "you", "i",
      "of", "to", "do", "does", "please", "tell", "me", "about", "and", "in"};
  size_t meaningful = 0;
  for (const auto& w : in.words)
    if (std::find(kStopWords.begin(), kStopWords.end(), w) == kStopWords.end()) {
      add(w, 1.0);
      ++meaningful;
    }
  add(in.whole, meaningful == 0 ? 1.0 : 0.1);
  double norm = 0;
  for (double x : v) norm += x * x;
  norm = std::sqrt(norm);
  std::vector<float> out(dims);
  for (size_t j = 0; j < dims; ++j) out[j] = static_cast<float>(norm > 0 ? v[j] / norm : (j == 0 ? 1.0 : 0.0));
  return out;
}

std::string base64(const unsigned char* data, size_t size) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  for (size_t i = 0; i < size; i += 3) {
    std::uint32_t chunk = static_cast<std::uint32_t>(data[i]) << 16;
    if (i + 1 < size) chunk |= static_cast<std::uint32_t>(data[i + 1]) << 8;
    if (i + 2 < size) chunk |= data[i + 2];
    out += kAlphabet[(chunk >> 18) & 63];
    out += kAlphabet[(chunk >> 12) & 63];
    out += i + 1 < size ? kAlphabet[(chunk >> 6) & 63] : '=';
    out += i + 2 < size ? kAlphabet[chunk & 63] : '=';
  }
  return out;
}

std::string float_base64(const std::vector<float>& v) {
  std::vector<unsigned char> bytes;
  bytes.reserve(v.size() * 4);
  for (float f : v) {
    std::uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    for (int b = 0; b < 4; ++b) bytes.push_back(static_cast<unsigned char>(bits >> (8 * b)));
  }
  return base64(bytes.data(), bytes.size());
}

// Shortest round-trip decimals ("0.25"), not boost::json's "2.5E-1".
void append_floats(std::string& out, const std::vector<float>& v) {
  out += '[';
  char buf[32];
  for (size_t j = 0; j < v.size(); ++j) {
    if (j) out += ',';
    auto res = std::to_chars(buf, buf + sizeof buf, v[j]);
    out.append(buf, res.ptr);
  }
  out += ']';
}

}  // namespace

// ---------------------------------------------------------------- public API

int count_tokens(std::string_view text) { return static_cast<int>(split_words(text).size()); }

std::string error_body(std::string_view message, std::string_view type, std::string_view param,
                       std::string_view code) {
  json::object error{{"message", message}, {"type", type}};
  error["param"] = param.empty() ? json::value(nullptr) : json::value(param);
  error["code"] = code.empty() ? json::value(nullptr) : json::value(code);
  return json::serialize(json::object{{"error", std::move(error)}});
}

Answer chat_completion(const json::object& req, std::string_view model, const GenerateOptions& gen) {
  try {
    return {200, render_chat(plan_chat(req, model, gen), model)};
  } catch (const BadRequest& e) {
    return rejected(e);
  }
}

StreamAnswer chat_completion_stream(const json::object& req, std::string_view model, const GenerateOptions& gen,
                                    const StreamOptions& opt) {
  StreamAnswer out;
  try {
    ChatPlan plan = plan_chat(req, model, gen);
    ChatStream stream(plan, model, opt.force_usage || usage_requested(req), out);
    for (size_t i = 0; i < plan.choices.size(); ++i) stream.emit_choice(i, plan.choices[i], opt.chunks);
    stream.finish();
  } catch (const BadRequest& e) {
    out.error = rejected(e);
    out.events.clear();
    out.is_content.clear();
  }
  return out;
}

Answer completion(const json::object& req, std::string_view model, const GenerateOptions& gen) {
  try {
    CompletionPlan plan = plan_completion(req, model, gen);
    json::array choices;
    for (size_t i = 0; i < plan.choices.size(); ++i)
      choices.push_back(text_choice(i, plan.choices[i].text, plan.choices[i].finish_reason.data()));
    json::object out = completion_header(plan, model);
    out["choices"] = std::move(choices);
    out["usage"] = usage_object(plan.prompt_tokens, plan.completion_tokens);
    out["system_fingerprint"] = kFingerprint;
    return {200, json::serialize(out)};
  } catch (const BadRequest& e) {
    return rejected(e);
  }
}

StreamAnswer completion_stream(const json::object& req, std::string_view model, const GenerateOptions& gen,
                               const StreamOptions& opt) {
  StreamAnswer out;
  try {
    CompletionPlan plan = plan_completion(req, model, gen);
    bool usage = opt.force_usage || usage_requested(req);
    auto push = [&](size_t index, std::string text, const char* finish_reason, bool content) {
      json::object chunk = completion_header(plan, model);
      chunk["system_fingerprint"] = kFingerprint;
      chunk["choices"] = json::array{text_choice(index, std::move(text), finish_reason)};
      if (usage) chunk["usage"] = nullptr;
      out.events.push_back(sse(chunk));
      out.is_content.push_back(content);
    };
    for (size_t i = 0; i < plan.choices.size(); ++i) {
      for (auto& piece : split_pieces(plan.choices[i].text, opt.chunks)) push(i, std::move(piece), nullptr, true);
      push(i, "", plan.choices[i].finish_reason.data(), false);
    }
    if (usage) {
      json::object chunk = completion_header(plan, model);
      chunk["system_fingerprint"] = kFingerprint;
      chunk["choices"] = json::array{};
      chunk["usage"] = usage_object(plan.prompt_tokens, plan.completion_tokens);
      out.events.push_back(sse(chunk));
      out.is_content.push_back(false);
    }
    out.events.emplace_back(kDone);
    out.is_content.push_back(false);
  } catch (const BadRequest& e) {
    out.error = rejected(e);
    out.events.clear();
    out.is_content.clear();
  }
  return out;
}

Answer embeddings(const json::object& req, std::string_view model) {
  try {
    auto inputs = read_embedding_inputs(req);
    auto dims = static_cast<size_t>(int_field(req, "dimensions", 1, kMaxDimensions).value_or(kDefaultDimensions));
    bool as_base64 = false;
    if (const json::value* format = field(req, "encoding_format")) {
      if (!format->is_string() || (format->get_string() != "float" && format->get_string() != "base64"))
        reject("Invalid value for 'encoding_format': expected 'float' or 'base64'.", "encoding_format");
      as_base64 = format->get_string() == "base64";
    }
    std::string out = R"({"object":"list","data":[)";
    std::int64_t tokens = 0;
    for (size_t i = 0; i < inputs.size(); ++i) {
      tokens += inputs[i].tokens;
      auto vec = embed(inputs[i], dims);
      if (i) out += ',';
      out += R"({"object":"embedding","index":)" + std::to_string(i) + R"(,"embedding":)";
      if (as_base64) out += '"' + float_base64(vec) + '"';
      else append_floats(out, vec);
      out += '}';
    }
    out += R"(],"model":)" + json::serialize(json::string(model));
    out += R"(,"usage":{"prompt_tokens":)" + std::to_string(tokens) + R"(,"total_tokens":)" +
           std::to_string(tokens) + "}}";
    return {200, std::move(out)};
  } catch (const BadRequest& e) {
    return rejected(e);
  }
}

}  // namespace torii::mock
