// Anthropic, Gemini and Cohere envelopes around the OpenAI mock's answers.
//
// Each request is translated into the OpenAI chat request that means the same
// thing (system prompt, turns, tool definitions, tool results, tool choice,
// output limit) and answered by mock_llm. Reusing its answer rather than
// re-deriving one is what keeps the formats interchangeable in tests: a client
// that switches provider sees the same words, the same tool call with the same
// arguments, and the same token counts.
//
// What the OpenAI mock has no notion of is done here: stop sequences (the reply
// is cut before the earliest one), Anthropic cache accounting, Gemini's enum
// output mode, and each format's ids, finish reasons and error shapes.
#include "formats/mock_formats.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include <boost/json.hpp>

namespace torii::mock {
namespace {

namespace json = boost::json;

// Thrown while reading a request; becomes the format's error at the entry points.
struct FormatError {
  int status = 400;
  std::string message;
};

[[noreturn]] void fail(std::string message, int status = 400) { throw FormatError{status, std::move(message)}; }

// ---------------------------------------------------------------- small helpers

const json::value* field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && !v->is_null() ? v : nullptr;
}

// Google's JSON mapping accepts both the lowerCamel and the proto field name.
const json::value* field(const json::object& o, std::string_view camel, std::string_view snake) {
  const json::value* v = field(o, camel);
  return v ? v : field(o, snake);
}

std::string_view string_or(const json::object& o, std::string_view key, std::string_view fallback = {}) {
  const json::value* v = field(o, key);
  return v && v->is_string() ? std::string_view(v->get_string()) : fallback;
}

// Google's JSON mapping takes a field by its lowerCamel or its proto
// (snake_case) name: the lowerCamel form of `name`.
std::string lower_camel(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '_' && i + 1 < name.size() && name[i + 1] >= 'a' && name[i + 1] <= 'z') {
      out += static_cast<char>(name[++i] - 'a' + 'A');
    } else {
      out += name[i];
    }
  }
  return out;
}

template <size_t N>
std::string unknown_google_field(const json::object& o, const std::string_view (&camel)[N]) {
  for (const auto& kv : o) {
    std::string c = lower_camel(kv.key());
    if (std::find(std::begin(camel), std::end(camel), c) == std::end(camel)) return std::string(kv.key());
  }
  return {};
}

std::string sse_named(std::string_view name, const json::object& data) {
  std::string out = "event: ";
  out += name;
  out += "\ndata: ";
  out += json::serialize(data);
  out += "\n\n";
  return out;
}

// Google's SSE framing ends events with CRLF pairs.
std::string sse_crlf(const json::object& data) {
  std::string out = "data: ";
  out += json::serialize(data);
  out += "\r\n\r\n";
  return out;
}

void push(StreamAnswer& out, std::string event, bool content) {
  out.events.push_back(std::move(event));
  out.is_content.push_back(content);
}

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

std::string hex(std::uint64_t v, int digits) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, v >>= 4) out[static_cast<size_t>(i)] = kDigits[v & 15];
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Word pieces whose concatenation is `text`, cut where the OpenAI mock cuts
// its content chunks (after each word).
std::vector<std::string> word_pieces(std::string_view text) {
  std::vector<std::string> out;
  size_t begin = 0, i = 0;
  for (;;) {
    while (i < text.size() && is_space(text[i])) ++i;
    if (i == text.size()) break;
    while (i < text.size() && !is_space(text[i])) ++i;
    out.emplace_back(text.substr(begin, i - begin));
    begin = i;
  }
  if (begin < text.size()) {
    if (out.empty()) out.emplace_back(text.substr(begin));
    else out.back() += text.substr(begin);
  }
  return out;
}

// ---------------------------------------------------------------- the OpenAI answer

struct Call {
  std::string id;  // call_mock_<hex>
  std::string name;
  std::string arguments;
  std::vector<std::string> fragments;  // streaming only
};

struct Choice {
  std::string text;
  std::vector<std::string> pieces;  // streaming only
  std::vector<Call> calls;
  std::string finish;  // stop | length | tool_calls | stop_sequence
  std::string stop_sequence;
};

struct Reply {
  std::string digest;
  std::vector<Choice> choices;
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
};

std::string openai_error_message(const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  const json::value* m = ec ? nullptr : v.find_pointer("/error/message", ec);
  return m && m->is_string() ? std::string(m->get_string()) : std::string("Invalid request.");
}

// Cuts every text choice before the earliest stop sequence it contains.
void apply_stops(Reply& r, const std::vector<std::string>& stops) {
  if (stops.empty()) return;
  for (auto& c : r.choices) {
    if (!c.calls.empty()) continue;
    size_t cut = std::string::npos;
    std::string_view hit;
    for (const auto& s : stops) {
      if (s.empty()) continue;
      size_t at = c.text.find(s);
      if (at < cut) {
        cut = at;
        hit = s;
      }
    }
    if (cut == std::string::npos) continue;
    r.completion_tokens -= count_tokens(c.text);
    c.text.resize(cut);
    r.completion_tokens += count_tokens(c.text);
    c.finish = "stop_sequence";
    c.stop_sequence = std::string(hit);
    size_t used = 0;
    std::vector<std::string> kept;
    for (auto& p : c.pieces) {
      if (used >= cut) break;
      if (used + p.size() > cut) p.resize(cut - used);
      used += p.size();
      if (!p.empty()) kept.push_back(std::move(p));
    }
    c.pieces = std::move(kept);
  }
}

Reply run_chat(const json::object& oreq, std::string_view model, const GenerateOptions& gen,
               const std::vector<std::string>& stops, bool stream, const StreamOptions& opt) {
  Answer a = chat_completion(oreq, model, gen);
  if (a.status != 200) fail(openai_error_message(a.body), a.status);
  json::object o = json::parse(a.body).as_object();
  Reply r;
  std::string_view id = o.at("id").as_string();
  constexpr std::string_view kPrefix = "chatcmpl-mock-";
  r.digest = std::string(id.starts_with(kPrefix) ? id.substr(kPrefix.size()) : id);
  const auto& usage = o.at("usage").as_object();
  r.prompt_tokens = usage.at("prompt_tokens").as_int64();
  r.completion_tokens = usage.at("completion_tokens").as_int64();
  for (const auto& cv : o.at("choices").as_array()) {
    const auto& c = cv.as_object();
    const auto& message = c.at("message").as_object();
    Choice choice;
    choice.finish = std::string(c.at("finish_reason").as_string());
    if (const json::value* content = field(message, "content"); content && content->is_string())
      choice.text = std::string(content->get_string());
    if (const json::value* calls = field(message, "tool_calls"); calls && calls->is_array()) {
      for (const auto& call : calls->get_array()) {
        const auto& fn = call.at("function").as_object();
        choice.calls.push_back({std::string(call.at("id").as_string()), std::string(fn.at("name").as_string()),
                                std::string(fn.at("arguments").as_string()), {}});
      }
    }
    r.choices.push_back(std::move(choice));
  }
  if (stream) {
    // The stream's own chunking, so every format streams the pieces the OpenAI
    // stream would.
    StreamAnswer s = chat_completion_stream(oreq, model, gen, opt);
    for (size_t i = 0; i < s.events.size(); ++i) {
      if (!s.is_content[i]) continue;
      std::string_view e = s.events[i];
      e.remove_prefix(6);  // "data: "
      e.remove_suffix(2);  // "\n\n"
      json::object chunk = json::parse(e).as_object();
      const auto& choice = chunk.at("choices").as_array().at(0).as_object();
      auto index = static_cast<size_t>(choice.at("index").to_number<std::int64_t>());
      if (index >= r.choices.size()) continue;
      const auto& delta = choice.at("delta").as_object();
      if (const json::value* content = field(delta, "content"); content && content->is_string()) {
        r.choices[index].pieces.emplace_back(content->get_string());
      } else if (const json::value* calls = field(delta, "tool_calls"); calls && calls->is_array()) {
        const auto& entry = calls->get_array().at(0).as_object();
        auto k = static_cast<size_t>(entry.at("index").to_number<std::int64_t>());
        const json::value* fn = entry.if_contains("function");
        const json::value* args = fn && fn->is_object() ? fn->get_object().if_contains("arguments") : nullptr;
        if (k < r.choices[index].calls.size() && args && args->is_string())
          r.choices[index].calls[k].fragments.emplace_back(args->get_string());
      }
    }
    // Anthropic and Cohere stream no argument bytes at all for a tool called
    // without input (OpenAI sends "{}"): clients must cope with that.
    for (auto& choice : r.choices)
      for (auto& call : choice.calls)
        if (call.arguments == "{}") call.fragments.clear();
  }
  apply_stops(r, stops);
  return r;
}

// "call_mock_<hex>" → "<prefix>mock_<hex>"
std::string call_id(std::string_view openai_id, std::string_view prefix) {
  if (openai_id.starts_with("call_")) openai_id.remove_prefix(5);
  return std::string(prefix) + std::string(openai_id);
}

std::string call_hex(std::string_view openai_id) {
  size_t at = openai_id.rfind('_');
  return std::string(at == std::string_view::npos ? openai_id : openai_id.substr(at + 1));
}

json::value parse_arguments(const std::string& arguments) {
  boost::system::error_code ec;
  json::value v = json::parse(arguments, ec);
  return ec ? json::value(json::object{}) : v;
}

std::vector<std::string> string_list(const json::value& v, const std::string& param, size_t max = SIZE_MAX) {
  if (!v.is_array()) fail(param + ": Input should be a valid list");
  std::vector<std::string> out;
  for (const auto& s : v.get_array()) {
    if (!s.is_string()) fail(param + ": Input should be a list of strings");
    out.emplace_back(s.get_string());
  }
  if (out.size() > max) fail(param + ": at most " + std::to_string(max) + " entries are allowed");
  return out;
}

json::object text_part(std::string_view text) { return {{"type", "text"}, {"text", text}}; }

// ================================================================ Anthropic

constexpr std::string_view kAnthropicModelsCreated = "2023-11-14T22:13:20Z";

// One prompt block, in the order the cache prefix is built: tools, system, messages.
struct PromptBlock {
  std::int64_t tokens = 0;
  const json::object* cache_control = nullptr;
};

struct AnthropicPrompt {
  json::object oreq;
  std::string model;
  std::vector<std::string> stops;
  std::vector<PromptBlock> blocks;
  bool stream = false;
};

const json::object* cache_marker(const json::object& block, const std::string& param) {
  const json::value* cc = field(block, "cache_control");
  if (!cc) return nullptr;
  if (!cc->is_object()) fail(param + ".cache_control: Input should be a valid dictionary");
  if (string_or(cc->get_object(), "type") != "ephemeral")
    fail(param + ".cache_control.type: Input should be 'ephemeral'");
  return &cc->get_object();
}

std::string anthropic_text(const json::object& block, const std::string& param) {
  const json::value* text = field(block, "text");
  if (!text) fail(param + ".text: Field required");
  if (!text->is_string()) fail(param + ".text: Input should be a valid string");
  return std::string(text->get_string());
}

void check_image(const json::object& block, const std::string& param) {
  const json::value* source = field(block, "source");
  if (!source || !source->is_object()) fail(param + ".source: Field required");
  const auto& s = source->get_object();
  std::string_view type = string_or(s, "type");
  if (type == "base64") {
    if (!field(s, "media_type")) fail(param + ".source.base64.media_type: Field required");
    if (!field(s, "data")) fail(param + ".source.base64.data: Field required");
  } else if (type == "url") {
    if (!field(s, "url")) fail(param + ".source.url.url: Field required");
  } else if (type != "file" && type != "text" && type != "content") {
    fail(param + ".source: Input tag '" + std::string(type) +
         "' found using 'type' does not match any of the expected tags: 'base64', 'url', 'file'");
  }
}

json::object image_part(const json::object& block) {
  const auto& s = block.at("source").as_object();
  std::string url;
  if (string_or(s, "type") == "base64")
    url = "data:" + std::string(string_or(s, "media_type")) + ";base64," + std::string(string_or(s, "data"));
  else
    url = std::string(string_or(s, "url", string_or(s, "file_id")));
  return {{"type", "image_url"}, {"image_url", json::object{{"url", url}}}};
}

// A tool_result's content: a string, or blocks whose text parts count.
std::string tool_result_text(const json::object& block, const std::string& param) {
  const json::value* content = field(block, "content");
  if (!content) return "";
  if (content->is_string()) return std::string(content->get_string());
  if (!content->is_array()) fail(param + ".content: Input should be a valid string or a list of blocks");
  std::string out;
  for (size_t i = 0; i < content->get_array().size(); ++i) {
    const json::value& b = content->get_array()[i];
    std::string p = param + ".content." + std::to_string(i);
    if (!b.is_object()) fail(p + ": Input should be a valid dictionary");
    std::string_view type = string_or(b.get_object(), "type");
    if (type == "text") {
      std::string text = anthropic_text(b.get_object(), p);
      if (!out.empty()) out += ' ';
      out += text;
    } else if (type == "image") {
      check_image(b.get_object(), p);
    } else if (type != "document" && type != "search_result") {
      fail(p + ": Input tag '" + std::string(type) +
           "' found using 'type' does not match any of the expected tags: 'text', 'image', 'search_result', "
           "'document'");
    }
  }
  return out;
}

void read_anthropic_message(const json::value& mv, size_t index, AnthropicPrompt& p, json::array& messages) {
  std::string param = "messages." + std::to_string(index);
  if (!mv.is_object()) fail(param + ": Input should be a valid dictionary");
  const auto& m = mv.get_object();
  const json::value* role = field(m, "role");
  if (!role) fail(param + ".role: Field required");
  std::string_view r = role->is_string() ? std::string_view(role->get_string()) : std::string_view();
  if (r != "user" && r != "assistant" && r != "system")
    fail(param + ".role: Input should be 'user', 'assistant' or 'system'");
  const json::value* content = field(m, "content");
  if (!content) fail(param + ".content: Field required");
  if (r == "system") {
    // A system message inside the conversation, as current Claude models
    // accept (Claude Code sends them): text only, kept in its place.
    std::string text;
    if (content->is_string()) {
      text = std::string(content->get_string());
      p.blocks.push_back({count_tokens(text), nullptr});
    } else if (content->is_array()) {
      for (size_t i = 0; i < content->get_array().size(); ++i) {
        const json::value& bv = content->get_array()[i];
        std::string bp = param + ".content." + std::to_string(i);
        if (!bv.is_object() || string_or(bv.get_object(), "type") != "text")
          fail(bp + ": text-only role 'system' messages require text blocks");
        std::string part = anthropic_text(bv.get_object(), bp);
        p.blocks.push_back({count_tokens(part), cache_marker(bv.get_object(), bp)});
        if (!text.empty()) text += "\n\n";
        text += part;
      }
    } else {
      fail(param + ".content: Input should be a valid string or a list of blocks");
    }
    messages.push_back(json::object{{"role", "system"}, {"content", text}});
    return;
  }
  bool user = r == "user";

  if (content->is_string()) {
    p.blocks.push_back({count_tokens(content->get_string()), nullptr});
    messages.push_back(json::object{{"role", r}, {"content", content->get_string()}});
    return;
  }
  if (!content->is_array()) fail(param + ".content: Input should be a valid string or a list of blocks");

  json::array parts;
  json::array tool_calls;
  std::vector<json::object> tool_results;
  for (size_t i = 0; i < content->get_array().size(); ++i) {
    const json::value& bv = content->get_array()[i];
    std::string bp = param + ".content." + std::to_string(i);
    if (!bv.is_object()) fail(bp + ": Input should be a valid dictionary");
    const auto& b = bv.get_object();
    std::string_view type = string_or(b, "type");
    const json::object* marker = cache_marker(b, bp);
    if (type == "text") {
      std::string text = anthropic_text(b, bp);
      p.blocks.push_back({count_tokens(text), marker});
      parts.push_back(text_part(text));
    } else if (type == "image") {
      check_image(b, bp);
      p.blocks.push_back({0, marker});
      parts.push_back(image_part(b));
    } else if (type == "document") {
      if (!field(b, "source")) fail(bp + ".source: Field required");
      p.blocks.push_back({0, marker});
    } else if (type == "tool_use" && !user) {
      std::string_view id = string_or(b, "id");
      std::string_view name = string_or(b, "name");
      if (id.empty()) fail(bp + ".id: Field required");
      if (name.empty()) fail(bp + ".name: Field required");
      const json::value* input = field(b, "input");
      if (!input || !input->is_object()) fail(bp + ".input: Input should be a valid dictionary");
      std::string arguments = json::serialize(*input);
      p.blocks.push_back({count_tokens(arguments), marker});
      tool_calls.push_back(json::object{{"id", id},
                                        {"type", "function"},
                                        {"function", json::object{{"name", name}, {"arguments", arguments}}}});
    } else if (type == "tool_result" && user) {
      std::string_view id = string_or(b, "tool_use_id");
      if (id.empty()) fail(bp + ".tool_use_id: Field required");
      std::string text = tool_result_text(b, bp);
      p.blocks.push_back({count_tokens(text), marker});
      tool_results.push_back(json::object{{"role", "tool"}, {"tool_call_id", id}, {"content", text}});
    } else if ((type == "thinking" || type == "redacted_thinking") && !user) {
      p.blocks.push_back({0, nullptr});
    } else if (type == "tool_use" || type == "tool_result") {
      fail(bp + ": `" + std::string(type) + "` blocks are only allowed in " + (user ? "assistant" : "user") +
           " messages");
    } else {
      fail(bp + ": Input tag '" + std::string(type) +
           "' found using 'type' does not match any of the expected tags: 'text', 'image', 'document', "
           "'tool_use', 'tool_result', 'thinking', 'redacted_thinking'");
    }
  }

  if (!user) {
    json::object msg{{"role", "assistant"}};
    msg["content"] = parts.empty() ? json::value(nullptr) : json::value(std::move(parts));
    if (!tool_calls.empty()) msg["tool_calls"] = std::move(tool_calls);
    messages.push_back(std::move(msg));
    return;
  }
  // Text that accompanies tool results goes first, so that the results are the
  // last word and the reply quotes them (as the OpenAI rule does for a last
  // tool message) instead of calling the tool again.
  if (!parts.empty() || tool_results.empty())
    messages.push_back(json::object{{"role", "user"}, {"content", std::move(parts)}});
  for (auto& t : tool_results) messages.push_back(std::move(t));
}

json::value anthropic_tool_choice(const json::value& tc, const json::array& tools) {
  if (!tc.is_object()) fail("tool_choice: Input should be a valid dictionary");
  std::string_view type = string_or(tc.get_object(), "type");
  if (type == "auto") return "auto";
  if (type == "any") return "required";
  if (type == "none") return "none";
  if (type == "tool") {
    std::string_view name = string_or(tc.get_object(), "name");
    if (name.empty()) fail("tool_choice.tool.name: Field required");
    bool known = std::any_of(tools.begin(), tools.end(), [&](const json::value& t) {
      return t.at("function").at("name").as_string() == name;
    });
    if (!known) fail("tool_choice.name: Tool '" + std::string(name) + "' not found in tools");
    return json::object{{"type", "function"}, {"function", json::object{{"name", name}}}};
  }
  fail("tool_choice: Input tag '" + std::string(type) +
       "' found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'");
}

// As the Messages API does: a field it does not know is refused, not ignored
// (so a translator that sends one fails here as it would there).
void check_anthropic_fields(const json::object& req) {
  static constexpr std::string_view kKnown[] = {
      "model",       "messages",    "max_tokens", "system",        "metadata",     "stop_sequences",
      "stream",      "temperature", "top_k",      "top_p",         "tools",        "tool_choice",
      "thinking",    "service_tier", "container", "mcp_servers",   "context_management", "output_config",
      "output_format"};
  if (std::string_view bad = unknown_field(req, kKnown); !bad.empty())
    fail(std::string(bad) + ": Extra inputs are not permitted");
}

// The ids of the tool_use blocks of an assistant message.
std::vector<std::string> tool_use_ids(const json::value& mv) {
  std::vector<std::string> ids;
  if (!mv.is_object() || string_or(mv.get_object(), "role") != "assistant") return ids;
  const json::value* content = field(mv.get_object(), "content");
  if (!content || !content->is_array()) return ids;
  for (const auto& b : content->get_array())
    if (b.is_object() && string_or(b.get_object(), "type") == "tool_use")
      ids.emplace_back(string_or(b.get_object(), "id"));
  return ids;
}

// Tool results pair with tool calls as the Messages API demands: a user
// message's tool_result blocks answer tool_use blocks of the message right
// before it, and an assistant message's tool_use blocks are all answered by
// the next message (when there is one).
void check_anthropic_tool_pairing(const json::array& messages) {
  for (size_t i = 0; i < messages.size(); ++i) {
    const json::value& mv = messages[i];
    if (!mv.is_object() || string_or(mv.get_object(), "role") != "user") continue;
    const json::value* content = field(mv.get_object(), "content");
    if (!content || !content->is_array()) continue;
    const std::vector<std::string> calls = i > 0 ? tool_use_ids(messages[i - 1]) : std::vector<std::string>{};
    for (size_t j = 0; j < content->get_array().size(); ++j) {
      const json::value& b = content->get_array()[j];
      if (!b.is_object() || string_or(b.get_object(), "type") != "tool_result") continue;
      std::string id(string_or(b.get_object(), "tool_use_id"));
      if (std::find(calls.begin(), calls.end(), id) == calls.end())
        fail("messages." + std::to_string(i) + ".content." + std::to_string(j) +
             ": unexpected `tool_use_id` found in `tool_result` blocks: " + id +
             ". Each `tool_result` block must have a corresponding `tool_use` block in the previous message.");
    }
  }
  for (size_t i = 0; i + 1 < messages.size(); ++i) {
    const std::vector<std::string> calls = tool_use_ids(messages[i]);
    if (calls.empty()) continue;
    std::vector<std::string> answered;
    const json::value& next = messages[i + 1];
    const json::value* content = next.is_object() ? field(next.get_object(), "content") : nullptr;
    if (content && content->is_array() && string_or(next.get_object(), "role") == "user")
      for (const auto& b : content->get_array())
        if (b.is_object() && string_or(b.get_object(), "type") == "tool_result")
          answered.emplace_back(string_or(b.get_object(), "tool_use_id"));
    for (const std::string& id : calls)
      if (std::find(answered.begin(), answered.end(), id) == answered.end())
        fail("messages." + std::to_string(i + 1) + ": `tool_use` ids were found without `tool_result` blocks "
             "immediately after: " + id + ". Each `tool_use` block must have a corresponding `tool_result` block "
             "in the next message.");
  }
}

AnthropicPrompt read_anthropic(const json::object& req, bool need_max_tokens = true) {
  AnthropicPrompt p;
  check_anthropic_fields(req);
  const json::value* model = field(req, "model");
  if (!model) fail("model: Field required");
  if (!model->is_string() || model->get_string().empty()) fail("model: Input should be a valid string");
  p.model = std::string(model->get_string());

  const json::value* max_tokens = field(req, "max_tokens");
  if (need_max_tokens) {
    if (!max_tokens) fail("max_tokens: Field required");
    if (!max_tokens->is_int64() && !max_tokens->is_uint64()) fail("max_tokens: Input should be a valid integer");
    if (max_tokens->is_int64() && max_tokens->get_int64() < 1)
      fail("max_tokens: Input should be greater than or equal to 1");
  }
  const json::value* messages = field(req, "messages");
  if (!messages) fail("messages: Field required");
  if (!messages->is_array()) fail("messages: Input should be a valid list");
  if (messages->get_array().empty()) fail("messages: at least one message is required");
  if (const json::value* stream = field(req, "stream")) {
    if (!stream->is_bool()) fail("stream: Input should be a valid boolean");
    p.stream = stream->get_bool();
  }
  for (std::string_view key : {"temperature", "top_p"}) {
    const json::value* v = field(req, key);
    if (v && !v->is_number()) fail(std::string(key) + ": Input should be a valid number");
  }
  if (const json::value* v = field(req, "top_k"); v && !v->is_int64())
    fail("top_k: Input should be a valid integer");
  if (const json::value* v = field(req, "metadata"); v && !v->is_object())
    fail("metadata: Input should be a valid dictionary");
  if (const json::value* v = field(req, "stop_sequences")) p.stops = string_list(*v, "stop_sequences");

  json::array tools;
  if (const json::value* tv = field(req, "tools")) {
    if (!tv->is_array()) fail("tools: Input should be a valid list");
    for (size_t i = 0; i < tv->get_array().size(); ++i) {
      std::string tp = "tools." + std::to_string(i);
      const json::value& t = tv->get_array()[i];
      if (!t.is_object()) fail(tp + ": Input should be a valid dictionary");
      const auto& to = t.get_object();
      p.blocks.push_back({0, cache_marker(to, tp)});
      std::string_view type = string_or(to, "type", "custom");
      std::string_view name = string_or(to, "name");
      if (name.empty()) fail(tp + ".name: Field required");
      // Server tools (web search, code execution, ...) run on Anthropic's side
      // and never come back as tool_use for the client: not callable here.
      if (type != "custom") continue;
      const json::value* schema = field(to, "input_schema");
      if (!schema) fail(tp + ".custom.input_schema: Field required");
      if (!schema->is_object()) fail(tp + ".custom.input_schema: Input should be a valid dictionary");
      json::object fn{{"name", name}, {"parameters", *schema}};
      if (const json::value* d = field(to, "description")) fn["description"] = *d;
      tools.push_back(json::object{{"type", "function"}, {"function", std::move(fn)}});
    }
  }

  json::array out_messages;
  if (const json::value* system = field(req, "system")) {
    json::array parts;
    if (system->is_string()) {
      p.blocks.push_back({count_tokens(system->get_string()), nullptr});
      parts.push_back(text_part(system->get_string()));
    } else if (system->is_array()) {
      for (size_t i = 0; i < system->get_array().size(); ++i) {
        std::string sp = "system." + std::to_string(i);
        const json::value& b = system->get_array()[i];
        if (!b.is_object() || string_or(b.get_object(), "type") != "text")
          fail(sp + ": Input should be a valid dictionary with type 'text'");
        std::string text = anthropic_text(b.get_object(), sp);
        p.blocks.push_back({count_tokens(text), cache_marker(b.get_object(), sp)});
        parts.push_back(text_part(text));
      }
    } else {
      fail("system: Input should be a valid string or a list of text blocks");
    }
    if (!parts.empty()) out_messages.push_back(json::object{{"role", "system"}, {"content", std::move(parts)}});
  }
  for (size_t i = 0; i < messages->get_array().size(); ++i)
    read_anthropic_message(messages->get_array()[i], i, p, out_messages);
  check_anthropic_tool_pairing(messages->get_array());

  p.oreq["model"] = p.model;
  p.oreq["messages"] = std::move(out_messages);
  if (const json::value* tc = field(req, "tool_choice")) p.oreq["tool_choice"] = anthropic_tool_choice(*tc, tools);
  if (!tools.empty()) p.oreq["tools"] = std::move(tools);
  if (max_tokens && max_tokens->is_int64()) p.oreq["max_tokens"] = max_tokens->get_int64();
  // Structured outputs: output_config.format (and the beta's output_format)
  // {"type":"json_schema","schema":{...}}; the answer is JSON following it.
  for (const char* where : {"output_config", "output_format"}) {
    const json::value* v = field(req, where);
    if (!v) continue;
    if (!v->is_object()) fail(std::string(where) + ": Input should be a valid dictionary");
    const json::value* format = where == std::string_view("output_format") ? v : field(v->get_object(), "format");
    if (!format) continue;
    if (!format->is_object()) fail(std::string(where) + ".format: Input should be a valid dictionary");
    if (string_or(format->get_object(), "type") != "json_schema")
      fail(std::string(where) + ".format.type: Input should be 'json_schema'");
    const json::value* schema = field(format->get_object(), "schema");
    if (!schema || !schema->is_object()) fail(std::string(where) + ".format.schema: Field required");
    p.oreq["response_format"] = json::object{
        {"type", "json_schema"}, {"json_schema", json::object{{"name", "output"}, {"schema", *schema}}}};
  }
  return p;
}

struct CacheUsage {
  std::int64_t input = 0, creation = 0, read = 0;
  bool one_hour = false;
};

// Stateless and deterministic: the blocks before the last cache_control marker
// count as read from the cache, the marked block itself as written to it.
CacheUsage cache_usage(const AnthropicPrompt& p, std::int64_t prompt_tokens) {
  CacheUsage u;
  std::optional<size_t> last;
  for (size_t i = 0; i < p.blocks.size(); ++i)
    if (p.blocks[i].cache_control) last = i;
  if (last) {
    for (size_t i = 0; i < *last; ++i) u.read += p.blocks[i].tokens;
    u.creation = p.blocks[*last].tokens;
    u.one_hour = string_or(*p.blocks[*last].cache_control, "ttl") == "1h";
  }
  u.input = std::max<std::int64_t>(0, prompt_tokens - u.read - u.creation);
  return u;
}

// `full` adds what only the message object's usage carries (the TTL breakdown
// and the service tier); message_delta's cumulative usage has the counts alone.
json::object anthropic_usage(const CacheUsage& c, std::int64_t output_tokens, bool full = true) {
  json::object u{{"input_tokens", c.input},
                 {"cache_creation_input_tokens", c.creation},
                 {"cache_read_input_tokens", c.read}};
  if (full)
    u["cache_creation"] = json::object{{"ephemeral_5m_input_tokens", c.one_hour ? 0 : c.creation},
                                       {"ephemeral_1h_input_tokens", c.one_hour ? c.creation : 0}};
  u["output_tokens"] = output_tokens;
  if (full) u["service_tier"] = "standard";
  return u;
}

std::string_view anthropic_stop_reason(const Choice& c) {
  if (c.finish == "length") return "max_tokens";
  if (c.finish == "tool_calls") return "tool_use";
  if (c.finish == "stop_sequence") return "stop_sequence";
  return "end_turn";
}

json::value stop_sequence_value(const Choice& c) {
  return c.finish == "stop_sequence" ? json::value(c.stop_sequence) : json::value(nullptr);
}

json::object tool_use_block(const Call& call, bool with_input = true) {
  json::object b{{"type", "tool_use"}, {"id", call_id(call.id, "toolu_")}, {"name", call.name}};
  b["input"] = with_input ? parse_arguments(call.arguments) : json::value(json::object{});
  return b;
}

json::object anthropic_message_head(const AnthropicPrompt& p, const Reply& r) {
  return {{"id", "msg_mock_" + r.digest}, {"type", "message"}, {"role", "assistant"}, {"model", p.model}};
}

// ================================================================ Gemini

struct GeminiPrompt {
  json::object oreq;
  std::vector<std::string> stops;
  std::optional<std::string> enum_reply;  // responseMimeType text/x.enum
};

// Gemini schemas are OpenAPI-flavoured with upper-case type names ("OBJECT");
// the placeholder generator expects JSON Schema's lower-case ones.
json::value lower_types(const json::value& v) {
  if (v.is_array()) {
    json::array out;
    for (const auto& e : v.get_array()) out.push_back(lower_types(e));
    return out;
  }
  if (!v.is_object()) return v;
  json::object out;
  for (const auto& [key, value] : v.get_object()) {
    if (key == "type" && value.is_string()) {
      std::string t(value.get_string());
      for (char& ch : t) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      out[key] = t;
    } else {
      out[key] = lower_types(value);
    }
  }
  return out;
}

std::string gemini_param(std::string_view path) { return "* GenerateContentRequest." + std::string(path); }

struct GeminiTurn {
  json::array parts;       // OpenAI content parts
  json::array tool_calls;  // model turns
  std::vector<json::object> tool_results;
  std::int64_t tokens = 0;
};

void read_gemini_parts(const json::object& content, const std::string& path, bool model_turn, GeminiTurn& turn,
                       size_t& call_counter) {
  const json::value* parts = field(content, "parts");
  if (!parts || !parts->is_array() || parts->get_array().empty())
    fail(gemini_param(path) + ".parts: contents.parts must not be empty.\n");
  for (size_t i = 0; i < parts->get_array().size(); ++i) {
    std::string pp = path + ".parts[" + std::to_string(i) + "]";
    const json::value& pv = parts->get_array()[i];
    if (!pv.is_object()) fail("Invalid JSON payload received. Expected an object for " + pp + ".");
    const auto& part = pv.get_object();
    if (const json::value* text = field(part, "text")) {
      if (!text->is_string()) fail("Invalid value at '" + pp + ".text' (TYPE_STRING)");
      // Thought summaries are not part of the conversation's prompt text.
      const json::value* thought = field(part, "thought");
      if (thought && thought->is_bool() && thought->get_bool()) continue;
      turn.parts.push_back(text_part(text->get_string()));
      turn.tokens += count_tokens(text->get_string());
    } else if (const json::value* inline_data = field(part, "inlineData", "inline_data")) {
      if (!inline_data->is_object()) fail("Invalid value at '" + pp + ".inline_data'");
      const auto& d = inline_data->get_object();
      std::string_view mime = string_or(d, "mimeType", string_or(d, "mime_type"));
      const json::value* data = field(d, "data");
      if (mime.empty()) fail(gemini_param(pp) + ".inline_data.mime_type: mime_type is not specified\n");
      if (!data || !data->is_string()) fail(gemini_param(pp) + ".inline_data.data: data is not specified\n");
      turn.parts.push_back(json::object{
          {"type", "image_url"},
          {"image_url", json::object{{"url", "data:" + std::string(mime) + ";base64," + std::string(data->get_string())}}}});
    } else if (field(part, "fileData", "file_data")) {
      continue;
    } else if (const json::value* call = field(part, "functionCall", "function_call")) {
      if (!call->is_object() || string_or(call->get_object(), "name").empty())
        fail(gemini_param(pp) + ".function_call.name: Name is not specified\n");
      const auto& c = call->get_object();
      const json::value* args = field(c, "args");
      std::string arguments = args ? json::serialize(*args) : std::string("{}");
      std::string id(string_or(c, "id"));
      if (id.empty()) id = "call_" + std::to_string(call_counter);
      ++call_counter;
      turn.tokens += count_tokens(arguments);
      if (!model_turn) fail(gemini_param(pp) + ".function_call: function calls can only be in model turns\n");
      turn.tool_calls.push_back(json::object{
          {"id", id},
          {"type", "function"},
          {"function", json::object{{"name", c.at("name").as_string()}, {"arguments", arguments}}}});
    } else if (const json::value* resp = field(part, "functionResponse", "function_response")) {
      if (!resp->is_object() || string_or(resp->get_object(), "name").empty())
        fail(gemini_param(pp) + ".function_response.name: Name is not specified\n");
      const auto& r = resp->get_object();
      const json::value* response = field(r, "response");
      std::string text = response ? json::serialize(*response) : std::string("{}");
      std::string id(string_or(r, "id", r.at("name").as_string()));
      turn.tokens += count_tokens(text);
      turn.tool_results.push_back(json::object{{"role", "tool"}, {"tool_call_id", id}, {"content", text}});
    } else if (field(part, "executableCode", "executable_code") ||
               field(part, "codeExecutionResult", "code_execution_result") ||
               field(part, "thoughtSignature", "thought_signature")) {
      continue;
    } else {
      fail(gemini_param(pp) + ".data: required oneof field 'data' must have one initialized field\n");
    }
  }
}

json::value gemini_tool_choice(const json::object& tool_config) {
  const json::value* fcc = field(tool_config, "functionCallingConfig", "function_calling_config");
  if (!fcc || !fcc->is_object()) return nullptr;
  std::string_view mode = string_or(fcc->get_object(), "mode", "AUTO");
  if (mode == "NONE") return "none";
  if (mode == "ANY") {
    const json::value* allowed = field(fcc->get_object(), "allowedFunctionNames", "allowed_function_names");
    if (allowed && allowed->is_array() && !allowed->get_array().empty() && allowed->get_array()[0].is_string())
      return json::object{{"type", "function"},
                          {"function", json::object{{"name", allowed->get_array()[0].get_string()}}}};
    return "required";
  }
  if (mode == "AUTO" || mode == "VALIDATED" || mode == "MODE_UNSPECIFIED") return "auto";
  fail("Invalid value at 'tool_config.function_calling_config.mode', \"" + std::string(mode) + "\"");
}

// GenerateContentRequest and its GenerationConfig as the API documents
// them; any other name is "Invalid JSON payload received" (400).
void check_gemini_fields(const json::object& req) {
  static constexpr std::string_view kRequest[] = {
      "model", "contents", "tools", "toolConfig", "safetySettings", "systemInstruction", "generationConfig",
      "cachedContent"};
  static constexpr std::string_view kGeneration[] = {
      "stopSequences", "responseMimeType", "responseSchema", "responseJsonSchema", "responseModalities",
      "candidateCount", "maxOutputTokens", "temperature", "topP", "topK", "seed", "presencePenalty",
      "frequencyPenalty", "responseLogprobs", "logprobs", "enableEnhancedCivicAnswers", "speechConfig",
      "thinkingConfig", "imageConfig", "mediaResolution"};
  if (std::string bad = unknown_google_field(req, kRequest); !bad.empty())
    fail("Invalid JSON payload received. Unknown name \"" + bad + "\": Cannot find field.");
  if (const json::value* gc = field(req, "generationConfig", "generation_config"); gc && gc->is_object())
    if (std::string bad = unknown_google_field(gc->get_object(), kGeneration); !bad.empty())
      fail("Invalid JSON payload received. Unknown name \"" + bad + "\" at 'generation_config': Cannot find field.");
}

GeminiPrompt read_gemini(const json::object& req, std::string_view model) {
  check_gemini_fields(req);
  GeminiPrompt p;
  json::array messages;
  if (const json::value* si = field(req, "systemInstruction", "system_instruction")) {
    if (!si->is_object()) fail("Invalid value at 'system_instruction' (type.googleapis.com/google.ai.generativelanguage.v1beta.Content)");
    GeminiTurn turn;
    size_t calls = 0;
    read_gemini_parts(si->get_object(), "system_instruction", false, turn, calls);
    if (!turn.parts.empty()) messages.push_back(json::object{{"role", "system"}, {"content", std::move(turn.parts)}});
  }
  const json::value* contents = field(req, "contents");
  if (!contents || (contents->is_array() && contents->get_array().empty()))
    fail(gemini_param("contents") + ": contents is not specified\n");
  if (!contents->is_array()) fail("Invalid value at 'contents' (type.googleapis.com/google.ai.generativelanguage.v1beta.Content)");
  size_t calls = 0;
  // The turn order Gemini enforces around function calling: a call turn
  // follows a user turn or a function response turn; a response turn
  // follows a call turn.
  enum class Turn { none, user, model, calls, responses } previous = Turn::none;
  for (size_t i = 0; i < contents->get_array().size(); ++i) {
    std::string path = "contents[" + std::to_string(i) + "]";
    const json::value& cv = contents->get_array()[i];
    if (!cv.is_object()) fail("Invalid value at '" + path + "'");
    std::string_view role = string_or(cv.get_object(), "role", "user");
    if (role != "user" && role != "model" && role != "function" && role != "tool")
      fail("Please use a valid role: user, model.");
    bool model_turn = role == "model";
    GeminiTurn turn;
    read_gemini_parts(cv.get_object(), path, model_turn, turn, calls);
    if (!turn.tool_calls.empty() && previous != Turn::user && previous != Turn::responses)
      fail("Please ensure that function call turn comes immediately after a user turn or after a function response "
           "turn.");
    if (!turn.tool_results.empty() && previous != Turn::calls)
      fail("Please ensure that function response turn comes immediately after a function call turn.");
    previous = !turn.tool_calls.empty()    ? Turn::calls
               : !turn.tool_results.empty() ? Turn::responses
               : model_turn                 ? Turn::model
                                            : Turn::user;
    if (model_turn) {
      json::object msg{{"role", "assistant"}};
      msg["content"] = turn.parts.empty() ? json::value(nullptr) : json::value(std::move(turn.parts));
      if (!turn.tool_calls.empty()) msg["tool_calls"] = std::move(turn.tool_calls);
      messages.push_back(std::move(msg));
    } else {
      // As for Anthropic: results last, so the reply quotes them.
      if (!turn.parts.empty() || turn.tool_results.empty())
        messages.push_back(json::object{{"role", "user"}, {"content", std::move(turn.parts)}});
      for (auto& t : turn.tool_results) messages.push_back(std::move(t));
    }
  }
  p.oreq["model"] = model;
  p.oreq["messages"] = std::move(messages);

  json::array tools;
  if (const json::value* tv = field(req, "tools")) {
    if (!tv->is_array()) fail("Invalid value at 'tools' (type.googleapis.com/google.ai.generativelanguage.v1beta.Tool)");
    for (size_t i = 0; i < tv->get_array().size(); ++i) {
      const json::value& t = tv->get_array()[i];
      if (!t.is_object()) fail("Invalid value at 'tools[" + std::to_string(i) + "]'");
      const json::value* decls = field(t.get_object(), "functionDeclarations", "function_declarations");
      if (!decls) continue;  // googleSearch, codeExecution, ...: not callable by the client
      if (!decls->is_array()) fail("Invalid value at 'tools[" + std::to_string(i) + "].function_declarations'");
      for (size_t k = 0; k < decls->get_array().size(); ++k) {
        std::string dp = "tools[" + std::to_string(i) + "].function_declarations[" + std::to_string(k) + "]";
        const json::value& d = decls->get_array()[k];
        if (!d.is_object() || string_or(d.get_object(), "name").empty())
          fail(gemini_param(dp) + ".name: Name is not specified\n");
        const auto& decl = d.get_object();
        json::object fn{{"name", decl.at("name").as_string()}};
        if (const json::value* desc = field(decl, "description")) fn["description"] = *desc;
        if (const json::value* js = field(decl, "parametersJsonSchema", "parameters_json_schema"))
          fn["parameters"] = *js;
        else if (const json::value* ps = field(decl, "parameters"))
          fn["parameters"] = lower_types(*ps);
        tools.push_back(json::object{{"type", "function"}, {"function", std::move(fn)}});
      }
    }
  }
  if (const json::value* tc = field(req, "toolConfig", "tool_config"); tc && tc->is_object()) {
    json::value choice = gemini_tool_choice(tc->get_object());
    // Without declarations Gemini ignores the mode; OpenAI would reject it.
    if (!choice.is_null() && !tools.empty()) p.oreq["tool_choice"] = std::move(choice);
  }
  if (!tools.empty()) p.oreq["tools"] = std::move(tools);

  if (const json::value* gc = field(req, "generationConfig", "generation_config")) {
    if (!gc->is_object()) fail("Invalid value at 'generation_config' (type.googleapis.com/google.ai.generativelanguage.v1beta.GenerationConfig)");
    const auto& g = gc->get_object();
    if (const json::value* m = field(g, "maxOutputTokens", "max_output_tokens")) {
      if (!m->is_int64()) fail("Invalid value at 'generation_config.max_output_tokens' (TYPE_INT32)");
      if (m->get_int64() > 0) p.oreq["max_tokens"] = m->get_int64();
    }
    if (const json::value* c = field(g, "candidateCount", "candidate_count")) {
      if (!c->is_int64()) fail("Invalid value at 'generation_config.candidate_count' (TYPE_INT32)");
      if (c->get_int64() < 1 || c->get_int64() > 8)
        fail("* GenerateContentRequest.generation_config.candidate_count: must be in the range [1, 8].\n");
      p.oreq["n"] = c->get_int64();
    }
    if (const json::value* s = field(g, "stopSequences", "stop_sequences"))
      p.stops = string_list(*s, "generation_config.stop_sequences", 5);
    std::string_view mime = string_or(g, "responseMimeType", string_or(g, "response_mime_type"));
    const json::value* json_schema = field(g, "responseJsonSchema", "response_json_schema");
    const json::value* schema = field(g, "responseSchema", "response_schema");
    if (!json_schema) json_schema = field(g, "_responseJsonSchema");
    if (mime == "application/json") {
      if (json_schema || schema) {
        json::value s = json_schema ? *json_schema : lower_types(*schema);
        p.oreq["response_format"] =
            json::object{{"type", "json_schema"}, {"json_schema", json::object{{"name", "response"}, {"schema", s}}}};
      } else {
        p.oreq["response_format"] = json::object{{"type", "json_object"}};
      }
    } else if (mime == "text/x.enum") {
      const json::value* s = json_schema ? json_schema : schema;
      const json::value* values = s && s->is_object() ? field(s->get_object(), "enum") : nullptr;
      if (!values || !values->is_array() || values->get_array().empty() || !values->get_array()[0].is_string())
        fail("* GenerateContentRequest.generation_config.response_schema: text/x.enum needs an enum schema\n");
      p.enum_reply = std::string(values->get_array()[0].get_string());
    } else if (!mime.empty() && mime != "text/plain") {
      fail("* GenerateContentRequest.generation_config.response_mime_type: allowed mimetypes are `text/plain`, "
           "`application/json`, `application/xml`, `application/yaml` and `text/x.enum`.\n");
    }
  }
  return p;
}

void apply_enum(Reply& r, const GeminiPrompt& p) {
  if (!p.enum_reply) return;
  for (auto& c : r.choices) {
    if (!c.calls.empty()) continue;
    r.completion_tokens += count_tokens(*p.enum_reply) - count_tokens(c.text);
    c.text = *p.enum_reply;
    c.pieces = {c.text};
    if (c.finish == "length") c.finish = "stop";
  }
}

std::string_view gemini_finish(const Choice& c) { return c.finish == "length" ? "MAX_TOKENS" : "STOP"; }

json::object gemini_usage(std::int64_t prompt, std::optional<std::int64_t> candidates) {
  json::object u{{"promptTokenCount", prompt}};
  if (candidates) u["candidatesTokenCount"] = *candidates;
  u["totalTokenCount"] = prompt + candidates.value_or(0);
  u["promptTokensDetails"] = json::array{json::object{{"modality", "TEXT"}, {"tokenCount", prompt}}};
  return u;
}

json::object gemini_content(json::array parts) { return {{"parts", std::move(parts)}, {"role", "model"}}; }

json::array gemini_call_parts(const Choice& c) {
  json::array parts;
  for (const auto& call : c.calls)
    parts.push_back(json::object{{"functionCall", json::object{{"name", call.name}, {"args", parse_arguments(call.arguments)}}}});
  return parts;
}

json::object gemini_envelope(json::array candidates, json::object usage, std::string_view model, const Reply& r) {
  return {{"candidates", std::move(candidates)},
          {"usageMetadata", std::move(usage)},
          {"modelVersion", model},
          {"responseId", "mock-" + r.digest}};
}

std::string gemini_embed_text(const json::object& req, const std::string& param) {
  const json::value* content = field(req, "content");
  if (!content || !content->is_object()) fail("* " + param + ".content: content is not specified\n");
  const json::value* parts = field(content->get_object(), "parts");
  if (!parts || !parts->is_array() || parts->get_array().empty())
    fail("* " + param + ".content.parts: contents.parts must not be empty.\n");
  std::string text;
  for (const auto& part : parts->get_array()) {
    const json::value* t = part.is_object() ? field(part.get_object(), "text") : nullptr;
    if (!t || !t->is_string()) continue;
    if (!text.empty()) text += ' ';
    text += t->get_string();
  }
  if (text.empty()) fail("* " + param + ".content: text content is empty\n");
  return text;
}

// The OpenAI mock's vector for `text`, printed the way the OpenAI answer prints it.
std::string embedding_values(std::string_view text, std::optional<std::int64_t> dims, std::string_view model) {
  json::object oreq{{"model", model}, {"input", text}};
  if (dims) oreq["dimensions"] = *dims;
  Answer a = embeddings(oreq, model);
  if (a.status != 200) fail(openai_error_message(a.body), a.status);
  json::value v = json::parse(a.body);
  const auto& values = v.at("data").at(0).at("embedding").as_array();
  std::string out = "[";
  char buf[32];
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    // Shortest round-trip form of the float32 the OpenAI mock computed.
    auto res = std::to_chars(buf, buf + sizeof buf, static_cast<float>(values[i].to_number<double>()));
    out.append(buf, res.ptr);
  }
  out += ']';
  return out;
}

std::optional<std::int64_t> embed_dimensions(const json::object& req, const std::string& param) {
  const json::value* d = field(req, "outputDimensionality", "output_dimensionality");
  if (!d) return std::nullopt;
  if (!d->is_int64() || d->get_int64() < 1)
    fail("* " + param + ".output_dimensionality: must be a positive integer\n");
  return d->get_int64();
}

// ================================================================ Cohere

struct CoherePrompt {
  json::object oreq;
  std::string model;
  std::vector<std::string> stops;
  bool stream = false;
};

std::string cohere_content_text(const json::value& content, const std::string& param, json::array* parts) {
  if (content.is_string()) {
    if (parts) parts->push_back(text_part(content.get_string()));
    return std::string(content.get_string());
  }
  if (!content.is_array()) fail("invalid request: " + param + " must be a string or a list of content items");
  std::string out;
  for (size_t i = 0; i < content.get_array().size(); ++i) {
    const json::value& item = content.get_array()[i];
    std::string ip = param + "[" + std::to_string(i) + "]";
    if (!item.is_object()) fail("invalid request: " + ip + " must be an object");
    const auto& o = item.get_object();
    std::string_view type = string_or(o, "type");
    std::string text;
    if (type == "text") {
      const json::value* t = field(o, "text");
      if (!t || !t->is_string()) fail("invalid request: " + ip + ".text is required");
      text = std::string(t->get_string());
    } else if (type == "document") {
      const json::value* doc = field(o, "document");
      const json::value* data = doc && doc->is_object() ? field(doc->get_object(), "data") : nullptr;
      if (!data) fail("invalid request: " + ip + ".document.data is required");
      text = data->is_string() ? std::string(data->get_string()) : json::serialize(*data);
    } else if (type == "image_url") {
      if (parts) parts->push_back(json::object{{"type", "image_url"}, {"image_url", o.contains("image_url") ? o.at("image_url") : json::value(nullptr)}});
      continue;
    } else if (type == "thinking") {
      continue;
    } else {
      fail("invalid request: " + ip + ".type must be one of text, image_url, document, thinking");
    }
    if (parts) parts->push_back(text_part(text));
    if (!out.empty()) out += ' ';
    out += text;
  }
  return out;
}

// The v2 chat request's fields (docs.cohere.com/reference/chat): any other,
// at the top or in a tool definition (OpenAI's `strict`, say), is a 422.
void check_cohere_fields(const json::object& req) {
  static constexpr std::string_view kRequest[] = {
      "stream", "model", "messages", "tools", "strict_tools", "documents", "citation_options", "response_format",
      "safety_mode", "max_tokens", "stop_sequences", "temperature", "seed", "frequency_penalty",
      "presence_penalty", "k", "p", "return_prompt", "logprobs", "tool_choice", "thinking", "priority"};
  static constexpr std::string_view kTool[] = {"type", "function"};
  static constexpr std::string_view kFunction[] = {"name", "description", "parameters"};
  auto refuse = [](std::string_view name) {
    fail("unknown field: parameter '" + std::string(name) +
         "' is not a valid field. For proper usage, please refer to https://docs.cohere.com/reference/chat", 422);
  };
  if (std::string_view bad = unknown_field(req, kRequest); !bad.empty()) refuse(bad);
  const json::value* tools = field(req, "tools");
  if (!tools || !tools->is_array()) return;
  for (const auto& t : tools->get_array()) {
    if (!t.is_object()) continue;
    if (std::string_view bad = unknown_field(t.get_object(), kTool); !bad.empty()) refuse(bad);
    if (const json::value* f = field(t.get_object(), "function"); f && f->is_object())
      if (std::string_view bad = unknown_field(f->get_object(), kFunction); !bad.empty()) refuse(bad);
  }
}

CoherePrompt read_cohere(const json::object& req) {
  check_cohere_fields(req);
  CoherePrompt p;
  const json::value* model = field(req, "model");
  if (!model || !model->is_string() || model->get_string().empty())
    fail("invalid request: model must be a non-empty string");
  p.model = std::string(model->get_string());
  const json::value* messages = field(req, "messages");
  if (!messages || !messages->is_array() || messages->get_array().empty())
    fail("invalid request: messages must be a non-empty list");
  if (const json::value* stream = field(req, "stream")) {
    if (!stream->is_bool()) fail("invalid request: stream must be a boolean");
    p.stream = stream->get_bool();
  }
  json::array out;
  for (size_t i = 0; i < messages->get_array().size(); ++i) {
    std::string mp = "messages[" + std::to_string(i) + "]";
    const json::value& mv = messages->get_array()[i];
    if (!mv.is_object()) fail("invalid request: " + mp + " must be an object");
    const auto& m = mv.get_object();
    std::string_view role = string_or(m, "role");
    const json::value* content = field(m, "content");
    if (role == "system" || role == "user") {
      if (!content) fail("invalid request: " + mp + ".content is required");
      json::array parts;
      cohere_content_text(*content, mp + ".content", &parts);
      out.push_back(json::object{{"role", role}, {"content", std::move(parts)}});
    } else if (role == "assistant") {
      json::object msg{{"role", "assistant"}};
      json::array parts;
      if (content) cohere_content_text(*content, mp + ".content", &parts);
      msg["content"] = parts.empty() ? json::value(nullptr) : json::value(std::move(parts));
      if (const json::value* calls = field(m, "tool_calls")) {
        if (!calls->is_array()) fail("invalid request: " + mp + ".tool_calls must be a list");
        json::array oc;
        for (size_t k = 0; k < calls->get_array().size(); ++k) {
          std::string cp = mp + ".tool_calls[" + std::to_string(k) + "]";
          const json::value& c = calls->get_array()[k];
          boost::system::error_code ec;
          const json::value* name = c.find_pointer("/function/name", ec);
          if (!name || !name->is_string()) fail("invalid request: " + cp + ".function.name is required");
          const json::value* args = c.find_pointer("/function/arguments", ec);
          std::string arguments = !args ? "{}" : args->is_string() ? std::string(args->get_string())
                                                                  : json::serialize(*args);
          oc.push_back(json::object{{"id", string_or(c.get_object(), "id", name->get_string())},
                                    {"type", "function"},
                                    {"function", json::object{{"name", *name}, {"arguments", arguments}}}});
        }
        if (!oc.empty()) msg["tool_calls"] = std::move(oc);
      }
      out.push_back(std::move(msg));
    } else if (role == "tool") {
      std::string_view id = string_or(m, "tool_call_id");
      if (id.empty()) fail("invalid request: " + mp + ".tool_call_id is required");
      if (!content) fail("invalid request: " + mp + ".content is required");
      std::string text = cohere_content_text(*content, mp + ".content", nullptr);
      out.push_back(json::object{{"role", "tool"}, {"tool_call_id", id}, {"content", text}});
    } else {
      fail("invalid request: " + mp + ".role must be one of system, user, assistant, tool");
    }
  }
  p.oreq["model"] = p.model;
  p.oreq["messages"] = std::move(out);

  if (const json::value* tools = field(req, "tools")) {
    if (!tools->is_array()) fail("invalid request: tools must be a list");
    json::array ot;
    for (size_t i = 0; i < tools->get_array().size(); ++i) {
      std::string tp = "tools[" + std::to_string(i) + "]";
      const json::value& t = tools->get_array()[i];
      boost::system::error_code ec;
      const json::value* name = t.find_pointer("/function/name", ec);
      if (!t.is_object() || !name || !name->is_string() || name->get_string().empty())
        fail("invalid request: " + tp + ".function.name is required");
      if (string_or(t.get_object(), "type", "function") != "function")
        fail("invalid request: " + tp + ".type must be function");
      ot.push_back(json::object{{"type", "function"}, {"function", t.at("function")}});
    }
    if (!ot.empty()) p.oreq["tools"] = std::move(ot);
  }
  if (const json::value* tc = field(req, "tool_choice")) {
    std::string_view v = tc->is_string() ? std::string_view(tc->get_string()) : std::string_view();
    if (v != "REQUIRED" && v != "NONE") fail("invalid request: tool_choice must be one of REQUIRED, NONE");
    if (!p.oreq.contains("tools")) fail("invalid request: tool_choice requires tools to be specified");
    p.oreq["tool_choice"] = v == "REQUIRED" ? "required" : "none";
  }
  if (const json::value* mt = field(req, "max_tokens")) {
    if (!mt->is_int64() || mt->get_int64() < 1) fail("invalid request: max_tokens must be a positive integer");
    p.oreq["max_tokens"] = mt->get_int64();
  }
  if (const json::value* s = field(req, "stop_sequences")) p.stops = string_list(*s, "invalid request: stop_sequences", 5);
  for (std::string_view key : {"temperature", "p", "frequency_penalty", "presence_penalty"}) {
    const json::value* v = field(req, key);
    if (v && !v->is_number()) fail("invalid request: " + std::string(key) + " must be a number");
  }
  if (const json::value* rf = field(req, "response_format")) {
    if (!rf->is_object()) fail("invalid request: response_format must be an object");
    std::string_view type = string_or(rf->get_object(), "type", "text");
    if (type == "json_object") {
      const json::value* schema = field(rf->get_object(), "json_schema");
      if (schema)
        p.oreq["response_format"] =
            json::object{{"type", "json_schema"}, {"json_schema", json::object{{"name", "response"}, {"schema", *schema}}}};
      else
        p.oreq["response_format"] = json::object{{"type", "json_object"}};
    } else if (type != "text") {
      fail("invalid request: response_format.type must be one of text, json_object");
    }
  }
  return p;
}

std::string_view cohere_finish(const Choice& c) {
  if (c.finish == "length") return "MAX_TOKENS";
  if (c.finish == "tool_calls") return "TOOL_CALL";
  if (c.finish == "stop_sequence") return "STOP_SEQUENCE";
  return "COMPLETE";
}

// A UUID-shaped id, as Cohere's are, derived from the request digest.
std::string cohere_id(const Reply& r) {
  std::string h = hex(fnv1a(r.digest), 16) + hex(fnv1a("cohere:" + r.digest), 16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-4" + h.substr(13, 3) + "-8" + h.substr(17, 3) + "-" +
         h.substr(20, 12);
}

std::string cohere_call_id(const Call& c) { return c.name + "_" + call_hex(c.id).substr(0, 12); }

std::string cohere_tool_plan(const Choice& c) {
  std::string names;
  for (size_t i = 0; i < c.calls.size(); ++i) {
    if (i) names += i + 1 == c.calls.size() ? " and " : ", ";
    names += c.calls[i].name;
  }
  return "I will use " + names + " to answer this request.";
}

json::object cohere_usage(const Reply& r) {
  json::object counts{{"input_tokens", r.prompt_tokens}, {"output_tokens", r.completion_tokens}};
  return {{"billed_units", counts}, {"tokens", counts}};
}

json::object cohere_tool_call(const Call& c) {
  return {{"id", cohere_call_id(c)},
          {"type", "function"},
          {"function", json::object{{"name", c.name}, {"arguments", c.arguments}}}};
}

}  // namespace

// ================================================================ Anthropic API

std::string_view anthropic_error_type(int status) {
  switch (status) {
    case 401: return "authentication_error";
    case 402: return "billing_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 409: return "conflict_error";
    case 413: return "request_too_large";
    case 429: return "rate_limit_error";
    case 504: return "timeout_error";
    case 529: return "overloaded_error";
    default: return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

std::string anthropic_error_body(std::string_view type, std::string_view message, std::string_view request_id) {
  json::object out{{"type", "error"}, {"error", json::object{{"type", type}, {"message", message}}}};
  if (!request_id.empty()) out["request_id"] = request_id;
  return json::serialize(out);
}

std::string anthropic_error_event(std::string_view type, std::string_view message) {
  return sse_named("error", json::object{{"type", "error"}, {"error", json::object{{"type", type}, {"message", message}}}});
}

Answer anthropic_messages(const json::object& req, const GenerateOptions& gen) {
  try {
    AnthropicPrompt p = read_anthropic(req);
    Reply r = run_chat(p.oreq, p.model, gen, p.stops, false, {});
    const Choice& c = r.choices.at(0);
    json::array content;
    if (!c.calls.empty()) {
      for (const auto& call : c.calls) content.push_back(tool_use_block(call));
    } else if (!c.text.empty()) {
      content.push_back(text_part(c.text));
    }
    json::object out = anthropic_message_head(p, r);
    out["content"] = std::move(content);
    out["stop_reason"] = anthropic_stop_reason(c);
    out["stop_sequence"] = stop_sequence_value(c);
    out["usage"] = anthropic_usage(cache_usage(p, r.prompt_tokens), r.completion_tokens);
    return {200, json::serialize(out)};
  } catch (const FormatError& e) {
    return {e.status, anthropic_error_body(anthropic_error_type(e.status), e.message)};
  }
}

StreamAnswer anthropic_messages_stream(const json::object& req, const GenerateOptions& gen, const StreamOptions& opt) {
  StreamAnswer out;
  try {
    AnthropicPrompt p = read_anthropic(req);
    Reply r = run_chat(p.oreq, p.model, gen, p.stops, true, opt);
    const Choice& c = r.choices.at(0);
    CacheUsage cache = cache_usage(p, r.prompt_tokens);

    json::object message = anthropic_message_head(p, r);
    message["content"] = json::array{};
    message["stop_reason"] = nullptr;
    message["stop_sequence"] = nullptr;
    // The real API reports a token of output already at message_start; the
    // final count comes with message_delta.
    message["usage"] = anthropic_usage(cache, 1);
    push(out, sse_named("message_start", {{"type", "message_start"}, {"message", std::move(message)}}), false);

    bool pinged = false;
    auto start_block = [&](size_t index, json::object block) {
      push(out, sse_named("content_block_start", {{"type", "content_block_start"}, {"index", index}, {"content_block", std::move(block)}}), false);
      if (!pinged) push(out, sse_named("ping", {{"type", "ping"}}), false);
      pinged = true;
    };
    auto delta = [&](size_t index, json::object d, bool content) {
      push(out, sse_named("content_block_delta", {{"type", "content_block_delta"}, {"index", index}, {"delta", std::move(d)}}), content);
    };
    auto stop_block = [&](size_t index) {
      push(out, sse_named("content_block_stop", {{"type", "content_block_stop"}, {"index", index}}), false);
    };

    if (!c.calls.empty()) {
      for (size_t k = 0; k < c.calls.size(); ++k) {
        start_block(k, tool_use_block(c.calls[k], false));
        delta(k, {{"type", "input_json_delta"}, {"partial_json", ""}}, false);
        for (const auto& f : c.calls[k].fragments) delta(k, {{"type", "input_json_delta"}, {"partial_json", f}}, true);
        stop_block(k);
      }
    } else if (!c.pieces.empty()) {
      start_block(0, text_part(""));
      for (const auto& piece : c.pieces) delta(0, {{"type", "text_delta"}, {"text", piece}}, true);
      stop_block(0);
    }
    if (!pinged) push(out, sse_named("ping", {{"type", "ping"}}), false);
    json::object md{{"stop_reason", anthropic_stop_reason(c)}, {"stop_sequence", stop_sequence_value(c)}};
    push(out, sse_named("message_delta", {{"type", "message_delta"}, {"delta", std::move(md)}, {"usage", anthropic_usage(cache, r.completion_tokens, false)}}), false);
    push(out, sse_named("message_stop", {{"type", "message_stop"}}), false);
  } catch (const FormatError& e) {
    out = {};
    out.error = {e.status, anthropic_error_body(anthropic_error_type(e.status), e.message)};
  }
  return out;
}

Answer anthropic_count_tokens(const json::object& req) {
  try {
    AnthropicPrompt p = read_anthropic(req, false);
    // The OpenAI mock counts the prompt; the answer itself is not needed.
    Reply r = run_chat(p.oreq, p.model, {}, {}, false, {});
    return {200, json::serialize(json::object{{"input_tokens", r.prompt_tokens}})};
  } catch (const FormatError& e) {
    return {e.status, anthropic_error_body(anthropic_error_type(e.status), e.message)};
  }
}

std::string anthropic_model(std::string_view id) {
  return json::serialize(json::object{
      {"type", "model"}, {"id", id}, {"display_name", "Mock 1"}, {"created_at", kAnthropicModelsCreated}});
}

std::string anthropic_model_list() {
  return R"({"data":[)" + anthropic_model("mock-1") + R"(],"has_more":false,"first_id":"mock-1","last_id":"mock-1"})";
}

// ================================================================ Gemini API

std::string_view gemini_status_name(int status) {
  switch (status) {
    case 400: return "INVALID_ARGUMENT";
    case 401: return "UNAUTHENTICATED";
    case 403: return "PERMISSION_DENIED";
    case 404: return "NOT_FOUND";
    case 409: return "ABORTED";
    case 412: return "FAILED_PRECONDITION";
    case 429: return "RESOURCE_EXHAUSTED";
    case 499: return "CANCELLED";
    case 500: return "INTERNAL";
    case 501: return "NOT_IMPLEMENTED";
    case 503: return "UNAVAILABLE";
    case 504: return "DEADLINE_EXCEEDED";
    default: return status >= 500 ? "INTERNAL" : status == 405 ? "INVALID_ARGUMENT" : "FAILED_PRECONDITION";
  }
}

std::string gemini_error_body(int status, std::string_view message, std::string_view status_name,
                              std::string_view details_json) {
  json::object error{{"code", status},
                     {"message", message},
                     {"status", status_name.empty() ? gemini_status_name(status) : status_name}};
  if (!details_json.empty()) {
    boost::system::error_code ec;
    json::value details = json::parse(details_json, ec);
    if (!ec) error["details"] = std::move(details);
  }
  return json::serialize(json::object{{"error", std::move(error)}});
}

std::string gemini_error_event(int status, std::string_view message, std::string_view status_name) {
  json::object error{{"code", status},
                     {"message", message},
                     {"status", status_name.empty() ? gemini_status_name(status) : status_name}};
  return sse_crlf(json::object{{"error", std::move(error)}});
}

Answer gemini_generate(const json::object& req, std::string_view model, const GenerateOptions& gen) {
  try {
    GeminiPrompt p = read_gemini(req, model);
    Reply r = run_chat(p.oreq, model, gen, p.stops, false, {});
    apply_enum(r, p);
    json::array candidates;
    for (size_t i = 0; i < r.choices.size(); ++i) {
      const Choice& c = r.choices[i];
      json::array parts = c.calls.empty() ? json::array{json::object{{"text", c.text}}} : gemini_call_parts(c);
      candidates.push_back(json::object{
          {"content", gemini_content(std::move(parts))}, {"finishReason", gemini_finish(c)}, {"index", i}});
    }
    return {200, json::serialize(gemini_envelope(std::move(candidates), gemini_usage(r.prompt_tokens, r.completion_tokens), model, r))};
  } catch (const FormatError& e) {
    return {e.status, gemini_error_body(e.status, e.message)};
  }
}

StreamAnswer gemini_generate_stream(const json::object& req, std::string_view model, const GenerateOptions& gen,
                                    const StreamOptions& opt) {
  StreamAnswer out;
  try {
    GeminiPrompt p = read_gemini(req, model);
    Reply r = run_chat(p.oreq, model, gen, p.stops, true, opt);
    apply_enum(r, p);
    for (size_t i = 0; i < r.choices.size(); ++i) {
      const Choice& c = r.choices[i];
      bool last_choice = i + 1 == r.choices.size();
      // Gemini sends a function call whole, in one chunk; text comes in pieces.
      std::vector<json::array> chunks;
      if (!c.calls.empty()) {
        chunks.push_back(gemini_call_parts(c));
      } else {
        for (const auto& piece : c.pieces) chunks.push_back(json::array{json::object{{"text", piece}}});
        if (chunks.empty()) chunks.push_back(json::array{json::object{{"text", ""}}});
      }
      for (size_t k = 0; k < chunks.size(); ++k) {
        bool last = k + 1 == chunks.size();
        json::object candidate{{"content", gemini_content(std::move(chunks[k]))}};
        if (last) candidate["finishReason"] = gemini_finish(c);
        candidate["index"] = i;
        std::optional<std::int64_t> candidates_tokens;
        if (last && last_choice) candidates_tokens = r.completion_tokens;
        push(out, sse_crlf(gemini_envelope(json::array{std::move(candidate)}, gemini_usage(r.prompt_tokens, candidates_tokens), model, r)), true);
      }
    }
  } catch (const FormatError& e) {
    out = {};
    out.error = {e.status, gemini_error_body(e.status, e.message)};
  }
  return out;
}

Answer gemini_count_tokens(const json::object& req, std::string_view model) {
  try {
    const json::object* source = &req;
    if (const json::value* inner = field(req, "generateContentRequest", "generate_content_request"); inner && inner->is_object())
      source = &inner->get_object();
    GeminiPrompt p = read_gemini(*source, model);
    p.oreq.erase("response_format");
    Reply r = run_chat(p.oreq, model, {}, {}, false, {});
    json::object out{{"totalTokens", r.prompt_tokens},
                     {"promptTokensDetails", json::array{json::object{{"modality", "TEXT"}, {"tokenCount", r.prompt_tokens}}}}};
    return {200, json::serialize(out)};
  } catch (const FormatError& e) {
    return {e.status, gemini_error_body(e.status, e.message)};
  }
}

Answer gemini_embed(const json::object& req, std::string_view model) {
  try {
    std::string text = gemini_embed_text(req, "EmbedContentRequest");
    auto dims = embed_dimensions(req, "EmbedContentRequest");
    return {200, R"({"embedding":{"values":)" + embedding_values(text, dims, model) + "}}"};
  } catch (const FormatError& e) {
    return {e.status, gemini_error_body(e.status, e.message)};
  }
}

Answer gemini_batch_embed(const json::object& req, std::string_view model) {
  try {
    const json::value* requests = field(req, "requests");
    if (!requests || !requests->is_array() || requests->get_array().empty())
      fail("* BatchEmbedContentsRequest.requests: requests is not specified\n");
    std::string out = R"({"embeddings":[)";
    for (size_t i = 0; i < requests->get_array().size(); ++i) {
      std::string param = "BatchEmbedContentsRequest.requests[" + std::to_string(i) + "]";
      const json::value& r = requests->get_array()[i];
      if (!r.is_object()) fail("* " + param + ": must be an object\n");
      std::string text = gemini_embed_text(r.get_object(), param);
      auto dims = embed_dimensions(r.get_object(), param);
      if (i) out += ',';
      out += R"({"values":)" + embedding_values(text, dims, model) + "}";
    }
    out += "]}";
    return {200, std::move(out)};
  } catch (const FormatError& e) {
    return {e.status, gemini_error_body(e.status, e.message)};
  }
}

std::string gemini_model_list() {
  json::object m{{"name", "models/mock-1"},
                 {"version", "001"},
                 {"displayName", "Mock 1"},
                 {"description", "Deterministic mock model (torii-mock)."},
                 {"inputTokenLimit", 1048576},
                 {"outputTokenLimit", 65536},
                 {"supportedGenerationMethods",
                  json::array{"generateContent", "countTokens", "embedContent", "batchEmbedContents"}}};
  return json::serialize(json::object{{"models", json::array{std::move(m)}}});
}

// ================================================================ Cohere API

std::string cohere_error_body(std::string_view message) {
  return json::serialize(json::object{{"message", message}});
}

std::string cohere_error_event(std::string_view message) {
  json::object delta{{"error", message}, {"finish_reason", "ERROR"}};
  return sse_named("message-end", {{"type", "message-end"}, {"delta", std::move(delta)}});
}

Answer cohere_chat(const json::object& req, const GenerateOptions& gen) {
  try {
    CoherePrompt p = read_cohere(req);
    Reply r = run_chat(p.oreq, p.model, gen, p.stops, false, {});
    const Choice& c = r.choices.at(0);
    json::object message{{"role", "assistant"}};
    if (!c.calls.empty()) {
      message["tool_plan"] = cohere_tool_plan(c);
      json::array calls;
      for (const auto& call : c.calls) calls.push_back(cohere_tool_call(call));
      message["tool_calls"] = std::move(calls);
    } else {
      message["content"] = json::array{text_part(c.text)};
    }
    json::object out{{"id", cohere_id(r)},
                     {"message", std::move(message)},
                     {"finish_reason", cohere_finish(c)},
                     {"usage", cohere_usage(r)}};
    return {200, json::serialize(out)};
  } catch (const FormatError& e) {
    return {e.status, cohere_error_body(e.message)};
  }
}

StreamAnswer cohere_chat_stream(const json::object& req, const GenerateOptions& gen, const StreamOptions& opt) {
  StreamAnswer out;
  try {
    CoherePrompt p = read_cohere(req);
    Reply r = run_chat(p.oreq, p.model, gen, p.stops, true, opt);
    const Choice& c = r.choices.at(0);
    std::string id = cohere_id(r);
    json::object start_message{{"role", "assistant"},
                               {"content", json::array{}},
                               {"tool_plan", ""},
                               {"tool_calls", json::array{}},
                               {"citations", json::array{}}};
    push(out, sse_named("message-start", {{"id", id}, {"type", "message-start"}, {"delta", json::object{{"message", std::move(start_message)}}}}), false);
    auto message_delta = [](json::object m) { return json::object{{"message", std::move(m)}}; };
    if (!c.calls.empty()) {
      for (const auto& piece : word_pieces(cohere_tool_plan(c)))
        push(out, sse_named("tool-plan-delta", {{"type", "tool-plan-delta"}, {"delta", message_delta({{"tool_plan", piece}})}}), true);
      for (size_t k = 0; k < c.calls.size(); ++k) {
        json::object head = cohere_tool_call(c.calls[k]);
        head["function"].as_object()["arguments"] = "";
        push(out, sse_named("tool-call-start", {{"type", "tool-call-start"}, {"index", k}, {"delta", message_delta({{"tool_calls", std::move(head)}})}}), false);
        for (const auto& f : c.calls[k].fragments) {
          json::object tc{{"function", json::object{{"arguments", f}}}};
          push(out, sse_named("tool-call-delta", {{"type", "tool-call-delta"}, {"index", k}, {"delta", message_delta({{"tool_calls", std::move(tc)}})}}), true);
        }
        push(out, sse_named("tool-call-end", {{"type", "tool-call-end"}, {"index", k}}), false);
      }
    } else {
      json::object start_content{{"content", json::object{{"type", "text"}, {"text", ""}}}};
      push(out, sse_named("content-start", {{"type", "content-start"}, {"index", 0}, {"delta", json::object{{"message", std::move(start_content)}}}}), false);
      for (const auto& piece : c.pieces) {
        json::object content{{"content", json::object{{"text", piece}}}};
        push(out, sse_named("content-delta", {{"type", "content-delta"}, {"index", 0}, {"delta", json::object{{"message", std::move(content)}}}}), true);
      }
      push(out, sse_named("content-end", {{"type", "content-end"}, {"index", 0}}), false);
    }
    json::object end{{"finish_reason", cohere_finish(c)}, {"usage", cohere_usage(r)}};
    push(out, sse_named("message-end", {{"type", "message-end"}, {"delta", std::move(end)}}), false);
  } catch (const FormatError& e) {
    out = {};
    out.error = {e.status, cohere_error_body(e.message)};
  }
  return out;
}

}  // namespace torii::mock
