#pragma once
// Where the texts are in a request and in an answer, as mutable strings of
// its DOM, so that a rule can check each and a redaction can rewrite it in
// place: every text a provider would see (all content parts, the system
// prompt, tool results, tool-call arguments, tool_use inputs) and every
// text an answer carries.
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

namespace torii::filters::guardrails {

struct Text {
  boost::json::string* value;
  bool from_user;  // a user's or a tool's content (prompt-injection rules look at these)
};

struct InputTexts {
  std::vector<Text> texts;
  size_t messages = 0;
};

// `anthropic`: a Messages API body; else an OpenAI chat, completions or
// embeddings body.
void input_texts(boost::json::object& body, bool anthropic, InputTexts& out);
void output_texts(boost::json::object& answer, bool anthropic, std::vector<boost::json::string*>& out);

}  // namespace torii::filters::guardrails
