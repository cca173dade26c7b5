#include "llm/bedrock_format.hpp"

#include <cctype>

#include <boost/json.hpp>

#include "llm/json_dom.hpp"
#include "llm/chat_asks.hpp"
#include "llm/json_get.hpp"
#include "llm/openai_chunks.hpp"

namespace torii::llm {

namespace json = boost::json;

namespace {

using get::append_turn;
using get::integer;
using get::now_seconds;
using get::obj;
using get::str;
using get::text_of;

// Converse counts cached prompt tokens apart from inputTokens; OpenAI's
// prompt_tokens includes them.
json::object usage_from(const json::object* usage) {
  int64_t in = integer(usage, "inputTokens"), out = integer(usage, "outputTokens");
  int64_t cache_read = integer(usage, "cacheReadInputTokens"), cache_write = integer(usage, "cacheWriteInputTokens");
  int64_t prompt = in + cache_read + cache_write;
  json::object u{{"prompt_tokens", prompt}, {"completion_tokens", out}, {"total_tokens", prompt + out}};
  if (cache_read || cache_write) u["prompt_tokens_details"] = json::object{{"cached_tokens", cache_read}};
  return u;
}

// "data:image/png;base64,AAAA" -> {image: {format: png, source: {bytes: AAAA}}}.
bool image_block(const json::object& part, json::array& blocks, std::string& error) {
  const json::object* iu = obj(&part, "image_url");
  std::string_view url = iu ? str(*iu, "url") : str(part, "image_url");
  if (!url.starts_with("data:")) {
    error = "bedrock accepts images only as base64 data URLs";
    return false;
  }
  size_t semi = url.find(';'), comma = url.find(',');
  if (semi == std::string_view::npos || comma == std::string_view::npos || semi > comma ||
      url.substr(semi, comma - semi) != ";base64") {
    error = "image data URLs must be base64-encoded";
    return false;
  }
  std::string_view mime = url.substr(5, semi - 5);
  std::string_view format = mime.starts_with("image/") ? mime.substr(6) : std::string_view();
  if (format == "jpg") format = "jpeg";
  if (format != "png" && format != "jpeg" && format != "gif" && format != "webp") {
    error = "unsupported image type '" + std::string(mime) + "' (bedrock takes png, jpeg, gif or webp)";
    return false;
  }
  blocks.push_back(json::object{
      {"image", json::object{{"format", format}, {"source", json::object{{"bytes", url.substr(comma + 1)}}}}}});
  return true;
}

// OpenAI content (string or parts) -> Converse content blocks.
bool content_blocks(const json::value* content, json::array& blocks, std::string& error) {
  if (!content || content->is_null()) return true;
  if (content->is_string()) {
    if (!content->get_string().empty()) blocks.push_back(json::object{{"text", content->get_string()}});
    return true;
  }
  if (!content->is_array()) {
    error = "message content must be a string or an array of parts";
    return false;
  }
  for (const auto& p : content->get_array()) {
    if (!p.is_object()) continue;
    const auto& part = p.get_object();
    std::string_view type = str(part, "type");
    if (type == "text") {
      if (!str(part, "text").empty()) blocks.push_back(json::object{{"text", str(part, "text")}});
    } else if (type == "image_url") {
      if (!image_block(part, blocks, error)) return false;
    } else {
      error = "unsupported content part type '" + std::string(type) + "' for bedrock";
      return false;
    }
  }
  return true;
}

// A tool's answer: JSON objects travel as a json block, anything else as text.
json::object tool_result(const json::object& m) {
  const json::value* content = m.if_contains("content");
  std::string text = text_of(content);
  json::array parts;
  json::error_code ec;
  json::value parsed = parse_json(text, ec);
  if (!ec && parsed.is_object()) parts.push_back(json::object{{"json", std::move(parsed)}});
  else parts.push_back(json::object{{"text", text}});
  // No `status`: Bedrock's ToolResultBlock reference says only Nova and
  // Claude 3/4 models take it (others refuse it), and an OpenAI tool message
  // has no error flag, so it could only ever say the default, "success".
  return json::object{{"toolResult", json::object{{"toolUseId", str(m, "tool_call_id")},
                                                  {"content", std::move(parts)}}}};
}

bool tool_use_blocks(const json::array& calls, json::array& blocks, std::string& error) {
  for (const auto& cv : calls) {
    if (!cv.is_object()) continue;
    const auto& call = cv.get_object();
    const json::object* fn = obj(&call, "function");
    std::string_view args = fn ? str(*fn, "arguments") : std::string_view();
    json::value input = json::object{};
    if (!args.empty()) {
      json::error_code ec;
      input = parse_json(args, ec);
      if (ec) {
        error = "tool call '" + std::string(str(call, "id")) + "' has arguments that are not JSON";
        return false;
      }
    }
    blocks.push_back(json::object{{"toolUse", json::object{{"toolUseId", str(call, "id")},
                                                           {"name", fn ? str(*fn, "name") : std::string_view()},
                                                           {"input", std::move(input)}}}});
  }
  return true;
}

json::object tool_config(const json::object& in) {
  json::array tools;
  if (auto* tv = in.if_contains("tools"); tv && tv->is_array())
    for (const auto& t : tv->get_array()) {
      if (!t.is_object() || str(t.get_object(), "type") != "function") continue;
      const json::object* fn = obj(&t.get_object(), "function");
      if (!fn) continue;
      json::object spec{{"name", str(*fn, "name")}};
      if (auto d = str(*fn, "description"); !d.empty()) spec["description"] = d;
      const json::value* params = fn->if_contains("parameters");
      json::value schema = params && params->is_object()
                               ? *params
                               : json::value(json::object{{"type", "object"}, {"properties", json::object{}}});
      spec["inputSchema"] = json::object{{"json", std::move(schema)}};
      tools.push_back(json::object{{"toolSpec", std::move(spec)}});
    }
  if (tools.empty()) return {};
  json::object cfg{{"tools", std::move(tools)}};
  if (auto* tc = in.if_contains("tool_choice")) {
    if (tc->is_string() && tc->get_string() == "required") {
      cfg["toolChoice"] = json::object{{"any", json::object{}}};
    } else if (tc->is_string() && tc->get_string() == "auto") {
      cfg["toolChoice"] = json::object{{"auto", json::object{}}};
    } else if (tc->is_object()) {
      const json::object* fn = obj(&tc->get_object(), "function");
      if (fn && !str(*fn, "name").empty())
        cfg["toolChoice"] = json::object{{"tool", json::object{{"name", str(*fn, "name")}}}};
    }
  }
  return cfg;
}

// Converse has no JSON mode or response schema: structured output is asked
// for as one tool the model must call, whose input is the answer.
json::object structured_output_config(const json::object& rf, std::string_view name) {
  json::value schema = json::object{{"type", "object"}};  // JSON mode: any object
  if (const json::object* js = obj(&rf, "json_schema"))
    if (auto* s = js->if_contains("schema"); s && s->is_object()) schema = *s;
  json::object spec{{"name", name},
                    {"description", "Give the answer by calling this tool: its input is the answer."},
                    {"inputSchema", json::object{{"json", std::move(schema)}}}};
  return json::object{{"tools", json::array{json::object{{"toolSpec", std::move(spec)}}}},
                      {"toolChoice", json::object{{"tool", json::object{{"name", name}}}}}};
}

bool valid_tool_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  return true;
}

}  // namespace

std::string converse_structured_tool(const json::object& openai) {
  const json::object* rf = obj(&openai, "response_format");
  std::string_view type = rf ? str(*rf, "type") : std::string_view();
  if (type != "json_object" && type != "json_schema") return {};
  const json::object* js = obj(rf, "json_schema");
  std::string_view name = js ? str(*js, "name") : std::string_view();
  return valid_tool_name(name) ? std::string(name) : std::string("json_answer");
}

std::string openai_finish_from_converse(std::string_view r) {
  if (r == "max_tokens" || r == "model_context_window_exceeded") return "length";
  if (r == "tool_use") return "tool_calls";
  if (r == "guardrail_intervened" || r == "content_filtered") return "content_filter";
  return "stop";  // end_turn, stop_sequence
}

int converse_exception_status(std::string_view t) {
  if (t == "throttlingException") return 429;
  if (t == "serviceUnavailableException") return 503;
  if (t == "validationException") return 400;
  if (t == "modelTimeoutException") return 504;
  if (t == "internalServerException") return 500;
  return 502;  // modelStreamErrorException and anything new
}

json::object openai_to_converse_request(const json::object& in, std::string& error, std::string_view model_id) {
  json::object out;
  json::array system, messages;
  if (asks_choices(in)) {
    error = "n: Bedrock answers one choice per request (n must be 1)";
    return out;
  }
  if (asks_logprobs(in)) {
    error = "logprobs: Bedrock's Converse API returns no log probabilities";
    return out;
  }
  const std::string structured = converse_structured_tool(in);
  const auto* tc = in.if_contains("tool_choice");
  const bool no_tools = tc && tc->is_string() && tc->get_string() == "none";
  if (!structured.empty() && !no_tools)
    if (const auto* tools = in.if_contains("tools"); tools && tools->is_array() && !tools->get_array().empty()) {
      error = "response_format: toward Bedrock, structured output is a forced tool call, so it cannot be asked "
              "together with tools";
      return out;
    }
  if (auto* msgs = in.if_contains("messages"); msgs && msgs->is_array()) {
    for (const auto& mv : msgs->get_array()) {
      if (!mv.is_object()) {
        error = "messages must be objects";
        return out;
      }
      const auto& m = mv.get_object();
      std::string_view role = str(m, "role");
      json::array blocks;
      if (role == "system" || role == "developer") {
        std::string text = text_of(m.if_contains("content"));
        if (!text.empty()) system.push_back(json::object{{"text", text}});
      } else if (role == "user") {
        if (!content_blocks(m.if_contains("content"), blocks, error)) return out;
        append_turn(messages, "user", "content", std::move(blocks));
      } else if (role == "assistant") {
        std::string text = text_of(m.if_contains("content"));
        if (!text.empty()) blocks.push_back(json::object{{"text", text}});
        if (auto* calls = m.if_contains("tool_calls"); calls && calls->is_array())
          if (!tool_use_blocks(calls->get_array(), blocks, error)) return out;
        append_turn(messages, "assistant", "content", std::move(blocks));
      } else if (role == "tool") {
        blocks.push_back(tool_result(m));
        append_turn(messages, "user", "content", std::move(blocks));
      } else {
        error = "unsupported message role '" + std::string(role) + "'";
        return out;
      }
    }
  }
  out["messages"] = std::move(messages);
  if (!system.empty()) out["system"] = std::move(system);

  json::object inference;
  int64_t max_tokens = integer(&in, "max_completion_tokens");
  if (!max_tokens) max_tokens = integer(&in, "max_tokens");
  if (max_tokens) inference["maxTokens"] = max_tokens;
  if (auto* v = in.if_contains("temperature"); v && v->is_number()) inference["temperature"] = *v;
  if (auto* v = in.if_contains("top_p"); v && v->is_number()) inference["topP"] = *v;
  if (auto* stop = in.if_contains("stop")) {
    if (stop->is_string()) inference["stopSequences"] = json::array{*stop};
    else if (stop->is_array() && !stop->get_array().empty()) inference["stopSequences"] = *stop;
  }
  // reasoning_effort -> Claude's extended thinking, the one reasoning control
  // Converse passes on (in additionalModelRequestFields); its budget comes on
  // top of maxTokens, as Anthropic counts thinking in max_tokens.
  if (const int64_t budget = thinking_budget(str(in, "reasoning_effort")); budget > 0) {
    if (model_id.find("anthropic.") == std::string_view::npos && model_id.find("claude") == std::string_view::npos) {
      error = "reasoning_effort: toward Bedrock only Anthropic Claude models take a reasoning budget";
      return out;
    }
    if (auto* t = in.if_contains("temperature"); t && t->is_number() && t->to_number<double>() != 1.0) {
      error = "temperature: Claude models take no temperature other than 1 while thinking (reasoning_effort)";
      return out;
    }
    inference["maxTokens"] = (max_tokens ? max_tokens : 4096) + budget;
    out["additionalModelRequestFields"] =
        json::object{{"thinking", json::object{{"type", "enabled"}, {"budget_tokens", budget}}}};
  }
  if (!inference.empty()) out["inferenceConfig"] = std::move(inference);

  if (!structured.empty()) {
    out["toolConfig"] = structured_output_config(*obj(&in, "response_format"), structured);
  } else if (!no_tools) {
    if (json::object cfg = tool_config(in); !cfg.empty()) out["toolConfig"] = std::move(cfg);
  }
  return out;
}

json::object converse_to_openai_response(const json::object& in, std::string_view model, std::string_view id,
                                         std::string_view structured_tool) {
  const json::object* message = obj(obj(&in, "output"), "message");
  std::string text, reasoning;
  bool structured = false;
  json::array calls;
  if (message)
    if (auto* content = message->if_contains("content"); content && content->is_array())
      for (const auto& bv : content->get_array()) {
        if (!bv.is_object()) continue;
        const auto& b = bv.get_object();
        if (auto* t = b.if_contains("text"); t && t->is_string()) {
          text += t->get_string();
        } else if (const json::object* use = obj(&b, "toolUse")) {
          const json::value* input = use->if_contains("input");
          if (!structured_tool.empty() && str(*use, "name") == structured_tool) {
            text += input ? json::serialize(*input) : std::string("{}");
            structured = true;
            continue;
          }
          calls.push_back(json::object{
              {"id", str(*use, "toolUseId")},
              {"type", "function"},
              {"function", json::object{{"name", str(*use, "name")},
                                        {"arguments", input ? json::serialize(*input) : std::string("{}")}}}});
        } else if (const json::object* rc = obj(&b, "reasoningContent")) {
          if (const json::object* rt = obj(rc, "reasoningText")) reasoning += str(*rt, "text");
        }
        // citations and the like have no OpenAI counterpart.
      }
  // The forced structured-output call is the answer, not a call to make.
  std::string_view stop_reason = str(in, "stopReason");
  if (structured && calls.empty() && stop_reason == "tool_use") stop_reason = "end_turn";
  json::object msg{{"role", "assistant"}};
  msg["content"] = text.empty() && !calls.empty() ? json::value(nullptr) : json::value(text);
  if (!calls.empty()) msg["tool_calls"] = std::move(calls);
  if (!reasoning.empty()) msg["reasoning_content"] = std::move(reasoning);
  msg["refusal"] = nullptr;
  json::object out{{"id", id}, {"object", "chat.completion"}, {"created", now_seconds()}, {"model", model}};
  out["choices"] = json::array{json::object{{"index", 0},
                                            {"message", std::move(msg)},
                                            {"logprobs", nullptr},
                                            {"finish_reason", openai_finish_from_converse(stop_reason)}}};
  out["usage"] = usage_from(obj(&in, "usage"));
  return out;
}

void ConverseToOpenAIStream::chunk(std::string& out, json::object delta, const char* finish_reason) {
  append_chunk(out, {id_, created_, model_}, std::move(delta), finish_reason);
}

void ConverseToOpenAIStream::close(std::string& out, const json::object* usage) {
  if (usage_) {
    append_usage_chunk(out, {id_, created_, model_}, usage_from(usage));
  }
  out += "data: [DONE]\n\n";
  done_ = true;
}

bool ConverseToOpenAIStream::feed(std::string_view type, std::string_view payload, std::string& out,
                                  std::string& error) {
  json::error_code ec;
  json::value v = parse_json(payload, ec);
  if (ec || !v.is_object()) {
    error = "invalid JSON in upstream stream event '" + std::string(type) + "'";
    return false;
  }
  // After messageStop only the usage (metadata) may follow: a content event
  // then would open a tool call after the finish, which nothing closes.
  if (done_ || (stopped_ && type != "metadata")) return true;
  const auto& o = v.get_object();
  if (!started_) {
    started_ = true;
    created_ = now_seconds();
    chunk(out, json::object{{"role", "assistant"}, {"content", ""}});
  }
  int64_t index = integer(&o, "contentBlockIndex");
  auto tool_of = [this](int64_t block) {
    return block >= 0 && size_t(block) < block_tool_.size() ? block_tool_[size_t(block)] : -1;
  };
  if (type == "contentBlockStart") {
    const json::object* use = obj(obj(&o, "start"), "toolUse");
    if (!use || index < 0 || index > 65535) return true;
    if (block_tool_.size() <= size_t(index)) block_tool_.resize(size_t(index) + 1, -1);
    if (!structured_tool_.empty() && str(*use, "name") == structured_tool_) {
      block_tool_[size_t(index)] = kStructuredBlock;  // its input streams as the answer's text
      structured_ = true;
      return true;
    }
    int tool = tool_count_++;
    block_tool_[size_t(index)] = tool;
    chunk(out, json::object{{"tool_calls", json::array{json::object{
                                               {"index", tool},
                                               {"id", str(*use, "toolUseId")},
                                               {"type", "function"},
                                               {"function", json::object{{"name", str(*use, "name")},
                                                                         {"arguments", ""}}}}}}});
    tool_args_.started(tool);
  } else if (type == "contentBlockDelta") {
    const json::object* delta = obj(&o, "delta");
    if (!delta) return true;
    if (auto* t = delta->if_contains("text"); t && t->is_string()) {
      chunk(out, json::object{{"content", t->get_string()}});
    } else if (const json::object* rc = obj(delta, "reasoningContent")) {
      if (auto* rt = rc->if_contains("text"); rt && rt->is_string())
        chunk(out, json::object{{"reasoning_content", rt->get_string()}});
    } else if (const json::object* use = obj(delta, "toolUse"); use && tool_of(index) == kStructuredBlock) {
      if (auto fragment = str(*use, "input"); !fragment.empty()) {
        chunk(out, json::object{{"content", fragment}});
        structured_text_ = true;
      }
    } else if (const json::object* use = obj(delta, "toolUse")) {
      int tool = tool_of(index);
      if (tool < 0) return true;  // a fragment for a block that never started as a tool call
      std::string_view fragment = str(*use, "input");
      tool_args_.appended(tool, fragment);
      chunk(out, json::object{{"tool_calls", json::array{json::object{
                                                 {"index", tool}, {"function", json::object{{"arguments", fragment}}}}}}});
    }
  } else if (type == "contentBlockStop") {
    // A structured answer without input fragments is the empty object.
    if (tool_of(index) == kStructuredBlock && !structured_text_) chunk(out, json::object{{"content", "{}"}});
    tool_args_.close(tool_of(index), out, {id_, created_, model_});
  } else if (type == "messageStop") {
    stopped_ = true;
    tool_args_.close_all(out, {id_, created_, model_});
    std::string_view stop_reason = str(o, "stopReason");
    if (structured_ && tool_count_ == 0 && stop_reason == "tool_use") stop_reason = "end_turn";
    std::string finish = openai_finish_from_converse(stop_reason);
    chunk(out, json::object{}, finish.c_str());
    if (have_usage_) close(out, &usage_event_);
  } else if (type == "metadata") {
    if (const json::object* u = obj(&o, "usage")) usage_event_ = *u;
    have_usage_ = true;
    if (stopped_) close(out, &usage_event_);
  }
  // messageStart only starts the message.
  return true;
}

bool ConverseToOpenAIStream::finish(std::string& out, std::string& error) {
  if (done_) return true;
  if (!stopped_) {
    error = "the stream ended before the answer was complete";
    return false;
  }
  close(out, have_usage_ ? &usage_event_ : nullptr);
  return true;
}

}  // namespace torii::llm
