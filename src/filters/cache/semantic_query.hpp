#pragma once
// What the semantic cache embeds of a request, and what it compares within:
// the text of the last user turn is embedded; everything else (system
// prompt, earlier turns, tools, parameters) is the request's context, and
// only requests with the same context are ever compared.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

namespace torii::filters::cache {

struct SemanticQuery {
  std::string text;     // embedded
  std::string context;  // canonical text of the request without that text
};

// Nothing when the request is not looked up semantically: its last turn is
// not a user's text (an image, an assistant prefill), or it carries tool
// results and `tool_results` is off (agent traffic, where a near match is
// a wrong answer).
std::optional<SemanticQuery> semantic_query(const boost::json::object& body, bool anthropic, bool tool_results);

// The body of the embeddings request for `text`.
std::string embeddings_request(std::string_view model, std::string_view text);
// The first vector of an OpenAI embeddings answer; empty when there is none.
std::vector<float> first_embedding(std::string_view answer);

}  // namespace torii::filters::cache
