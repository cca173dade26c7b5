#include "llm/cohere_format.hpp"

#include <boost/json.hpp>

#include "llm/chat_asks.hpp"
#include "llm/json_get.hpp"
#include "llm/openai_chunks.hpp"

namespace torii::llm {

namespace json = boost::json;
using namespace get;

namespace {

// Cohere reports billed and raw token counts; the raw ones are what the model saw.
// Cohere's input_tokens count the whole prompt; cached_tokens (top level of
// usage) is the part served from its cache, as OpenAI's cached_tokens is.
json::object usage_from(const json::object* usage) {
  const json::object* counts = obj(usage, "tokens");
  if (!counts) counts = obj(usage, "billed_units");
  int64_t in = integer(counts, "input_tokens"), out = integer(counts, "output_tokens");
  json::object u{{"prompt_tokens", in}, {"completion_tokens", out}, {"total_tokens", in + out}};
  if (int64_t cached = integer(usage, "cached_tokens"); cached > 0)
    u["prompt_tokens_details"] = json::object{{"cached_tokens", cached}};
  return u;
}

// Cohere's text content: a string, or the OpenAI text parts (images pass as image_url parts).
json::value content_of(const json::value& content) {
  if (content.is_string() || content.is_null()) return content.is_null() ? json::value("") : content;
  json::array parts;
  if (content.is_array())
    for (const auto& p : content.get_array()) {
      if (!p.is_object()) continue;
      const auto& part = p.get_object();
      std::string_view type = str(part, "type");
      if (type == "text") parts.push_back(json::object{{"type", "text"}, {"text", str(part, "text")}});
      else if (type == "image_url") parts.push_back(part);
    }
  return parts;
}

// The first content part Cohere has no block for (its user content is text and
// image_url parts only), or "" when there is none.
std::string_view unsupported_part(const json::value& content) {
  if (content.is_array())
    for (const auto& p : content.get_array()) {
      std::string_view type = p.is_object() ? str(p.get_object(), "type") : std::string_view("(not an object)");
      if (type != "text" && type != "image_url") return type.empty() ? std::string_view("(none)") : type;
    }
  return {};
}

}  // namespace

std::string openai_finish_from_cohere(std::string_view r) {
  if (r == "MAX_TOKENS") return "length";
  if (r == "TOOL_CALL") return "tool_calls";
  return "stop";  // COMPLETE, STOP_SEQUENCE
}

json::object openai_to_cohere_request(const json::object& in, std::string_view model, std::string& error) {
  json::object out{{"model", model}};
  if (asks_choices(in)) {
    error = "n: Cohere models answer one choice per request (n must be 1)";
    return out;
  }
  if (asks_logprobs(in)) {
    error = "logprobs: log probabilities are not translated from Cohere; use a target of OpenAI's format";
    return out;
  }
  json::array messages;
  if (auto* msgs = in.if_contains("messages"); msgs && msgs->is_array()) {
    for (const auto& mv : msgs->get_array()) {
      if (!mv.is_object()) {
        error = "messages must be objects";
        return out;
      }
      const auto& m = mv.get_object();
      std::string_view role = str(m, "role");
      const json::value* content = m.if_contains("content");
      json::value c = content ? content_of(*content) : json::value("");
      if (role == "system" || role == "developer") {
        messages.push_back(json::object{{"role", "system"}, {"content", c}});
      } else if (role == "user") {
        if (auto part = content ? unsupported_part(*content) : std::string_view(); !part.empty()) {
          error = "messages.content: Cohere takes text and image_url parts only, not '" + std::string(part) + "'";
          return out;
        }
        messages.push_back(json::object{{"role", "user"}, {"content", c}});
      } else if (role == "assistant") {
        json::object a{{"role", "assistant"}};
        if (auto* calls = m.if_contains("tool_calls"); calls && calls->is_array() && !calls->get_array().empty()) {
          a["tool_calls"] = *calls;
          if (std::string plan = text_of(c); !plan.empty()) a["tool_plan"] = std::move(plan);
        } else {
          a["content"] = c;
        }
        messages.push_back(std::move(a));
      } else if (role == "tool") {
        messages.push_back(json::object{{"role", "tool"}, {"tool_call_id", str(m, "tool_call_id")}, {"content", c}});
      } else {
        error = "unsupported message role '" + std::string(role) + "'";
        return out;
      }
    }
  }
  out["messages"] = std::move(messages);
  int64_t max_tokens = integer(&in, "max_completion_tokens");
  if (!max_tokens) max_tokens = integer(&in, "max_tokens");
  if (max_tokens) out["max_tokens"] = max_tokens;
  if (auto* v = in.if_contains("temperature"); v && !v->is_null()) out["temperature"] = *v;
  if (auto* v = in.if_contains("top_p"); v && !v->is_null()) out["p"] = *v;
  for (const char* k : {"seed", "frequency_penalty", "presence_penalty"})
    if (auto* v = in.if_contains(k); v && !v->is_null()) out[k] = *v;
  if (auto* stop = in.if_contains("stop")) {
    if (stop->is_string()) out["stop_sequences"] = json::array{*stop};
    else if (stop->is_array()) out["stop_sequences"] = *stop;
  }
  if (auto* s = in.if_contains("stream"); s && s->is_bool() && s->get_bool()) out["stream"] = true;
  // Cohere's ToolV2 is OpenAI's {type: function, function: {...}} shape, but
  // its function requires `parameters` (OpenAI lets a function without
  // arguments leave them out).
  json::array tools;
  if (const auto* in_tools = arr(in, "tools"))
    for (const auto& tv : *in_tools) {
      const auto* fn = tv.is_object() ? obj(tv.get_object(), "function") : nullptr;
      if (!fn) continue;
      json::object f{{"name", str(*fn, "name")}};
      if (auto d = str(*fn, "description"); !d.empty()) f["description"] = d;
      if (const auto* p = obj(*fn, "parameters")) f["parameters"] = *p;
      else f["parameters"] = json::object{{"type", "object"}, {"properties", json::object{}}};
      tools.push_back(json::object{{"type", "function"}, {"function", std::move(f)}});
    }
  // tool_choice goes with tools only (Cohere requires them for REQUIRED). It
  // has no way to name a function: a named one is REQUIRED over that tool alone.
  std::string_view choice;
  if (auto* tc = in.if_contains("tool_choice"); tc && !tools.empty()) {
    if (tc->is_string() && tc->get_string() == "required") choice = "REQUIRED";
    else if (tc->is_string() && tc->get_string() == "none") choice = "NONE";
    else if (tc->is_object()) {
      const auto* fn = obj(tc->get_object(), "function");
      std::string_view name = fn ? str(*fn, "name") : std::string_view();
      json::array named;
      for (auto& t : tools)
        if (str(t.get_object().at("function").get_object(), "name") == name) named.push_back(std::move(t));
      if (named.empty()) {
        error = "tool_choice: function '" + std::string(name) + "' is not among the tools";
        return out;
      }
      tools = std::move(named);
      choice = "REQUIRED";
    }
  }
  if (!tools.empty()) out["tools"] = std::move(tools);
  if (!choice.empty()) out["tool_choice"] = choice;
  // reasoning_effort -> Cohere's thinking with a token budget (reasoning models).
  if (auto effort = str(in, "reasoning_effort"); !effort.empty())
    out["thinking"] = thinking_budget(effort) > 0
                          ? json::object{{"type", "enabled"}, {"token_budget", thinking_budget(effort)}}
                          : json::object{{"type", "disabled"}};
  if (auto* rf = in.if_contains("response_format"); rf && rf->is_object()) {
    std::string_view type = str(rf->get_object(), "type");
    if (type == "json_object") out["response_format"] = json::object{{"type", "json_object"}};
    else if (type == "json_schema")
      if (const auto* js = obj(&rf->get_object(), "json_schema"))
        if (auto* schema = js->if_contains("schema"))
          out["response_format"] = json::object{{"type", "json_object"}, {"json_schema", *schema}};
  }
  return out;
}

bool cohere_answer_failed(const json::object& answer, std::string& message) {
  if (str(answer, "finish_reason") != "ERROR") return false;
  message = "upstream generation failed (Cohere finish_reason ERROR)";
  return true;
}

json::object cohere_to_openai_response(const json::object& in, std::string_view model) {
  const json::object* message = obj(&in, "message");
  std::string text, reasoning;
  if (message)
    if (auto* content = message->if_contains("content"); content && content->is_array())
      for (const auto& p : content->get_array()) {
        if (!p.is_object()) continue;
        if (str(p.get_object(), "type") == "text") text += str(p.get_object(), "text");
        if (str(p.get_object(), "type") == "thinking") reasoning += str(p.get_object(), "thinking");
      }
  json::object msg{{"role", "assistant"}};
  json::value calls;
  if (message)
    if (auto* tc = message->if_contains("tool_calls"); tc && tc->is_array() && !tc->get_array().empty()) calls = *tc;
  // With tool calls, Cohere's text is its tool_plan (what the model says it
  // will do): the content, as Anthropic's text before a tool_use is, and what
  // openai_to_cohere_request sends back as tool_plan on the next turn.
  if (message && text.empty() && !calls.is_null()) text = std::string(str(*message, "tool_plan"));
  msg["content"] = text.empty() && !calls.is_null() ? json::value(nullptr) : json::value(text);
  if (!calls.is_null()) msg["tool_calls"] = calls;
  if (!reasoning.empty()) msg["reasoning_content"] = std::move(reasoning);
  msg["refusal"] = nullptr;
  json::object out{{"id", str(in, "id")}, {"object", "chat.completion"}, {"created", now_seconds()}, {"model", model}};
  out["choices"] = json::array{json::object{{"index", 0},
                                            {"message", std::move(msg)},
                                            {"logprobs", nullptr},
                                            {"finish_reason", openai_finish_from_cohere(str(in, "finish_reason"))}}};
  out["usage"] = usage_from(obj(&in, "usage"));
  return out;
}

void CohereToOpenAIStream::chunk(std::string& out, json::object delta, const char* finish_reason) {
  append_chunk(out, {id_, created_, model_}, std::move(delta), finish_reason);
}

bool CohereToOpenAIStream::feed(std::string_view event, std::string_view data, std::string& out, std::string& error) {
  json::error_code ec;
  json::value v = json::parse(data, ec);
  if (ec || !v.is_object()) {
    error = "invalid JSON in upstream stream event '" + std::string(event) + "'";
    return false;
  }
  const auto& o = v.get_object();
  std::string_view type = str(o, "type");
  if (type.empty()) type = event;
  const json::object* message = obj(obj(&o, "delta"), "message");
  if (type == "message-start") {
    if (auto id = str(o, "id"); !id.empty()) id_ = std::string(id);
    created_ = now_seconds();
    chunk(out, json::object{{"role", "assistant"}, {"content", ""}});
  } else if (type == "content-delta") {
    if (const auto* content = obj(message, "content")) {
      if (auto* thinking = content->if_contains("thinking"); thinking && thinking->is_string())
        chunk(out, json::object{{"reasoning_content", *thinking}});
      else
        chunk(out, json::object{{"content", str(*content, "text")}});
    }
  } else if (type == "tool-plan-delta") {
    // The plan before tool calls: content, as in the whole answer.
    if (message)
      if (auto plan = str(*message, "tool_plan"); !plan.empty()) chunk(out, json::object{{"content", plan}});
  } else if (type == "tool-call-start" || type == "tool-call-delta") {
    const json::object* call = obj(message, "tool_calls");
    if (!call) return true;
    const int index = int(integer(&o, "index"));
    json::object tc{{"index", index}};
    if (type == "tool-call-start") {
      tc["id"] = str(*call, "id");
      tc["type"] = "function";
    }
    const auto* fn = obj(call, "function");
    std::string_view fragment = fn ? str(*fn, "arguments") : std::string_view();
    if (type == "tool-call-start") tool_args_.started(index, fragment);
    else tool_args_.appended(index, fragment);
    if (fn) {
      json::object f{{"arguments", fragment}};
      if (type == "tool-call-start") f["name"] = str(*fn, "name");
      tc["function"] = std::move(f);
    }
    chunk(out, json::object{{"tool_calls", json::array{std::move(tc)}}});
  } else if (type == "tool-call-end") {
    tool_args_.close(int(integer(&o, "index")), out, {id_, created_, model_});
  } else if (type == "message-end") {
    const json::object* delta = obj(&o, "delta");
    std::string_view reason = delta ? str(*delta, "finish_reason") : "";
    if (reason == "ERROR") {
      error = delta && !str(*delta, "error").empty() ? std::string(str(*delta, "error")) : "upstream stream error";
      return false;
    }
    tool_args_.close_all(out, {id_, created_, model_});
    std::string finish = openai_finish_from_cohere(reason);
    chunk(out, json::object{}, finish.c_str());
    if (usage_) {
      append_usage_chunk(out, {id_, created_, model_}, usage_from(obj(delta, "usage")));
    }
    out += "data: [DONE]\n\n";
    finished_ = true;
  }
  // content-start/end and citations carry nothing for the client.
  return true;
}

}  // namespace torii::llm
