#include "llm/anthropic_format.hpp"

#include <boost/json.hpp>

#include "llm/chat_asks.hpp"
#include "llm/json_get.hpp"
#include "llm/openai_chunks.hpp"

namespace torii::llm {

namespace json = boost::json;
using namespace get;

namespace {

// OpenAI image_url -> Anthropic image source (data URL -> base64, else url).
json::object image_block(const json::object& part) {
  json::object block{{"type", "image"}};
  std::string_view url;
  if (auto* iu = part.if_contains("image_url")) {
    if (iu->is_string()) url = iu->get_string();
    else if (iu->is_object()) url = str(iu->get_object(), "url");
  }
  if (url.starts_with("data:")) {
    auto semi = url.find(';');
    auto comma = url.find(',');
    std::string_view media = url.substr(5, semi == std::string_view::npos ? 0 : semi - 5);
    block["source"] = json::object{{"type", "base64"},
                                   {"media_type", media},
                                   {"data", comma == std::string_view::npos ? "" : url.substr(comma + 1)}};
  } else {
    block["source"] = json::object{{"type", "url"}, {"url", url}};
  }
  return block;
}

// OpenAI content (string or parts) -> Anthropic content blocks.
json::array content_blocks(const json::value& content) {
  json::array blocks;
  if (content.is_string()) {
    if (!content.get_string().empty()) blocks.push_back(json::object{{"type", "text"}, {"text", content}});
    return blocks;
  }
  if (!content.is_array()) return blocks;
  for (const auto& p : content.get_array()) {
    if (!p.is_object()) continue;
    const auto& part = p.get_object();
    std::string_view type = str(part, "type");
    json::object block;
    if (type == "text") {
      block = {{"type", "text"}, {"text", str(part, "text")}};
    } else if (type == "image_url") {
      block = image_block(part);
    } else {
      continue;  // audio and files have no Anthropic equivalent here
    }
    // Prompt-caching markers ride along on the block they were set on.
    if (auto* cc = part.if_contains("cache_control")) block["cache_control"] = *cc;
    blocks.push_back(std::move(block));
  }
  return blocks;
}

}  // namespace

std::string anthropic_stop_reason(std::string_view f) {
  if (f == "length") return "max_tokens";
  if (f == "tool_calls" || f == "function_call") return "tool_use";
  if (f == "content_filter") return "refusal";
  return "end_turn";
}

std::string openai_finish_reason(std::string_view s) {
  if (s == "max_tokens") return "length";
  if (s == "tool_use") return "tool_calls";
  if (s == "refusal") return "content_filter";
  return "stop";  // end_turn, stop_sequence, pause_turn
}

std::string anthropic_event(std::string_view name, const json::object& data) {
  std::string out = "event: ";
  out += name;
  out += "\ndata: ";
  out += json::serialize(data);
  out += "\n\n";
  return out;
}

json::object openai_to_anthropic_request(const json::object& in, std::string_view model, int default_max_tokens,
                                         std::string& error) {
  json::object out;
  out["model"] = model;
  json::array system;
  json::array messages;
  if (auto* msgs = arr(in, "messages")) {
    for (const auto& mv : *msgs) {
      if (!mv.is_object()) {
        error = "messages must be objects";
        return out;
      }
      const auto& m = mv.get_object();
      std::string_view role = str(m, "role");
      const json::value* content = m.if_contains("content");
      json::value empty_content = "";
      const json::value& c = content ? *content : empty_content;
      if (role == "system" || role == "developer") {
        for (auto& b : content_blocks(c)) system.push_back(std::move(b));
      } else if (role == "user") {
        append_turn(messages, "user", "content", content_blocks(c));
      } else if (role == "assistant") {
        json::array blocks = content_blocks(c);
        if (auto* calls = arr(m, "tool_calls")) {
          for (const auto& tc : *calls) {
            if (!tc.is_object()) continue;
            const auto* fn = obj(tc.get_object(), "function");
            blocks.push_back(json::object{{"type", "tool_use"},
                                          {"id", str(tc.get_object(), "id")},
                                          {"name", fn ? str(*fn, "name") : ""},
                                          {"input", arguments_object(fn ? str(*fn, "arguments") : "")}});
          }
        }
        append_turn(messages, "assistant", "content", std::move(blocks));
      } else if (role == "tool") {
        json::object result{{"type", "tool_result"}, {"tool_use_id", str(m, "tool_call_id")}};
        result["content"] = text_of(c);
        append_turn(messages, "user", "content", json::array{std::move(result)});
      } else {
        error = "unsupported message role '" + std::string(role) + "'";
        return out;
      }
    }
  }
  // A system prompt without cache markers is sent as a plain string.
  bool plain_system = true;
  for (const auto& b : system)
    if (b.as_object().contains("cache_control")) plain_system = false;
  if (!system.empty()) {
    if (plain_system) {
      std::string text;
      for (const auto& b : system) {
        if (!text.empty()) text += "\n\n";
        text += str(b.as_object(), "text");
      }
      out["system"] = text;
    } else {
      out["system"] = std::move(system);
    }
  }
  out["messages"] = std::move(messages);

  // What Anthropic cannot answer is refused, never dropped.
  if (asks_choices(in)) {
    error = "n: Anthropic models answer one choice per request (n must be 1)";
    return out;
  }
  if (asks_logprobs(in)) {
    error = "logprobs: Anthropic models do not return log probabilities";
    return out;
  }
  int64_t max_tokens = integer(in, "max_completion_tokens");
  if (max_tokens == 0) max_tokens = integer(in, "max_tokens");
  if (max_tokens <= 0) max_tokens = default_max_tokens;
  // reasoning_effort -> extended thinking with a budget; the answer's
  // max_tokens come on top of it (Anthropic counts thinking in max_tokens).
  if (const int64_t budget = thinking_budget(str(in, "reasoning_effort")); budget > 0) {
    out["thinking"] = json::object{{"type", "enabled"}, {"budget_tokens", budget}};
    max_tokens += budget;
    if (auto* t = in.if_contains("temperature"); t && t->is_number() && t->to_number<double>() != 1.0) {
      error = "temperature: Anthropic models take no temperature other than 1 while thinking (reasoning_effort)";
      return out;
    }
  }
  out["max_tokens"] = max_tokens;
  for (const char* k : {"temperature", "top_p", "top_k"})
    if (auto* v = in.if_contains(k); v && !v->is_null()) out[k] = *v;
  // Structured output: a JSON schema becomes Anthropic's output_config.format;
  // JSON mode (any object) has no equivalent there, so the system prompt asks for it.
  if (const auto* rf = obj(in, "response_format")) {
    std::string_view type = str(*rf, "type");
    if (type == "json_schema") {
      const auto* js = obj(*rf, "json_schema");
      const json::value* schema = js ? js->if_contains("schema") : nullptr;
      if (!schema || !schema->is_object()) {
        error = "response_format.json_schema.schema: a JSON schema object is required";
        return out;
      }
      out["output_config"] =
          json::object{{"format", json::object{{"type", "json_schema"}, {"schema", *schema}}}};
    } else if (type == "json_object") {
      std::string ask = "Respond with a single JSON object and nothing else.";
      if (auto* sys = out.if_contains("system"); sys && sys->is_string()) {
        out["system"] = std::string(sys->get_string()) + "\n\n" + ask;
      } else if (sys && sys->is_array()) {
        sys->as_array().push_back(json::object{{"type", "text"}, {"text", ask}});
      } else {
        out["system"] = ask;
      }
    } else if (!type.empty() && type != "text") {
      error = "response_format.type: '" + std::string(type) + "' cannot be sent to an Anthropic model";
      return out;
    }
  }
  if (auto* stop = in.if_contains("stop")) {
    if (stop->is_string()) out["stop_sequences"] = json::array{*stop};
    else if (stop->is_array()) out["stop_sequences"] = *stop;
  }
  if (auto* s = in.if_contains("stream"); s && s->is_bool() && s->get_bool()) out["stream"] = true;
  if (auto user = str(in, "user"); !user.empty()) out["metadata"] = json::object{{"user_id", user}};

  if (auto* tools = arr(in, "tools")) {
    json::array out_tools;
    for (const auto& tv : *tools) {
      if (!tv.is_object()) continue;
      const auto* fn = obj(tv.get_object(), "function");
      if (!fn) continue;
      json::object t{{"name", str(*fn, "name")}};
      if (auto d = str(*fn, "description"); !d.empty()) t["description"] = d;
      if (auto* p = fn->if_contains("parameters")) t["input_schema"] = *p;
      else t["input_schema"] = json::object{{"type", "object"}, {"properties", json::object{}}};
      if (auto* cc = tv.get_object().if_contains("cache_control")) t["cache_control"] = *cc;
      out_tools.push_back(std::move(t));
    }
    if (!out_tools.empty()) out["tools"] = std::move(out_tools);
  }
  if (auto* tc = in.if_contains("tool_choice")) {
    json::object choice;
    if (tc->is_string()) {
      std::string_view s = tc->get_string();
      choice["type"] = s == "required" ? "any" : s == "none" ? "none" : "auto";
    } else if (tc->is_object()) {
      const auto* fn = obj(tc->get_object(), "function");
      choice = {{"type", "tool"}, {"name", fn ? str(*fn, "name") : ""}};
    }
    if (auto* p = in.if_contains("parallel_tool_calls"); p && p->is_bool() && !p->get_bool() && !choice.empty() &&
                                                         str(choice, "type") != "none")
      choice["disable_parallel_tool_use"] = true;
    if (!choice.empty() && out.contains("tools")) out["tool_choice"] = std::move(choice);
  }
  return out;
}

json::object anthropic_to_openai_response(const json::object& msg, std::string_view model) {
  std::string text, reasoning;  // reasoning: the thinking blocks' text (reasoning_content, as OpenAI-compatible hosts send it)
  json::array tool_calls;
  if (auto* content = arr(msg, "content")) {
    for (const auto& bv : *content) {
      if (!bv.is_object()) continue;
      const auto& b = bv.get_object();
      std::string_view type = str(b, "type");
      if (type == "text") {
        text += str(b, "text");
      } else if (type == "thinking") {
        reasoning += str(b, "thinking");
      } else if (type == "tool_use") {
        const json::value* input = b.if_contains("input");
        tool_calls.push_back(json::object{
            {"id", str(b, "id")},
            {"type", "function"},
            {"function", json::object{{"name", str(b, "name")},
                                      {"arguments", input ? json::serialize(*input) : std::string("{}")}}}});
      }
    }
  }
  json::object message{{"role", "assistant"}};
  message["content"] = text.empty() && !tool_calls.empty() ? json::value(nullptr) : json::value(text);
  if (!tool_calls.empty()) message["tool_calls"] = std::move(tool_calls);
  if (!reasoning.empty()) message["reasoning_content"] = reasoning;
  message["refusal"] = nullptr;

  json::object usage;
  if (const auto* u = obj(msg, "usage")) {
    int64_t in = integer(*u, "input_tokens"), out = integer(*u, "output_tokens");
    int64_t read = integer(*u, "cache_read_input_tokens"), created = integer(*u, "cache_creation_input_tokens");
    // OpenAI counts cached prompt tokens inside prompt_tokens.
    usage["prompt_tokens"] = in + read + created;
    usage["completion_tokens"] = out;
    usage["total_tokens"] = in + read + created + out;
    usage["prompt_tokens_details"] = json::object{{"cached_tokens", read}};
    usage["cache_creation_input_tokens"] = created;
  }
  // The model the upstream says answered (often a dated snapshot of the target).
  std::string_view answered = str(msg, "model");
  json::object out{{"id", str(msg, "id")},
                   {"object", "chat.completion"},
                   {"created", now_seconds()},
                   {"model", answered.empty() ? model : answered}};
  out["choices"] = json::array{json::object{{"index", 0},
                                            {"message", std::move(message)},
                                            {"logprobs", nullptr},
                                            {"finish_reason", openai_finish_reason(str(msg, "stop_reason"))}}};
  out["usage"] = std::move(usage);
  return out;
}

void AnthropicToOpenAIStream::chunk(std::string& out, json::object delta, const char* finish_reason) {
  append_chunk(out, {id_, created_, model_}, std::move(delta), finish_reason);
}

bool AnthropicToOpenAIStream::feed(std::string_view event, std::string_view data, std::string& out,
                                   std::string& error_message) {
  json::error_code ec;
  json::value v = json::parse(data, ec);
  if (ec || !v.is_object()) {
    error_message = "invalid JSON in upstream stream event '" + std::string(event) + "'";
    return false;
  }
  const auto& o = v.get_object();
  std::string_view type = event.empty() ? str(o, "type") : event;
  if (type == "message_start") {
    if (const auto* m = obj(o, "message")) {
      id_ = std::string(str(*m, "id"));
      if (auto answered = str(*m, "model"); !answered.empty()) model_ = std::string(answered);
      if (const auto* u = obj(*m, "usage")) {
        input_tokens_ = integer(*u, "input_tokens");
        cache_read_ = integer(*u, "cache_read_input_tokens");
        cache_creation_ = integer(*u, "cache_creation_input_tokens");
        output_tokens_ = integer(*u, "output_tokens");
      }
    }
    created_ = now_seconds();
    chunk(out, json::object{{"role", "assistant"}, {"content", ""}});
  } else if (type == "content_block_start") {
    const int64_t at = integer(o, "index");
    if (at < 0 || at > kMaxStreamIndex) return true;  // no real block's
    size_t index = size_t(at);
    if (block_tool_index_.size() <= index) block_tool_index_.resize(index + 1, -1);
    const auto* block = obj(o, "content_block");
    if (block && str(*block, "type") == "tool_use") {
      block_tool_index_[index] = ++tool_index_;
      json::object call{{"index", tool_index_},
                        {"id", str(*block, "id")},
                        {"type", "function"},
                        {"function", json::object{{"name", str(*block, "name")}, {"arguments", ""}}}};
      chunk(out, json::object{{"tool_calls", json::array{std::move(call)}}});
      tool_args_.started(tool_index_);
    } else if (block && str(*block, "type") == "text" && !str(*block, "text").empty()) {
      chunk(out, json::object{{"content", str(*block, "text")}});
    }
  } else if (type == "content_block_delta") {
    size_t index = size_t(integer(o, "index"));
    const auto* delta = obj(o, "delta");
    if (!delta) return true;
    std::string_view dtype = str(*delta, "type");
    if (dtype == "text_delta") {
      chunk(out, json::object{{"content", str(*delta, "text")}});
    } else if (dtype == "input_json_delta" && index < block_tool_index_.size() && block_tool_index_[index] >= 0) {
      std::string_view fragment = str(*delta, "partial_json");
      tool_args_.appended(block_tool_index_[index], fragment);
      json::object call{{"index", block_tool_index_[index]}, {"function", json::object{{"arguments", fragment}}}};
      chunk(out, json::object{{"tool_calls", json::array{std::move(call)}}});
    } else if (dtype == "thinking_delta") {
      chunk(out, json::object{{"reasoning_content", str(*delta, "thinking")}});
    }
    // signature deltas have no OpenAI chat equivalent.
  } else if (type == "content_block_stop") {
    size_t index = size_t(integer(o, "index"));
    if (index < block_tool_index_.size()) tool_args_.close(block_tool_index_[index], out, {id_, created_, model_});
  } else if (type == "message_delta") {
    tool_args_.close_all(out, {id_, created_, model_});
    if (const auto* u = obj(o, "usage")) {
      if (u->contains("output_tokens")) output_tokens_ = integer(*u, "output_tokens");
      if (u->contains("input_tokens")) input_tokens_ = integer(*u, "input_tokens");
    }
    const auto* delta = obj(o, "delta");
    std::string reason = openai_finish_reason(delta ? str(*delta, "stop_reason") : "");
    chunk(out, json::object{}, reason.c_str());
  } else if (type == "message_stop") {
    // Normally message_delta closed them; a stream without one (or with
    // blocks never stopped) still ends with arguments a client can parse.
    tool_args_.close_all(out, {id_, created_, model_});
    if (usage_) {
      int64_t prompt = input_tokens_ + cache_read_ + cache_creation_;
      append_usage_chunk(out, {id_, created_, model_},
                         json::object{{"prompt_tokens", prompt},
                                      {"completion_tokens", output_tokens_},
                                      {"total_tokens", prompt + output_tokens_},
                                      {"prompt_tokens_details", json::object{{"cached_tokens", cache_read_}}},
                                      {"cache_creation_input_tokens", cache_creation_}});
    }
    out += "data: [DONE]\n\n";
    finished_ = true;
  } else if (type == "error") {
    const auto* e = obj(o, "error");
    error_message = e ? std::string(str(*e, "message")) : "upstream stream error";
    if (error_message.empty()) error_message = "upstream stream error";
    return false;
  }
  // ping and unknown events carry nothing for the client.
  return true;
}

namespace {

// The text of a system prompt: a string, or text blocks joined by blank lines.
bool system_text(const json::value* v, std::string& text, std::string& error) {
  if (!v || v->is_null()) return true;
  if (v->is_string()) {
    text = std::string(v->get_string());
    return true;
  }
  if (!v->is_array()) {
    error = "system: Input should be a valid string or a list of text blocks";
    return false;
  }
  for (const auto& b : v->get_array()) {
    if (!b.is_object() || str(b.get_object(), "type") != "text") {
      error = "system: only text blocks can be sent to a model outside the Anthropic family";
      return false;
    }
    if (!text.empty()) text += "\n\n";
    text += str(b.get_object(), "text");
  }
  return true;
}

}  // namespace

json::object anthropic_to_openai_request(const json::object& in, std::string& error) {
  json::object out;
  out["model"] = str(in, "model");
  json::array messages;
  if (auto* sys = in.if_contains("system")) {
    std::string text;
    if (!system_text(sys, text, error)) return out;
    if (!text.empty()) messages.push_back(json::object{{"role", "system"}, {"content", text}});
  }
  if (auto* msgs = arr(in, "messages")) {
    for (const auto& mv : *msgs) {
      if (!mv.is_object()) {
        error = "messages must be objects";
        return out;
      }
      const auto& m = mv.get_object();
      std::string_view role = str(m, "role");
      const json::value* content = m.if_contains("content");
      if (role == "system") {
        // A system message inside the conversation (Anthropic's
        // mid-conversation system beta) stays where it was sent.
        std::string text;
        if (!system_text(content, text, error)) return out;
        messages.push_back(json::object{{"role", "system"}, {"content", text}});
        continue;
      }
      if (role != "user" && role != "assistant") {
        error = "messages.role: Input should be 'user', 'assistant' or 'system', got '" + std::string(role) + "'";
        return out;
      }
      if (!content) continue;
      if (content->is_string()) {
        messages.push_back(json::object{{"role", role}, {"content", *content}});
        continue;
      }
      if (!content->is_array()) {
        error = "messages.content must be a string or an array of blocks";
        return out;
      }
      json::array parts;
      json::array tool_calls;
      std::string assistant_text;
      for (const auto& bv : content->get_array()) {
        if (!bv.is_object()) continue;
        const auto& b = bv.get_object();
        std::string_view type = str(b, "type");
        if (type == "text") {
          if (role == "assistant") assistant_text += str(b, "text");
          else parts.push_back(json::object{{"type", "text"}, {"text", str(b, "text")}});
        } else if (type == "image") {
          const auto* src = obj(b, "source");
          if (!src) continue;
          std::string url = str(*src, "type") == "base64"
                                ? "data:" + std::string(str(*src, "media_type")) + ";base64," +
                                      std::string(str(*src, "data"))
                                : std::string(str(*src, "url"));
          parts.push_back(json::object{{"type", "image_url"}, {"image_url", json::object{{"url", url}}}});
        } else if (type == "tool_use") {
          const json::value* input = b.if_contains("input");
          tool_calls.push_back(json::object{
              {"id", str(b, "id")},
              {"type", "function"},
              {"function", json::object{{"name", str(b, "name")},
                                        {"arguments", input ? json::serialize(*input) : std::string("{}")}}}});
        } else if (type == "tool_result") {
          std::string text;
          if (auto* c = b.if_contains("content")) {
            if (c->is_string()) text = std::string(c->get_string());
            else if (c->is_array())
              for (const auto& x : c->get_array())
                if (x.is_object() && str(x.get_object(), "type") == "text") text += str(x.get_object(), "text");
          }
          // OpenAI's tool turns have no error flag: the text says it.
          if (auto* e = b.if_contains("is_error"); e && e->is_bool() && e->get_bool()) text = "Error: " + text;
          // Tool results answer the previous assistant turn, so they come first.
          messages.push_back(
              json::object{{"role", "tool"}, {"tool_call_id", str(b, "tool_use_id")}, {"content", text}});
        }
      }
      if (role == "assistant") {
        json::object a{{"role", "assistant"}};
        a["content"] = assistant_text.empty() && !tool_calls.empty() ? json::value(nullptr) : json::value(assistant_text);
        if (!tool_calls.empty()) a["tool_calls"] = std::move(tool_calls);
        messages.push_back(std::move(a));
      } else if (!parts.empty()) {
        messages.push_back(json::object{{"role", "user"}, {"content", std::move(parts)}});
      }
    }
  }
  out["messages"] = std::move(messages);
  if (auto* v = in.if_contains("max_tokens")) out["max_tokens"] = *v;
  for (const char* k : {"temperature", "top_p"})
    if (auto* v = in.if_contains(k); v && !v->is_null()) out[k] = *v;
  if (auto* s = in.if_contains("stop_sequences"); s && s->is_array()) out["stop"] = *s;
  if (auto* s = in.if_contains("stream"); s && s->is_bool() && s->get_bool()) {
    out["stream"] = true;
    // message_delta carries output usage, so the canonical stream must have it.
    out["stream_options"] = json::object{{"include_usage", true}};
  }
  if (const auto* md = obj(in, "metadata"); md && !str(*md, "user_id").empty()) out["user"] = str(*md, "user_id");
  if (auto* k = in.if_contains("top_k"); k && !k->is_null()) {
    error = "top_k: models outside the Anthropic family take no top_k";
    return out;
  }
  // Structured output: output_config.format (or the beta's output_format).
  const json::object* format = nullptr;
  if (const auto* oc = obj(in, "output_config")) format = obj(*oc, "format");
  if (!format) format = obj(in, "output_format");
  if (format) {
    const json::value* schema = format->if_contains("schema");
    if (str(*format, "type") != "json_schema" || !schema || !schema->is_object()) {
      error = "output_config.format: only {\"type\": \"json_schema\", \"schema\": {...}} can be sent to this model";
      return out;
    }
    out["response_format"] = json::object{
        {"type", "json_schema"},
        {"json_schema", json::object{{"name", "output"}, {"schema", *schema}, {"strict", true}}}};
  }
  // Thinking asked for with a budget, or an effort other than the default
  // (medium), becomes reasoning_effort; adaptive thinking leaves it to the model.
  std::string_view effort;
  if (const auto* th = obj(in, "thinking"); th && str(*th, "type") == "enabled") {
    const int64_t budget = integer(*th, "budget_tokens");
    effort = budget <= 4096 ? "low" : budget >= 16384 ? "high" : "medium";
  }
  if (const auto* oc = obj(in, "output_config"))
    if (auto e = str(*oc, "effort"); !e.empty() && e != "medium") effort = e == "max" ? "high" : e;
  if (!effort.empty()) out["reasoning_effort"] = effort;
  if (auto* tools = arr(in, "tools")) {
    json::array out_tools;
    for (const auto& tv : *tools) {
      if (!tv.is_object()) continue;
      const auto& t = tv.get_object();
      json::object fn{{"name", str(t, "name")}};
      if (auto d = str(t, "description"); !d.empty()) fn["description"] = d;
      if (auto* schema = t.if_contains("input_schema")) fn["parameters"] = *schema;
      out_tools.push_back(json::object{{"type", "function"}, {"function", std::move(fn)}});
    }
    if (!out_tools.empty()) out["tools"] = std::move(out_tools);
  }
  if (const auto* tc = obj(in, "tool_choice")) {
    std::string_view t = str(*tc, "type");
    if (t == "any") out["tool_choice"] = "required";
    else if (t == "none") out["tool_choice"] = "none";
    else if (t == "tool")
      out["tool_choice"] = json::object{{"type", "function"}, {"function", json::object{{"name", str(*tc, "name")}}}};
    else out["tool_choice"] = "auto";
    if (auto* d = tc->if_contains("disable_parallel_tool_use"); d && d->is_bool() && d->get_bool())
      out["parallel_tool_calls"] = false;
  }
  return out;
}

json::object openai_to_anthropic_response(const json::object& completion, std::string_view model) {
  json::array content;
  std::string finish = "stop";
  if (auto* choices = arr(completion, "choices"); choices && !choices->empty() && (*choices)[0].is_object()) {
    const auto& choice = (*choices)[0].get_object();
    finish = std::string(str(choice, "finish_reason"));
    if (const auto* m = obj(choice, "message")) {
      if (auto text = str(*m, "content"); !text.empty())
        content.push_back(json::object{{"type", "text"}, {"text", text}});
      if (auto* calls = arr(*m, "tool_calls")) {
        for (const auto& tc : *calls) {
          if (!tc.is_object()) continue;
          const auto* fn = obj(tc.get_object(), "function");
          content.push_back(json::object{{"type", "tool_use"},
                                         {"id", str(tc.get_object(), "id")},
                                         {"name", fn ? str(*fn, "name") : ""},
                                         {"input", arguments_object(fn ? str(*fn, "arguments") : "")}});
        }
      }
    }
  }
  json::object usage{{"input_tokens", 0}, {"output_tokens", 0}};
  if (const auto* u = obj(completion, "usage")) {
    int64_t cached = 0;
    if (const auto* d = obj(*u, "prompt_tokens_details")) cached = integer(*d, "cached_tokens");
    usage["input_tokens"] = integer(*u, "prompt_tokens") - cached;
    usage["output_tokens"] = integer(*u, "completion_tokens");
    usage["cache_read_input_tokens"] = cached;
    usage["cache_creation_input_tokens"] = 0;
  }
  std::string id(str(completion, "id"));
  return json::object{{"id", id.starts_with("msg_") ? id : "msg_" + id},
                      {"type", "message"},
                      {"role", "assistant"},
                      {"model", str(completion, "model").empty() ? model : str(completion, "model")},
                      {"content", std::move(content)},
                      {"stop_reason", anthropic_stop_reason(finish)},
                      {"stop_sequence", nullptr},
                      {"usage", std::move(usage)}};
}

void OpenAIToAnthropicStream::start(std::string& out, std::string_view id) {
  started_ = true;
  std::string msg_id = id.starts_with("msg_") ? std::string(id) : "msg_" + std::string(id);
  json::object message{{"id", msg_id},       {"type", "message"},       {"role", "assistant"},
                       {"model", model_},    {"content", json::array{}}, {"stop_reason", nullptr},
                       {"stop_sequence", nullptr},
                       {"usage", json::object{{"input_tokens", estimated_input_}, {"output_tokens", 0}}}};
  out += anthropic_event("message_start", json::object{{"type", "message_start"}, {"message", std::move(message)}});
  out += anthropic_event("ping", json::object{{"type", "ping"}});
}

void OpenAIToAnthropicStream::close_block(std::string& out) {
  if (block_ < 0) return;
  out += anthropic_event("content_block_stop", json::object{{"type", "content_block_stop"}, {"index", block_}});
  block_ = -1;
}

void OpenAIToAnthropicStream::feed(std::string_view data, std::string& out) {
  if (done_) return;
  if (data == "[DONE]") {
    finish(out);
    return;
  }
  json::error_code ec;
  json::value v = json::parse(data, ec);
  if (ec || !v.is_object()) return;
  const auto& c = v.get_object();
  if (!started_) {
    if (auto answered = str(c, "model"); !answered.empty()) model_ = std::string(answered);
    start(out, str(c, "id"));
  }
  if (const auto* u = obj(c, "usage")) {
    int64_t cached = 0;
    if (const auto* d = obj(*u, "prompt_tokens_details")) cached = integer(*d, "cached_tokens");
    input_tokens_ = integer(*u, "prompt_tokens") - cached;
    cached_tokens_ = cached;
    output_tokens_ = integer(*u, "completion_tokens");
  }
  const auto* choices = arr(c, "choices");
  if (!choices || choices->empty() || !(*choices)[0].is_object()) return;
  const auto& choice = (*choices)[0].get_object();
  if (const auto* delta = obj(choice, "delta")) {
    if (auto text = str(*delta, "content"); !text.empty()) {
      if (block_ < 0 || !block_is_text_) {
        close_block(out);
        block_ = next_block_++;
        block_is_text_ = true;
        out += anthropic_event("content_block_start",
                               json::object{{"type", "content_block_start"},
                                            {"index", block_},
                                            {"content_block", json::object{{"type", "text"}, {"text", ""}}}});
      }
      out += anthropic_event("content_block_delta",
                             json::object{{"type", "content_block_delta"},
                                          {"index", block_},
                                          {"delta", json::object{{"type", "text_delta"}, {"text", text}}}});
    }
    if (const auto* calls = arr(*delta, "tool_calls")) {
      for (const auto& tv : *calls) {
        if (!tv.is_object()) continue;
        const auto& tc = tv.get_object();
        const int64_t at = integer(tc, "index");
        if (at < 0 || at > kMaxStreamIndex) continue;  // no real call's
        size_t idx = size_t(at);
        const auto* fn = obj(tc, "function");
        if (tool_blocks_.size() <= idx || tool_blocks_[idx] < 0) {
          // A new tool call starts a new tool_use block.
          close_block(out);
          if (tool_blocks_.size() <= idx) tool_blocks_.resize(idx + 1, -1);
          tool_blocks_[idx] = block_ = next_block_++;
          block_is_text_ = false;
          out += anthropic_event(
              "content_block_start",
              json::object{{"type", "content_block_start"},
                           {"index", block_},
                           {"content_block", json::object{{"type", "tool_use"},
                                                          {"id", str(tc, "id")},
                                                          {"name", fn ? str(*fn, "name") : ""},
                                                          {"input", json::object{}}}}});
        }
        if (auto args = fn ? str(*fn, "arguments") : std::string_view(); !args.empty()) {
          out += anthropic_event(
              "content_block_delta",
              json::object{{"type", "content_block_delta"},
                           {"index", tool_blocks_[idx]},
                           {"delta", json::object{{"type", "input_json_delta"}, {"partial_json", args}}}});
        }
      }
    }
  }
  if (auto reason = str(choice, "finish_reason"); !reason.empty()) {
    stop_reason_ = anthropic_stop_reason(reason);
    close_block(out);
  }
}

void OpenAIToAnthropicStream::finish(std::string& out) {
  if (done_) return;
  if (!started_) start(out, "msg_torii");
  close_block(out);
  json::object usage{{"output_tokens", output_tokens_}};
  if (input_tokens_ || cached_tokens_) {
    usage["input_tokens"] = input_tokens_;
    usage["cache_read_input_tokens"] = cached_tokens_;
  }
  out += anthropic_event("message_delta",
                         json::object{{"type", "message_delta"},
                                      {"delta", json::object{{"stop_reason", stop_reason_}, {"stop_sequence", nullptr}}},
                                      {"usage", std::move(usage)}});
  out += anthropic_event("message_stop", json::object{{"type", "message_stop"}});
  done_ = true;
}

}  // namespace torii::llm
