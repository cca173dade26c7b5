#include "llm/responses_format.hpp"

#include <boost/json.hpp>

#include "llm/json_get.hpp"

namespace torii::llm {

namespace json = boost::json;
using namespace get;

namespace {

// OpenAI's built-in tools: run by OpenAI, so only its targets can take them.
bool is_builtin_tool(std::string_view type) { return type != "function"; }

std::string item_id(std::string_view prefix, std::string_view seed, size_t index) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string id(prefix);
  id += seed;
  id += hex[(index >> 4) & 15];
  id += hex[index & 15];
  return id;
}

// The text of a content value that may be a string or input/output_text parts.
bool content_text(const json::value& content, std::string& text) {
  if (content.is_string()) {
    text = content.get_string();
    return true;
  }
  if (!content.is_array()) return false;
  for (const auto& p : content.get_array()) {
    if (!p.is_object()) return false;
    std::string_view type = str(p.get_object(), "type");
    if (type != "input_text" && type != "output_text" && type != "text") return false;
    text += str(p.get_object(), "text");
  }
  return true;
}

// One message item's content as chat content (a string, or parts for images).
json::value chat_content(const json::value& content, std::string_view role, const std::string& where,
                         ResponsesRefusal& refusal) {
  if (content.is_string()) return content;
  if (!content.is_array()) {
    refusal = {"Invalid type for '" + where + "': expected a string or an array of content parts.", where};
    return nullptr;
  }
  json::array parts;
  std::string assistant_text;
  const json::array& in = content.get_array();
  for (size_t i = 0; i < in.size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    if (!in[i].is_object()) {
      refusal = {"Invalid type for '" + at + "': expected an object.", at};
      return nullptr;
    }
    const json::object& p = in[i].get_object();
    std::string_view type = str(p, "type");
    if (type == "input_text" || type == "output_text" || type == "text") {
      if (role == "assistant") assistant_text += str(p, "text");
      else parts.push_back(json::object{{"type", "text"}, {"text", str(p, "text")}});
    } else if (type == "refusal" && role == "assistant") {
      assistant_text += str(p, "refusal");
    } else if (type == "input_image") {
      std::string_view url = str(p, "image_url");
      if (url.empty()) {
        refusal = {"'" + at + "': an image given by file_id can only go to an OpenAI target; send image_url.", at};
        return nullptr;
      }
      json::object image{{"url", url}};
      if (auto d = str(p, "detail"); !d.empty()) image["detail"] = d;
      parts.push_back(json::object{{"type", "image_url"}, {"image_url", std::move(image)}});
    } else {
      refusal = {"'" + at + "': content parts of type '" + std::string(type) +
                     "' can only go to an OpenAI target (this model's target is translated to chat completions).",
                 at + ".type"};
      return nullptr;
    }
  }
  if (role == "assistant") return json::value(assistant_text);
  // A user turn of one text part is sent as plain text (every family takes that).
  if (parts.size() == 1 && str(parts[0].as_object(), "type") == "text") return parts[0].as_object().at("text");
  return parts;
}

// The last message, when it is an assistant turn that tool calls may join.
json::object* open_assistant(json::array& messages) {
  if (messages.empty()) return nullptr;
  json::object& last = messages.back().as_object();
  return str(last, "role") == "assistant" ? &last : nullptr;
}

void set_if(json::object& out, const json::object& in, std::string_view from, std::string_view to) {
  if (auto* v = in.if_contains(from); v && !v->is_null()) out[to] = *v;
}

}  // namespace

json::array responses_input_items(const json::object& request, std::string_view id_seed, ResponsesRefusal& refusal) {
  json::array items;
  const json::value* input = request.if_contains("input");
  if (!input || input->is_null()) return items;
  if (input->is_string()) {
    items.push_back(json::object{{"id", item_id("msg_", id_seed, 0)},
                                 {"type", "message"},
                                 {"role", "user"},
                                 {"content", json::array{json::object{{"type", "input_text"}, {"text", *input}}}}});
    return items;
  }
  if (!input->is_array()) {
    refusal = {"Invalid type for 'input': expected a string or an array of input items.", "input"};
    return items;
  }
  const json::array& in = input->get_array();
  for (size_t i = 0; i < in.size(); ++i) {
    const std::string at = "input[" + std::to_string(i) + "]";
    if (!in[i].is_object()) {
      refusal = {"Invalid type for '" + at + "': expected an object.", at};
      return items;
    }
    json::object item = in[i].get_object();
    // A copy: item["..."] = below may grow the object's table even for a key
    // it has (boost::json reserves first), which moves its values, and short
    // strings live inside them: a view of one would dangle.
    std::string type(str(item, "type"));
    if (type.empty() && item.contains("role")) {
      item["type"] = "message";
      type = "message";
    }
    if (type == "message") {
      std::string_view role = str(item, "role");
      if (role != "user" && role != "assistant" && role != "system" && role != "developer") {
        refusal = {"Invalid value for '" + at + ".role': expected one of user, assistant, system, developer.",
                   at + ".role"};
        return items;
      }
      const json::value* content = item.if_contains("content");
      if (!content || !(content->is_string() || content->is_array())) {
        refusal = {"Missing or invalid '" + at + ".content': expected a string or an array of content parts.",
                   at + ".content"};
        return items;
      }
      if (content->is_string()) {
        json::string text = content->get_string();
        item["content"] = json::array{
            json::object{{"type", role == "assistant" ? "output_text" : "input_text"}, {"text", std::move(text)}}};
      }
    } else if (type == "function_call") {
      if (str(item, "call_id").empty() || str(item, "name").empty() || !item.if_contains("arguments") ||
          !item.at("arguments").is_string()) {
        refusal = {"'" + at + "': a function_call item needs call_id, name and arguments (a string).", at};
        return items;
      }
    } else if (type == "function_call_output") {
      const json::value* output = item.if_contains("output");
      if (str(item, "call_id").empty() || !output || !(output->is_string() || output->is_array())) {
        refusal = {"'" + at + "': a function_call_output item needs call_id and output.", at};
        return items;
      }
    } else if (type.empty()) {
      refusal = {"Missing required parameter: '" + at + ".type'.", at + ".type"};
      return items;
    }
    if (!item.contains("id")) {
      const char* prefix = type == "message"         ? "msg_"
                           : type == "function_call" ? "fc_"
                           : type == "function_call_output" ? "fco_"
                                                            : "item_";
      item["id"] = item_id(prefix, id_seed, i);
    }
    items.push_back(std::move(item));
  }
  return items;
}

std::string response_id_of_item(std::string_view item_id) {
  const size_t underscore = item_id.find('_');
  if (underscore == std::string_view::npos) return {};
  std::string_view rest = item_id.substr(underscore + 1);
  constexpr size_t kUnique = 48, kIndex = 2;  // new_response_id's 48 hex digits, item_id's index
  if (rest.size() != kUnique + kIndex) return {};
  for (char c : rest)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return {};
  return "resp_" + std::string(rest.substr(0, kUnique));
}

json::object responses_to_chat_request(const json::object& req, const json::array& items, ResponsesRefusal& refusal) {
  json::object out;
  out["model"] = str(req, "model");
  json::array messages;
  if (auto* ins = req.if_contains("instructions"); ins && ins->is_string() && !ins->get_string().empty())
    messages.push_back(json::object{{"role", "system"}, {"content", *ins}});

  for (size_t i = 0; i < items.size(); ++i) {
    const std::string at = "input[" + std::to_string(i) + "]";
    const json::object& item = items[i].as_object();
    std::string_view type = str(item, "type");
    if (type == "message") {
      std::string_view role = str(item, "role");
      json::value content = chat_content(item.at("content"), role, at + ".content", refusal);
      if (refusal.refused()) return out;
      messages.push_back(json::object{{"role", role}, {"content", std::move(content)}});
    } else if (type == "function_call") {
      json::object call{{"id", str(item, "call_id")},
                        {"type", "function"},
                        {"function", json::object{{"name", str(item, "name")}, {"arguments", str(item, "arguments")}}}};
      json::object* assistant = open_assistant(messages);
      if (!assistant) {
        messages.push_back(json::object{{"role", "assistant"}, {"content", nullptr}});
        assistant = &messages.back().as_object();
      }
      json::value& calls = (*assistant)["tool_calls"];
      if (!calls.is_array()) calls = json::array{};
      calls.as_array().push_back(std::move(call));
    } else if (type == "function_call_output") {
      std::string text;
      if (!content_text(item.at("output"), text)) {
        refusal = {"'" + at + ".output': only text outputs can go to a target translated to chat completions.",
                   at + ".output"};
        return out;
      }
      messages.push_back(json::object{{"role", "tool"}, {"tool_call_id", str(item, "call_id")}, {"content", text}});
    } else if (type == "reasoning") {
      // The model's own earlier reasoning: only OpenAI can read it back
      // (encrypted); other families think afresh from the conversation.
      continue;
    } else {
      refusal = {"'" + at + "': items of type '" + std::string(type) +
                     "' can only go to an OpenAI target (this model's target is translated to chat completions).",
                 at + ".type"};
      return out;
    }
  }
  out["messages"] = std::move(messages);

  if (auto* tools = arr(req, "tools")) {
    json::array chat_tools;
    for (size_t i = 0; i < tools->size(); ++i) {
      const std::string at = "tools[" + std::to_string(i) + "]";
      if (!(*tools)[i].is_object()) {
        refusal = {"Invalid type for '" + at + "': expected an object.", at};
        return out;
      }
      const json::object& t = (*tools)[i].get_object();
      std::string_view type = str(t, "type");
      if (is_builtin_tool(type)) {
        refusal = {"'" + at + "': the tool type '" + std::string(type) +
                       "' is run by OpenAI and can only go to an OpenAI target.",
                   at + ".type"};
        return out;
      }
      json::object fn{{"name", str(t, "name")}};
      set_if(fn, t, "description", "description");
      set_if(fn, t, "parameters", "parameters");
      set_if(fn, t, "strict", "strict");
      chat_tools.push_back(json::object{{"type", "function"}, {"function", std::move(fn)}});
    }
    if (!chat_tools.empty()) out["tools"] = std::move(chat_tools);
  }
  if (auto* tc = req.if_contains("tool_choice"); tc && !tc->is_null()) {
    if (tc->is_string()) {
      out["tool_choice"] = *tc;
    } else if (tc->is_object() && str(tc->get_object(), "type") == "function") {
      out["tool_choice"] = json::object{{"type", "function"},
                                        {"function", json::object{{"name", str(tc->get_object(), "name")}}}};
    } else {
      refusal = {"'tool_choice': only auto, none, required or a function can go to a target translated to chat "
                 "completions.",
                 "tool_choice"};
      return out;
    }
  }
  set_if(out, req, "parallel_tool_calls", "parallel_tool_calls");
  set_if(out, req, "temperature", "temperature");
  set_if(out, req, "top_p", "top_p");
  set_if(out, req, "max_output_tokens", "max_completion_tokens");
  if (auto user = str(req, "user"); !user.empty()) out["user"] = user;
  else if (auto sid = str(req, "safety_identifier"); !sid.empty()) out["user"] = sid;

  if (const auto* text = obj(req, "text")) {
    if (const auto* format = obj(*text, "format")) {
      std::string_view type = str(*format, "type");
      if (type == "json_object") {
        out["response_format"] = json::object{{"type", "json_object"}};
      } else if (type == "json_schema") {
        json::object schema{{"name", str(*format, "name")}};
        set_if(schema, *format, "schema", "schema");
        set_if(schema, *format, "strict", "strict");
        set_if(schema, *format, "description", "description");
        out["response_format"] = json::object{{"type", "json_schema"}, {"json_schema", std::move(schema)}};
      } else if (type != "text" && !type.empty()) {
        refusal = {"Invalid value for 'text.format.type': '" + std::string(type) + "'.", "text.format.type"};
        return out;
      }
    }
    if (auto v = str(*text, "verbosity"); !v.empty() && v != "medium") out["verbosity"] = v;
  }
  if (const auto* reasoning = obj(req, "reasoning"))
    if (auto effort = str(*reasoning, "effort"); !effort.empty()) out["reasoning_effort"] = effort;

  // What only OpenAI's Responses API does.
  struct OpenAIOnly {
    const char* field;
    const char* why;
  };
  static constexpr OpenAIOnly kOnly[] = {
      {"background", "background responses"},
      {"conversation", "conversations (use previous_response_id)"},
      {"prompt", "stored prompts"},
      {"top_logprobs", "logprobs"},
      {"max_tool_calls", "a cap on built-in tool calls"},
  };
  for (const auto& o : kOnly) {
    const json::value* v = req.if_contains(o.field);
    if (!v || v->is_null() || (v->is_bool() && !v->get_bool())) continue;
    refusal = {std::string("'") + o.field + "': " + o.why +
                   " can only go to an OpenAI target (this model's target is translated to chat completions).",
               o.field};
    return out;
  }
  if (auto t = str(req, "truncation"); !t.empty() && t != "disabled") {
    refusal = {"'truncation': only 'disabled' can go to a target translated to chat completions.", "truncation"};
    return out;
  }
  if (auto* include = arr(req, "include"))
    for (const auto& v : *include)
      if (v.is_string() && v.get_string() == "message.output_text.logprobs") {
        refusal = {"'include': logprobs can only come from an OpenAI target.", "include"};
        return out;
      }

  if (auto* s = req.if_contains("stream"); s && s->is_bool() && s->get_bool()) {
    out["stream"] = true;
    // The completed event carries the usage: the canonical stream must report it.
    out["stream_options"] = json::object{{"include_usage", true}};
  }
  return out;
}

json::array responses_items_for_openai(const json::array& items) {
  json::array out;
  for (const auto& v : items) {
    json::object item = v.as_object();
    if (str(item, "type") == "reasoning") {
      // Without its encrypted content a reasoning item is only a reference
      // OpenAI may not hold (or another provider's summary): left out.
      if (str(item, "encrypted_content").empty()) continue;
      out.push_back(std::move(item));
      continue;
    }
    item.erase("id");
    item.erase("status");
    out.push_back(std::move(item));
  }
  return out;
}

namespace {

json::object responses_usage(const json::object* chat_usage) {
  const int64_t in = integer(chat_usage, "prompt_tokens"), out = integer(chat_usage, "completion_tokens");
  const int64_t cached = integer(obj(chat_usage, "prompt_tokens_details"), "cached_tokens");
  const int64_t reasoning = integer(obj(chat_usage, "completion_tokens_details"), "reasoning_tokens");
  return json::object{{"input_tokens", in},
                      {"input_tokens_details", json::object{{"cached_tokens", cached}}},
                      {"output_tokens", out},
                      {"output_tokens_details", json::object{{"reasoning_tokens", reasoning}}},
                      {"total_tokens", in + out}};
}

// The Response's fields that echo its request, and its identity.
json::object response_shell(const ResponseIdentity& who, std::string_view model, std::string_view status) {
  static const json::object kEmpty;
  const json::object& req = who.request ? *who.request : kEmpty;
  auto echo = [&](std::string_view key, json::value fallback) {
    const json::value* v = req.if_contains(key);
    return v && !v->is_null() ? *v : fallback;
  };
  json::object r{{"id", who.id}, {"object", "response"}, {"created_at", who.created_at}, {"status", status}};
  r["background"] = false;
  r["error"] = nullptr;
  r["incomplete_details"] = nullptr;
  r["instructions"] = echo("instructions", nullptr);
  r["max_output_tokens"] = echo("max_output_tokens", nullptr);
  r["metadata"] = echo("metadata", json::object{});
  r["model"] = model.empty() ? str(req, "model") : model;
  r["output"] = json::array{};
  r["parallel_tool_calls"] = echo("parallel_tool_calls", true);
  r["previous_response_id"] = echo("previous_response_id", nullptr);
  json::object reasoning{{"effort", nullptr}, {"summary", nullptr}};
  if (const auto* asked = obj(req, "reasoning"))
    for (const auto& [k, v] : *asked) reasoning[k] = v;
  r["reasoning"] = std::move(reasoning);
  r["store"] = echo("store", true);
  r["temperature"] = echo("temperature", 1);
  json::object text{{"format", json::object{{"type", "text"}}}};
  if (const auto* asked = obj(req, "text"))
    for (const auto& [k, v] : *asked) text[k] = v;
  r["text"] = std::move(text);
  r["tool_choice"] = echo("tool_choice", "auto");
  r["tools"] = echo("tools", json::array{});
  r["top_p"] = echo("top_p", 1);
  r["truncation"] = echo("truncation", "disabled");
  r["usage"] = nullptr;
  r["user"] = echo("user", nullptr);
  return r;
}

void set_outcome(json::object& r, std::string_view finish_reason) {
  if (finish_reason == "length") {
    r["status"] = "incomplete";
    r["incomplete_details"] = json::object{{"reason", "max_output_tokens"}};
  } else if (finish_reason == "content_filter") {
    r["status"] = "incomplete";
    r["incomplete_details"] = json::object{{"reason", "content_filter"}};
  }
}

json::object message_item(std::string id, std::string_view text, bool refusal, std::string_view status) {
  json::object part = refusal ? json::object{{"type", "refusal"}, {"refusal", text}}
                              : json::object{{"type", "output_text"}, {"text", text}, {"annotations", json::array{}}};
  return json::object{{"id", std::move(id)},
                      {"type", "message"},
                      {"status", status},
                      {"role", "assistant"},
                      {"content", json::array{std::move(part)}}};
}

json::object reasoning_item(std::string id, std::string_view text) {
  json::array summary;
  if (!text.empty()) summary.push_back(json::object{{"type", "summary_text"}, {"text", text}});
  return json::object{{"id", std::move(id)}, {"type", "reasoning"}, {"summary", std::move(summary)}};
}

json::object function_item(std::string id, std::string_view call_id, std::string_view name,
                           std::string_view arguments, std::string_view status) {
  return json::object{{"id", std::move(id)}, {"type", "function_call"}, {"status", status},
                      {"arguments", arguments}, {"call_id", call_id}, {"name", name}};
}

// The id's unique part (after "resp_"), which item ids share.
std::string_view id_seed(const std::string& response_id) {
  return std::string_view(response_id).substr(response_id.starts_with("resp_") ? 5 : 0);
}

}  // namespace

json::object chat_to_response(const json::object& chat, const ResponseIdentity& who) {
  json::object r = response_shell(who, str(chat, "model"), "completed");
  json::array output;
  const std::string_view seed = id_seed(who.id);
  std::string_view finish_reason;
  if (auto* choices = arr(chat, "choices"); choices && !choices->empty() && (*choices)[0].is_object()) {
    const json::object& choice = (*choices)[0].get_object();
    finish_reason = str(choice, "finish_reason");
    if (const auto* m = obj(choice, "message")) {
      std::string_view reasoning = str(*m, "reasoning_content");
      if (reasoning.empty()) reasoning = str(*m, "reasoning");
      if (!reasoning.empty()) output.push_back(reasoning_item(item_id("rs_", seed, output.size()), reasoning));
      if (auto refusal = str(*m, "refusal"); !refusal.empty())
        output.push_back(message_item(item_id("msg_", seed, output.size()), refusal, true, "completed"));
      else if (auto text = str(*m, "content"); !text.empty())
        output.push_back(message_item(item_id("msg_", seed, output.size()), text, false, "completed"));
      if (auto* calls = arr(*m, "tool_calls"))
        for (const auto& cv : *calls) {
          if (!cv.is_object()) continue;
          const auto* fn = obj(cv.get_object(), "function");
          std::string_view args = fn ? str(*fn, "arguments") : "";
          output.push_back(function_item(item_id("fc_", seed, output.size()), str(cv.get_object(), "id"),
                                         fn ? str(*fn, "name") : "", args.empty() ? "{}" : args, "completed"));
        }
    }
  }
  r["output"] = std::move(output);
  set_outcome(r, finish_reason);
  r["usage"] = responses_usage(obj(chat, "usage"));
  return r;
}

std::string responses_error_event(const ApiError& e, int64_t sequence_number) {
  json::object data{{"type", "error"},
                    {"code", e.code.empty() ? json::value(nullptr) : json::value(e.code)},
                    {"message", e.message},
                    {"param", e.param.empty() ? json::value(nullptr) : json::value(e.param)},
                    {"sequence_number", sequence_number}};
  return "event: error\ndata: " + json::serialize(data) + "\n\n";
}

void ChatToResponsesStream::emit(std::string_view type, json::object data, std::string& out) {
  json::object event{{"type", type}};
  for (auto& [k, v] : data) event[k] = std::move(v);
  event["sequence_number"] = sequence_++;
  out += "event: ";
  out += type;
  out += "\ndata: ";
  out += json::serialize(event);
  out += "\n\n";
}

json::object ChatToResponsesStream::response(std::string_view status) const {
  json::object r = response_shell(who_, model_, status);
  json::array output;
  for (const auto& item : items_) output.push_back(item_json(item, true));
  r["output"] = std::move(output);
  return r;
}

void ChatToResponsesStream::start(std::string& out) {
  if (started_) return;
  started_ = true;
  emit("response.created", json::object{{"response", response("in_progress")}}, out);
  emit("response.in_progress", json::object{{"response", response("in_progress")}}, out);
}

json::object ChatToResponsesStream::item_json(const Item& item, bool done) const {
  const char* status = done ? "completed" : "in_progress";
  if (item.kind == "function_call")
    return function_item(item.id, item.call_id, item.name, done && item.text.empty() ? "{}" : item.text, status);
  if (item.kind == "reasoning") return reasoning_item(item.id, done ? std::string_view(item.text) : "");
  if (!done)
    return json::object{{"id", item.id}, {"type", "message"}, {"status", status}, {"role", "assistant"},
                        {"content", json::array{}}};
  return message_item(item.id, item.text, item.refusal, status);
}

ChatToResponsesStream::Item& ChatToResponsesStream::open_item(std::string_view kind, std::string& out,
                                                              int tool_index, std::string_view call_id,
                                                              std::string_view name) {
  if (open_ >= 0) {
    Item& current = items_[size_t(open_)];
    if (current.kind == kind && current.tool_index == tool_index) return current;
    close_item(out);
  }
  const std::string_view seed = id_seed(who_.id);
  Item item;
  item.kind = std::string(kind);
  item.tool_index = tool_index;
  item.call_id = std::string(call_id);
  item.name = std::string(name);
  item.id = item_id(kind == "message" ? "msg_" : kind == "reasoning" ? "rs_" : "fc_", seed, items_.size());
  items_.push_back(std::move(item));
  open_ = int(items_.size() - 1);
  const int64_t index = open_;
  Item& added = items_.back();
  emit("response.output_item.added", json::object{{"output_index", index}, {"item", item_json(added, false)}}, out);
  if (kind == "message")
    emit("response.content_part.added",
         json::object{{"item_id", added.id},
                      {"output_index", index},
                      {"content_index", 0},
                      {"part", json::object{{"type", "output_text"}, {"text", ""}, {"annotations", json::array{}}}}},
         out);
  else if (kind == "reasoning")
    emit("response.reasoning_summary_part.added",
         json::object{{"item_id", added.id},
                      {"output_index", index},
                      {"summary_index", 0},
                      {"part", json::object{{"type", "summary_text"}, {"text", ""}}}},
         out);
  return items_.back();
}

void ChatToResponsesStream::close_item(std::string& out) {
  if (open_ < 0) return;
  const Item& item = items_[size_t(open_)];
  const int64_t index = open_;
  open_ = -1;
  if (item.kind == "message") {
    json::object part = item_json(item, true).at("content").as_array()[0].as_object();
    if (!item.refusal)
      emit("response.output_text.done",
           json::object{{"item_id", item.id}, {"output_index", index}, {"content_index", 0}, {"text", item.text}}, out);
    emit("response.content_part.done",
         json::object{{"item_id", item.id}, {"output_index", index}, {"content_index", 0}, {"part", std::move(part)}},
         out);
  } else if (item.kind == "reasoning") {
    emit("response.reasoning_summary_text.done",
         json::object{{"item_id", item.id}, {"output_index", index}, {"summary_index", 0}, {"text", item.text}}, out);
    emit("response.reasoning_summary_part.done",
         json::object{{"item_id", item.id},
                      {"output_index", index},
                      {"summary_index", 0},
                      {"part", json::object{{"type", "summary_text"}, {"text", item.text}}}},
         out);
  } else {
    emit("response.function_call_arguments.done",
         json::object{{"item_id", item.id}, {"output_index", index}, {"arguments", item.text.empty() ? "{}" : item.text}},
         out);
  }
  emit("response.output_item.done", json::object{{"output_index", index}, {"item", item_json(item, true)}}, out);
}

void ChatToResponsesStream::feed(std::string_view data, std::string& out) {
  if (finished_) return;
  start(out);
  if (data == "[DONE]") {
    finish(out);
    return;
  }
  json::error_code ec;
  json::value v = json::parse(data, ec);
  if (ec || !v.is_object()) return;
  const json::object& chunk = v.get_object();
  if (auto m = str(chunk, "model"); !m.empty()) model_ = m;
  if (const auto* u = obj(chunk, "usage")) usage_ = responses_usage(u);
  const auto* choices = arr(chunk, "choices");
  if (!choices || choices->empty() || !(*choices)[0].is_object()) return;
  const json::object& choice = (*choices)[0].get_object();
  if (auto f = str(choice, "finish_reason"); !f.empty()) finish_reason_ = f;
  const auto* delta = obj(choice, "delta");
  if (!delta) return;
  std::string_view reasoning = str(*delta, "reasoning_content");
  if (reasoning.empty()) reasoning = str(*delta, "reasoning");
  if (!reasoning.empty()) {
    Item& item = open_item("reasoning", out);
    item.text += reasoning;
    emit("response.reasoning_summary_text.delta",
         json::object{{"item_id", item.id}, {"output_index", open_}, {"summary_index", 0}, {"delta", reasoning}}, out);
  }
  std::string_view text = str(*delta, "content");
  bool refusal = false;
  if (auto r = str(*delta, "refusal"); !r.empty()) {
    text = r;
    refusal = true;
  }
  if (!text.empty()) {
    Item& item = open_item("message", out);
    item.text += text;
    if (refusal) {
      item.refusal = true;
      emit("response.refusal.delta",
           json::object{{"item_id", item.id}, {"output_index", open_}, {"content_index", 0}, {"delta", text}}, out);
    } else {
      emit("response.output_text.delta",
           json::object{{"item_id", item.id},
                        {"output_index", open_},
                        {"content_index", 0},
                        {"delta", text},
                        {"logprobs", json::array{}}},
           out);
    }
  }
  if (const auto* calls = arr(*delta, "tool_calls")) {
    for (const auto& cv : *calls) {
      if (!cv.is_object()) continue;
      const json::object& call = cv.get_object();
      const int index = int(integer(call, "index"));
      const auto* fn = obj(call, "function");
      // A call's first delta carries its id and name: the item opens with them.
      Item& item = open_item("function_call", out, index, str(call, "id"), fn ? str(*fn, "name") : "");
      std::string_view args = fn ? str(*fn, "arguments") : "";
      if (args.empty()) continue;
      item.text += args;
      emit("response.function_call_arguments.delta",
           json::object{{"item_id", item.id}, {"output_index", open_}, {"delta", args}}, out);
    }
  }
}

void ChatToResponsesStream::finish(std::string& out) {
  if (finished_) return;
  start(out);
  close_item(out);
  finished_ = true;
  json::object r = response("completed");
  set_outcome(r, finish_reason_);
  if (!usage_.empty()) r["usage"] = usage_;
  const std::string status(r.at("status").as_string());
  emit(status == "completed" ? "response.completed" : "response.incomplete", json::object{{"response", std::move(r)}},
       out);
}

void ChatToResponsesStream::fail(const ApiError& e, std::string& out) {
  if (finished_) return;
  finished_ = true;
  out += responses_error_event(e, sequence_++);
  json::object r = response("failed");
  r["error"] = json::object{{"code", e.code.empty() ? std::string("server_error") : e.code}, {"message", e.message}};
  emit("response.failed", json::object{{"response", std::move(r)}}, out);
}

}  // namespace torii::llm
