// Gemini's countTokens: the prompt goes as the generateContentRequest it
// would be answered from (contents, systemInstruction, tools, config), so
// the count is the one generateContent would bill.
#include <boost/json.hpp>

#include "llm/gemini_format.hpp"
#include "http/percent.hpp"
#include "llm/json_dom.hpp"
#include "providers/gemini/adapter.hpp"
#include "providers/provider.hpp"

namespace torii::providers {

namespace json = boost::json;

namespace {

bool gemini_count_request(const Provider& p, std::string_view model, const json::object& chat, std::string& body,
                          http::UpstreamRequest& up, std::string& error) {
  json::object generate = llm::openai_to_gemini_request(chat, error);
  if (!error.empty()) return false;
  generate["model"] = "models/" + std::string(model);
  body = json::serialize(json::object{{"generateContentRequest", std::move(generate)}});
  up.target = p.origin.path + "/v1beta/models/" + http::percent_encode(model) + ":countTokens";
  return true;
}

std::optional<int64_t> gemini_count_read(std::string_view answer) { return count_field(answer, "totalTokens"); }

}  // namespace

const TokenCounter gemini_token_counter{gemini_count_request, gemini_count_read};

}  // namespace torii::providers
