// Bedrock's CountTokens (POST /model/{id}/count-tokens): the prompt goes as
// the Converse request it would be answered from, so the count is the one
// Converse would bill. Only some models count (Claude on Bedrock does; Nova
// and inference profiles answer a ValidationException), and then the
// surface falls back to its estimate.
#include <boost/json.hpp>

#include "llm/bedrock_format.hpp"
#include "http/percent.hpp"
#include "llm/json_dom.hpp"
#include "providers/bedrock/adapter.hpp"
#include "providers/bedrock/common.hpp"
#include "providers/provider.hpp"

namespace torii::providers {

namespace json = boost::json;

namespace {

bool bedrock_count_request(const Provider& p, std::string_view model, const json::object& chat, std::string& body,
                           http::UpstreamRequest& up, std::string& error) {
  json::object converse = llm::openai_to_converse_request(chat, error, model);
  if (!error.empty()) return false;
  // ConverseTokensRequest takes these members of a Converse request (and no
  // inferenceConfig).
  json::object counted;
  for (const char* k : {"messages", "system", "toolConfig", "additionalModelRequestFields"})
    if (auto* v = converse.if_contains(k)) counted[k] = std::move(*v);
  body = json::serialize(json::object{{"input", json::object{{"converse", std::move(counted)}}}});
  up.target = p.origin.path + "/model/" + http::percent_encode(model) + "/count-tokens";
  sign_bedrock_request(p, up, body);
  return true;
}

std::optional<int64_t> bedrock_count_read(std::string_view answer) { return count_field(answer, "inputTokens"); }

}  // namespace

const TokenCounter bedrock_token_counter{bedrock_count_request, bedrock_count_read};

}  // namespace torii::providers
