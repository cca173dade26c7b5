// Bedrock Converse envelopes around the OpenAI mock's answers.
//
// A Converse request is checked the way Bedrock checks it (roles alternate and
// start with the user, content blocks are known, toolUse/toolResult need a
// toolConfig, inferenceConfig ranges), then translated into the OpenAI chat
// request that means the same thing: system blocks become a system message,
// toolUse blocks assistant tool_calls, toolResult blocks tool messages, and
// toolChoice auto/any/tool the OpenAI tool_choice. mock_llm answers it, and
// the answer is re-wrapped. Stop sequences, which the OpenAI mock has no
// notion of, are applied here.
#include "formats/mock_converse.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <optional>
#include <utility>

#include <boost/json.hpp>

namespace torii::mock {
namespace {

namespace json = boost::json;

constexpr size_t kFragmentBytes = 8;  // tool input fragments, as the OpenAI mock streams arguments
constexpr std::string_view kPadding = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

// Thrown while reading a request; becomes a ValidationException.
struct Invalid {
  std::string message;
};

[[noreturn]] void invalid(std::string message) { throw Invalid{std::move(message)}; }

const json::value* field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && !v->is_null() ? v : nullptr;
}

std::string at(std::string_view base, size_t i) { return std::string(base) + "." + std::to_string(i); }

// "1.5", not boost::json's "1.5E0".
std::string value_text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_double()) {
    char buf[32];
    auto res = std::to_chars(buf, buf + sizeof buf, v.get_double());
    return std::string(buf, res.ptr);
  }
  return json::serialize(v);
}

// AWS's wording for a failed constraint on one member.
[[noreturn]] void constraint(std::string_view path, const json::value& v, std::string_view what) {
  invalid("1 validation error detected: Value '" + value_text(v) + "' at '" + std::string(path) +
          "' failed to satisfy constraint: " + std::string(what));
}

const json::object& object_at(const json::value& v, std::string_view path) {
  if (!v.is_object()) invalid("Malformed input request: " + std::string(path) + " must be an object.");
  return v.get_object();
}

std::string_view string_at(const json::object& o, std::string_view key, std::string_view path) {
  const json::value* v = field(o, key);
  if (!v || !v->is_string())
    invalid("Malformed input request: " + std::string(path) + "." + std::string(key) + " must be a string.");
  return v->get_string();
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Pieces cut after each word, whose concatenation is `text` (the OpenAI mock's chunking).
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

// Byte fragments that never split a UTF-8 sequence.
std::vector<std::string> byte_fragments(std::string_view text) {
  std::vector<std::string> out;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = std::min(text.size(), begin + kFragmentBytes);
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
    out.emplace_back(text.substr(begin, end - begin));
    begin = end;
  }
  return out;
}

// ---------------------------------------------------------------- request translation

struct Translation {
  json::object openai;
  std::vector<std::string> stop_sequences;
};

// Text of a toolResult's content blocks; JSON blocks count as their serialization.
std::string tool_result_text(const json::object& result, const std::string& path) {
  const json::value* content = field(result, "content");
  if (!content || !content->is_array()) invalid("Malformed input request: " + path + ".content must be a list.");
  std::string out;
  for (size_t i = 0; i < content->get_array().size(); ++i) {
    const json::object& block = object_at(content->get_array()[i], at(path + ".content", i));
    std::string piece;
    if (const json::value* t = field(block, "text")) {
      if (!t->is_string()) invalid("Malformed input request: " + at(path + ".content", i) + ".text must be a string.");
      piece = std::string(t->get_string());
    } else if (const json::value* j = field(block, "json")) {
      piece = json::serialize(*j);
    } else if (!block.contains("image") && !block.contains("document") && !block.contains("video")) {
      invalid("Malformed input request: " + at(path + ".content", i) + " must be one of text, json, image, document, video.");
    }
    if (piece.empty()) continue;
    if (!out.empty()) out += ' ';
    out += piece;
  }
  if (const json::value* status = field(result, "status")) {
    if (!status->is_string() || (status->get_string() != "success" && status->get_string() != "error"))
      constraint(path + ".status", *status, "Member must satisfy enum value set: [success, error]");
  }
  return out;
}

void check_image(const json::object& image, const std::string& path) {
  static constexpr std::array<std::string_view, 4> kFormats = {"png", "jpeg", "gif", "webp"};
  const json::value* format = field(image, "format");
  if (!format || !format->is_string() ||
      std::find(kFormats.begin(), kFormats.end(), format->get_string()) == kFormats.end())
    constraint(path + ".format", format ? *format : json::value(nullptr),
               "Member must satisfy enum value set: [png, jpeg, gif, webp]");
  const json::value* source = field(image, "source");
  if (!source || !source->is_object() ||
      (!source->get_object().contains("bytes") && !source->get_object().contains("s3Location")))
    invalid("Malformed input request: " + path + ".source must have bytes or s3Location.");
}

struct Turn {
  std::string role;
  json::array openai_messages;
  bool uses_tools = false;
};

Turn read_message(const json::value& mv, size_t index) {
  std::string path = at("messages", index);
  const json::object& m = object_at(mv, path);
  const json::value* role = field(m, "role");
  if (!role || !role->is_string() || (role->get_string() != "user" && role->get_string() != "assistant"))
    constraint(path + ".member.role", role ? *role : json::value(nullptr),
               "Member must satisfy enum value set: [user, assistant]");
  Turn turn;
  turn.role = std::string(role->get_string());
  const json::value* content = field(m, "content");
  if (!content || !content->is_array() || content->get_array().empty())
    invalid("The content field in the Message object at " + path +
            " is empty. Add a ContentBlock object to the content field and try again.");

  std::string text;
  json::array calls;
  for (size_t i = 0; i < content->get_array().size(); ++i) {
    std::string bpath = at(path + ".content", i);
    const json::object& block = object_at(content->get_array()[i], bpath);
    if (const json::value* t = field(block, "text")) {
      if (!t->is_string()) invalid("Malformed input request: " + bpath + ".text must be a string.");
      if (!text.empty()) text += ' ';
      text += t->get_string();
    } else if (const json::value* image = field(block, "image")) {
      check_image(object_at(*image, bpath + ".image"), bpath + ".image");
    } else if (const json::value* use = field(block, "toolUse")) {
      if (turn.role != "assistant")
        invalid("Malformed input request: " + bpath + ": toolUse blocks are only allowed in assistant messages.");
      const json::object& u = object_at(*use, bpath + ".toolUse");
      std::string_view id = string_at(u, "toolUseId", bpath + ".toolUse");
      std::string_view name = string_at(u, "name", bpath + ".toolUse");
      const json::value* input = field(u, "input");
      calls.push_back(json::object{
          {"id", id},
          {"type", "function"},
          {"function", json::object{{"name", name}, {"arguments", input ? json::serialize(*input) : "{}"}}}});
      turn.uses_tools = true;
    } else if (const json::value* result = field(block, "toolResult")) {
      if (turn.role != "user")
        invalid("Malformed input request: " + bpath + ": toolResult blocks are only allowed in user messages.");
      const json::object& r = object_at(*result, bpath + ".toolResult");
      std::string_view id = string_at(r, "toolUseId", bpath + ".toolResult");
      turn.openai_messages.push_back(json::object{
          {"role", "tool"}, {"tool_call_id", id}, {"content", tool_result_text(r, bpath + ".toolResult")}});
      turn.uses_tools = true;
    } else if (!block.contains("document") && !block.contains("video") && !block.contains("guardContent") &&
               !block.contains("cachePoint") && !block.contains("reasoningContent") &&
               !block.contains("citationsContent")) {
      invalid("Malformed input request: " + bpath + " is not a known ContentBlock member.");
    }
  }
  if (turn.role == "assistant") {
    json::object msg{{"role", "assistant"}, {"content", text}};
    if (!calls.empty()) msg["tool_calls"] = std::move(calls);
    turn.openai_messages.push_back(std::move(msg));
  } else if (!text.empty() || turn.openai_messages.empty()) {
    // Tool results come first: in the OpenAI form they answer the previous
    // assistant turn, and the user's own words follow them.
    turn.openai_messages.push_back(json::object{{"role", "user"}, {"content", text}});
  }
  return turn;
}

void read_inference(const json::object& cfg, json::object& openai, std::vector<std::string>& stops) {
  if (const json::value* max = field(cfg, "maxTokens")) {
    if (!max->is_int64() || max->get_int64() < 1)
      constraint("inferenceConfig.maxTokens", *max, "Member must have value greater than or equal to 1");
    openai["max_tokens"] = max->get_int64();
  }
  for (std::string_view key : {"temperature", "topP"}) {
    const json::value* v = field(cfg, key);
    if (!v) continue;
    if (!v->is_number()) constraint("inferenceConfig." + std::string(key), *v, "Member must be a number");
    double d = v->to_number<double>();
    if (d < 0) constraint("inferenceConfig." + std::string(key), *v, "Member must have value greater than or equal to 0");
    if (d > 1) constraint("inferenceConfig." + std::string(key), *v, "Member must have value less than or equal to 1");
  }
  if (const json::value* seqs = field(cfg, "stopSequences")) {
    if (!seqs->is_array()) invalid("Malformed input request: inferenceConfig.stopSequences must be a list.");
    for (const auto& s : seqs->get_array()) {
      if (!s.is_string()) invalid("Malformed input request: inferenceConfig.stopSequences must hold strings.");
      stops.emplace_back(s.get_string());
    }
  }
}

void read_tools(const json::object& cfg, json::object& openai) {
  const json::value* tools = field(cfg, "tools");
  if (!tools || !tools->is_array() || tools->get_array().empty())
    invalid("The toolConfig field must have at least one tool in its tools list.");
  json::array out;
  std::vector<std::string> names;
  for (size_t i = 0; i < tools->get_array().size(); ++i) {
    std::string path = at("toolConfig.tools", i);
    const json::object& tool = object_at(tools->get_array()[i], path);
    if (tool.contains("cachePoint")) continue;
    const json::value* spec = field(tool, "toolSpec");
    if (!spec) invalid("Malformed input request: " + path + " must have a toolSpec.");
    const json::object& s = object_at(*spec, path + ".toolSpec");
    std::string_view name = string_at(s, "name", path + ".toolSpec");
    json::object fn{{"name", name}};
    if (const json::value* d = field(s, "description"); d && d->is_string()) fn["description"] = *d;
    const json::value* schema = field(s, "inputSchema");
    const json::value* js = schema && schema->is_object() ? field(schema->get_object(), "json") : nullptr;
    if (!js || !js->is_object()) invalid("Malformed input request: " + path + ".toolSpec.inputSchema.json must be an object.");
    fn["parameters"] = *js;
    out.push_back(json::object{{"type", "function"}, {"function", std::move(fn)}});
    names.emplace_back(name);
  }
  openai["tools"] = std::move(out);

  const json::value* choice = field(cfg, "toolChoice");
  if (!choice) return;
  const json::object& c = object_at(*choice, "toolConfig.toolChoice");
  if (c.contains("auto")) {
    openai["tool_choice"] = "auto";
  } else if (c.contains("any")) {
    openai["tool_choice"] = "required";
  } else if (const json::value* t = field(c, "tool")) {
    std::string_view name = string_at(object_at(*t, "toolConfig.toolChoice.tool"), "name", "toolConfig.toolChoice.tool");
    if (std::find(names.begin(), names.end(), name) == names.end())
      invalid("The tool " + std::string(name) + " in toolChoice is not defined in toolConfig.tools.");
    openai["tool_choice"] = json::object{{"type", "function"}, {"function", json::object{{"name", name}}}};
  } else {
    invalid("Malformed input request: toolConfig.toolChoice must be one of auto, any, tool.");
  }
}

Translation translate(const json::object& req) {
  Translation t;
  json::array messages;
  if (const json::value* system = field(req, "system")) {
    if (!system->is_array()) invalid("Malformed input request: system must be a list.");
    std::string text;
    for (size_t i = 0; i < system->get_array().size(); ++i) {
      const json::object& block = object_at(system->get_array()[i], at("system", i));
      if (const json::value* s = field(block, "text"); s && s->is_string()) {
        if (!text.empty()) text += '\n';
        text += s->get_string();
      }
    }
    if (!text.empty()) messages.push_back(json::object{{"role", "system"}, {"content", text}});
  }

  const json::value* list = field(req, "messages");
  if (list && !list->is_array()) invalid("Malformed input request: messages must be a list.");
  if (!list || list->get_array().empty() )
    invalid("A conversation must start with a user message. Try again with a conversation that starts with a user "
            "message.");
  bool uses_tools = false;
  std::string previous;
  for (size_t i = 0; i < list->get_array().size(); ++i) {
    Turn turn = read_message(list->get_array()[i], i);
    if (i == 0 && turn.role != "user")
      invalid("A conversation must start with a user message. Try again with a conversation that starts with a "
              "user message.");
    if (turn.role == previous)
      invalid("A conversation must alternate between user and assistant roles. Make sure the conversation "
              "alternates between user and assistant roles and try again.");
    previous = turn.role;
    uses_tools = uses_tools || turn.uses_tools;
    for (auto& m : turn.openai_messages) messages.push_back(std::move(m));
  }
  t.openai["messages"] = std::move(messages);

  if (const json::value* cfg = field(req, "inferenceConfig"))
    read_inference(object_at(*cfg, "inferenceConfig"), t.openai, t.stop_sequences);
  if (const json::value* cfg = field(req, "toolConfig")) read_tools(object_at(*cfg, "toolConfig"), t.openai);
  else if (uses_tools)
    invalid("The toolConfig field must be defined when using toolUse and toolResult content blocks.");
  return t;
}

// ---------------------------------------------------------------- the answer

struct ToolCall {
  std::string id, name, arguments;
};

struct Reply {
  std::string text;
  std::optional<ToolCall> call;
  std::string stop_reason;
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
};

std::string openai_error_message(const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  const json::value* m = ec ? nullptr : v.find_pointer("/error/message", ec);
  return m && m->is_string() ? std::string(m->get_string()) : std::string("Invalid request.");
}

Reply answer(const json::object& req, std::string_view model_id, const GenerateOptions& gen) {
  Translation t = translate(req);
  Answer a = chat_completion(t.openai, model_id, gen);
  if (a.status != 200) invalid(openai_error_message(a.body));
  json::object o = json::parse(a.body).as_object();
  const json::object& choice = o.at("choices").as_array().at(0).as_object();
  const json::object& message = choice.at("message").as_object();
  const json::object& usage = o.at("usage").as_object();
  Reply r;
  r.input_tokens = usage.at("prompt_tokens").as_int64();
  r.output_tokens = usage.at("completion_tokens").as_int64();
  std::string_view finish = choice.at("finish_reason").as_string();
  r.stop_reason = finish == "tool_calls" ? "tool_use" : finish == "length" ? "max_tokens" : "end_turn";
  if (const json::value* calls = field(message, "tool_calls"); calls && calls->is_array() && !calls->get_array().empty()) {
    const json::object& call = calls->get_array().front().as_object();
    const json::object& fn = call.at("function").as_object();
    std::string_view id = call.at("id").as_string();
    if (id.starts_with("call_")) id.remove_prefix(5);
    r.call = ToolCall{"tooluse_" + std::string(id), std::string(fn.at("name").as_string()),
                      std::string(fn.at("arguments").as_string())};
    return r;
  }
  if (const json::value* content = field(message, "content"); content && content->is_string())
    r.text = std::string(content->get_string());
  // The earliest stop sequence wins; the reply ends before it.
  size_t cut = std::string::npos;
  for (const auto& s : t.stop_sequences)
    if (!s.empty()) cut = std::min(cut, r.text.find(s));
  if (cut != std::string::npos) {
    r.output_tokens -= count_tokens(r.text) - count_tokens(std::string_view(r.text).substr(0, cut));
    r.text.resize(cut);
    r.stop_reason = "stop_sequence";
  }
  return r;
}

json::value tool_input(const std::string& arguments) {
  boost::system::error_code ec;
  json::value v = json::parse(arguments, ec);
  return ec ? json::value(json::object{}) : v;
}

json::object usage_object(const Reply& r) {
  return {{"inputTokens", r.input_tokens},
          {"outputTokens", r.output_tokens},
          {"totalTokens", r.input_tokens + r.output_tokens}};
}

ConverseAnswer validation_error(const std::string& message) {
  return {400, "ValidationException", bedrock_error_body(message)};
}

class EventWriter {
 public:
  explicit EventWriter(std::vector<ConverseEvent>& out) : out_(out) {}

  // Bedrock pads every event with a "p" member of varying length so that
  // sizes do not reveal the text; clients must ignore it.
  void emit(std::string_view type, json::object payload, bool content = false) {
    size_t n = 1 + (out_.size() * 7) % (kPadding.size() - 1);
    payload["p"] = kPadding.substr(0, n);
    out_.push_back({std::string(type), json::serialize(payload), content});
  }

 private:
  std::vector<ConverseEvent>& out_;
};

}  // namespace

// ---------------------------------------------------------------- public API

ConverseAnswer converse(const json::object& req, std::string_view model_id, const GenerateOptions& gen,
                        int latency_ms) {
  try {
    Reply r = answer(req, model_id, gen);
    json::array content;
    if (r.call)
      content.push_back(json::object{
          {"toolUse", json::object{{"toolUseId", r.call->id}, {"name", r.call->name}, {"input", tool_input(r.call->arguments)}}}});
    else
      content.push_back(json::object{{"text", r.text}});
    json::object out{{"output", json::object{{"message", json::object{{"role", "assistant"}, {"content", std::move(content)}}}}},
                     {"stopReason", r.stop_reason},
                     {"usage", usage_object(r)},
                     {"metrics", json::object{{"latencyMs", latency_ms}}}};
    return {200, {}, json::serialize(out)};
  } catch (const Invalid& e) {
    return validation_error(e.message);
  }
}

ConverseAnswer count_tokens(const json::object& req, std::string_view model_id) {
  try {
    // Counting runs on a foundation model's own tokenizer: Nova and the
    // cross-region profiles (us., eu., apac., global. ...) have none to offer.
    bool profile = false;
    for (std::string_view prefix : {"us.", "eu.", "apac.", "jp.", "au.", "global."})
      profile = profile || model_id.starts_with(prefix);
    if (profile || model_id.find("nova") != std::string_view::npos)
      invalid("The provided model doesn't support counting tokens.");
    const json::value* input = req.if_contains("input");
    if (!input || !input->is_object() || input->get_object().size() != 1)
      invalid("1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have exactly "
              "one of converse, invokeModel");
    const json::value* converse = input->get_object().if_contains("converse");
    if (!converse) invalid("The provided request is not valid for this model: torii-mock counts Converse input only.");
    const json::object& c = object_at(*converse, "input.converse");
    for (const auto& [k, v] : c)
      if (k != "messages" && k != "system" && k != "toolConfig" && k != "additionalModelRequestFields")
        invalid("Malformed input request: input.converse: extraneous key [" + std::string(k) + "] is not permitted");
    Reply r = answer(c, model_id, {});
    return {200, {}, json::serialize(json::object{{"inputTokens", r.input_tokens}})};
  } catch (const Invalid& e) {
    return validation_error(e.message);
  }
}

ConverseStreamAnswer converse_stream(const json::object& req, std::string_view model_id, const GenerateOptions& gen,
                                     int latency_ms) {
  ConverseStreamAnswer out;
  try {
    Reply r = answer(req, model_id, gen);
    EventWriter w(out.events);
    w.emit("messageStart", json::object{{"role", "assistant"}});
    if (r.call) {
      w.emit("contentBlockStart",
             json::object{{"contentBlockIndex", 0},
                          {"start", json::object{{"toolUse", json::object{{"toolUseId", r.call->id}, {"name", r.call->name}}}}}});
      // A tool called without input gets no input fragment at all: clients
      // must not count on one.
      if (r.call->arguments != "{}")
        for (auto& fragment : byte_fragments(r.call->arguments))
          w.emit("contentBlockDelta",
                 json::object{{"contentBlockIndex", 0},
                              {"delta", json::object{{"toolUse", json::object{{"input", std::move(fragment)}}}}}},
                 true);
    } else {
      auto pieces = word_pieces(r.text);
      if (pieces.empty()) pieces.emplace_back();
      for (auto& piece : pieces)
        w.emit("contentBlockDelta",
               json::object{{"contentBlockIndex", 0}, {"delta", json::object{{"text", std::move(piece)}}}}, true);
    }
    w.emit("contentBlockStop", json::object{{"contentBlockIndex", 0}});
    w.emit("messageStop", json::object{{"stopReason", r.stop_reason}});
    w.emit("metadata", json::object{{"usage", usage_object(r)}, {"metrics", json::object{{"latencyMs", latency_ms}}}});
  } catch (const Invalid& e) {
    out.error = validation_error(e.message);
    out.events.clear();
  }
  return out;
}

BedrockError bedrock_error(int status, std::string_view code) {
  if (code == "context_length_exceeded")
    return {400, "ValidationException", "Input is too long for requested model."};
  if (code.ends_with("Exception")) return {status, std::string(code), "Injected " + std::string(code) + " (torii-mock)."};
  switch (status) {
    case 400: return {400, "ValidationException", "Injected validation failure (torii-mock)."};
    case 403: return {403, "AccessDeniedException", "You don't have access to the model with the specified model ID."};
    case 404: return {404, "ResourceNotFoundException", "The specified resource could not be found (torii-mock)."};
    case 408: return {408, "ModelTimeoutException", "Model has timed out in processing the request (torii-mock)."};
    case 424: return {424, "ModelErrorException", "The model failed to process the request (torii-mock)."};
    case 429: return {429, "ThrottlingException", "Too many requests, please wait before trying again."};
    case 503: return {503, "ServiceUnavailableException", "Bedrock is unable to process your request."};
    default: break;
  }
  if (status >= 500) return {status, "InternalServerException", "The server encountered an internal error (torii-mock)."};
  return {status, "ValidationException", "Injected failure (torii-mock)."};
}

std::string bedrock_error_body(std::string_view message) {
  return json::serialize(json::object{{"message", message}});
}

std::string stream_exception_type(std::string_view error_type) {
  // ConverseStream can only deliver these five exceptions inside the stream.
  if (error_type == "ThrottlingException" || error_type == "ModelNotReadyException") return "throttlingException";
  if (error_type == "ServiceUnavailableException") return "serviceUnavailableException";
  if (error_type == "ValidationException" || error_type == "AccessDeniedException" ||
      error_type == "ResourceNotFoundException")
    return "validationException";
  if (error_type == "ModelErrorException" || error_type == "ModelTimeoutException" ||
      error_type == "ModelStreamErrorException")
    return "modelStreamErrorException";
  return "internalServerException";
}

std::string stream_exception_payload(const BedrockError& e) {
  json::object o{{"message", e.message}};
  if (stream_exception_type(e.type) == "modelStreamErrorException") {
    o["originalStatusCode"] = e.status;
    o["originalMessage"] = e.message;
  }
  return json::serialize(o);
}

}  // namespace torii::mock
