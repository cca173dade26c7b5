#pragma once
// A canonical (OpenAI chat) request sent on toward every translated family,
// as providers/translated.cpp does with a parsed body: Anthropic Messages,
// Gemini generateContent, Cohere v2 chat and Bedrock Converse (for a Claude
// model id and for another, since reasoning_effort depends on it).
//
// Checked for each: nothing thrown; the body serialises to valid JSON; and
// unless the translator refused the request (error set), the body has the
// shape the family requires: turns that alternate roles, each with content
// (Anthropic, Gemini and Converse reject anything else), and a positive
// output cap toward the families where the translator sets its own
// (Anthropic's max_tokens, Gemini's maxOutputTokens; Cohere and Converse get
// the client's value as it is).
#include "fuzz.hpp"
#include "llm/anthropic_format.hpp"
#include "llm/bedrock_format.hpp"
#include "llm/cohere_format.hpp"
#include "llm/gemini_format.hpp"
#include "llm/json_get.hpp"

namespace fuzz {

// `body[key]` is a list of turns whose roles alternate between `a` and `b`,
// each with a non-empty `content_key` array.
inline void check_turns(const boost::json::object& body, std::string_view key, std::string_view content_key,
                        std::string_view a, std::string_view b) {
  const boost::json::value* turns = body.if_contains(key);
  FUZZ_CHECK(turns && turns->is_array());
  std::string_view previous;
  for (const auto& t : turns->get_array()) {
    FUZZ_CHECK(t.is_object());
    std::string_view role = torii::llm::get::str(t.get_object(), "role");
    FUZZ_CHECK(role == a || role == b);
    FUZZ_CHECK(role != previous);
    previous = role;
    const boost::json::value* content = t.get_object().if_contains(content_key);
    FUZZ_CHECK(content && content->is_array() && !content->get_array().empty());
  }
}

// A positive integer at `o[key]`, if there is one at all.
inline void check_cap(const boost::json::object* o, std::string_view key) {
  if (!o) return;
  const boost::json::value* v = o->if_contains(key);
  if (!v) return;
  FUZZ_CHECK(v->is_int64() && v->get_int64() > 0);
}

inline void to_every_family(const boost::json::object& openai) {
  namespace llm = torii::llm;
  using llm::get::obj;
  {
    std::string error;
    auto out = must_not_throw("openai_to_anthropic_request",
                              [&] { return llm::openai_to_anthropic_request(openai, "fuzz-model", 4096, error); });
    (void)serialized(out);
    if (error.empty()) {
      check_turns(out, "messages", "content", "user", "assistant");
      FUZZ_CHECK(llm::get::str(out, "model") == "fuzz-model");
      FUZZ_CHECK(out.contains("max_tokens"));
      check_cap(&out, "max_tokens");
    }
  }
  {
    std::string error;
    auto out = must_not_throw("openai_to_gemini_request", [&] { return llm::openai_to_gemini_request(openai, error); });
    (void)serialized(out);
    if (error.empty()) {
      check_turns(out, "contents", "parts", "user", "model");
      check_cap(obj(out, "generationConfig"), "maxOutputTokens");
    }
  }
  {
    std::string error;
    auto out = must_not_throw("openai_to_cohere_request",
                              [&] { return llm::openai_to_cohere_request(openai, "fuzz-model", error); });
    (void)serialized(out);
    if (error.empty()) {
      const boost::json::value* messages = out.if_contains("messages");
      FUZZ_CHECK(messages && messages->is_array());
    }
  }
  for (std::string_view model_id : {"anthropic.claude-sonnet-4", "amazon.nova-pro-v1:0"}) {
    std::string error;
    auto out = must_not_throw("openai_to_converse_request",
                              [&] { return llm::openai_to_converse_request(openai, error, model_id); });
    (void)serialized(out);
    const std::string tool =
        must_not_throw("converse_structured_tool", [&] { return llm::converse_structured_tool(openai); });
    if (error.empty()) {
      check_turns(out, "messages", "content", "user", "assistant");
      // Structured output is asked for as the one forced tool.
      if (!tool.empty()) {
        const auto* choice = obj(obj(obj(out, "toolConfig"), "toolChoice"), "tool");
        FUZZ_CHECK(choice && llm::get::str(*choice, "name") == tool);
      }
    }
  }
}

}  // namespace fuzz
