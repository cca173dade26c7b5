#include "filters/guardrails/texts.hpp"

#include <boost/json.hpp>

namespace torii::filters::guardrails {

namespace json = boost::json;

namespace {

json::string* string_at(json::object& o, std::string_view key) {
  json::value* v = o.if_contains(key);
  return v && v->is_string() ? &v->get_string() : nullptr;
}

// Every string inside a JSON value (a tool_use input), keys excluded.
void strings_in(json::value& v, bool from_user, std::vector<Text>& out) {
  if (v.is_string()) out.push_back({&v.get_string(), from_user});
  else if (v.is_array())
    for (auto& e : v.get_array()) strings_in(e, from_user, out);
  else if (v.is_object())
    for (auto& kv : v.get_object()) strings_in(kv.value(), from_user, out);
}

// OpenAI content: a string, or parts with text.
void openai_content(json::value& content, bool from_user, std::vector<Text>& out) {
  if (content.is_string()) {
    out.push_back({&content.get_string(), from_user});
    return;
  }
  if (!content.is_array()) return;
  for (auto& part : content.get_array())
    if (part.is_object())
      if (json::string* t = string_at(part.get_object(), "text")) out.push_back({t, from_user});
}

// Anthropic content: a string, or blocks (text, tool_result with its own
// content, tool_use with its input).
void anthropic_content(json::value& content, bool from_user, std::vector<Text>& out) {
  if (content.is_string()) {
    out.push_back({&content.get_string(), from_user});
    return;
  }
  if (!content.is_array()) return;
  for (auto& block : content.get_array()) {
    if (!block.is_object()) continue;
    json::object& b = block.get_object();
    if (json::string* t = string_at(b, "text")) out.push_back({t, from_user});
    if (json::string* t = string_at(b, "thinking")) out.push_back({t, false});
    if (json::value* c = b.if_contains("content")) anthropic_content(*c, true, out);  // tool_result
    if (json::value* in = b.if_contains("input")) strings_in(*in, false, out);      // tool_use
  }
}

}  // namespace

void input_texts(json::object& body, bool anthropic, InputTexts& out) {
  if (anthropic) {
    if (json::value* system = body.if_contains("system")) anthropic_content(*system, false, out.texts);
  } else {
    // Embeddings and legacy completions: the input or prompt, string or list of strings.
    for (const char* key : {"input", "prompt"})
      if (json::value* v = body.if_contains(key)) {
        if (v->is_string()) out.texts.push_back({&v->get_string(), true});
        else if (v->is_array())
          for (auto& e : v->get_array())
            if (e.is_string()) out.texts.push_back({&e.get_string(), true});
      }
  }
  json::value* messages = body.if_contains("messages");
  if (!messages || !messages->is_array()) return;
  out.messages = messages->get_array().size();
  for (auto& mv : messages->get_array()) {
    if (!mv.is_object()) continue;
    json::object& m = mv.get_object();
    const json::value* role = m.if_contains("role");
    const std::string_view r = role && role->is_string() ? std::string_view(role->get_string()) : "";
    const bool from_user = r == "user" || r == "tool" || r == "function";
    json::value* content = m.if_contains("content");
    if (anthropic) {
      if (content) anthropic_content(*content, from_user, out.texts);
      continue;
    }
    if (content) openai_content(*content, from_user, out.texts);
    if (json::value* calls = m.if_contains("tool_calls"); calls && calls->is_array())
      for (auto& call : calls->get_array())
        if (call.is_object())
          if (json::value* fn = call.get_object().if_contains("function"); fn && fn->is_object())
            if (json::string* args = string_at(fn->get_object(), "arguments")) out.texts.push_back({args, false});
  }
}

void output_texts(json::object& answer, bool anthropic, std::vector<json::string*>& out) {
  std::vector<Text> texts;
  if (anthropic) {
    if (json::value* content = answer.if_contains("content")) anthropic_content(*content, false, texts);
  } else if (json::value* choices = answer.if_contains("choices"); choices && choices->is_array()) {
    for (auto& cv : choices->get_array()) {
      if (!cv.is_object()) continue;
      json::object& c = cv.get_object();
      if (json::string* t = string_at(c, "text")) texts.push_back({t, false});  // legacy completions
      json::value* mv = c.if_contains("message");
      if (!mv || !mv->is_object()) continue;
      json::object& m = mv->get_object();
      for (const char* k : {"content", "refusal", "reasoning_content"})
        if (json::value* v = m.if_contains(k)) openai_content(*v, false, texts);
      if (json::value* calls = m.if_contains("tool_calls"); calls && calls->is_array())
        for (auto& call : calls->get_array())
          if (call.is_object())
            if (json::value* fn = call.get_object().if_contains("function"); fn && fn->is_object())
              if (json::string* args = string_at(fn->get_object(), "arguments")) texts.push_back({args, false});
    }
  }
  for (const auto& t : texts) out.push_back(t.value);
}

}  // namespace torii::filters::guardrails
