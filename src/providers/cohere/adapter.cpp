#include "providers/cohere/adapter.hpp"

#include <boost/json.hpp>

#include "http/sse.hpp"
#include "llm/cohere_format.hpp"
#include "providers/translated.hpp"

namespace torii::providers {

namespace json = boost::json;

boost::asio::awaitable<AttemptOutcome> prepare_cohere(http::UpstreamClient& client, const AttemptRequest& req) {
  Translation tr;
  tr.encode = [&req](const json::object& openai, std::string& error) {
    return json::serialize(llm::openai_to_cohere_request(openai, req.model, error));
  };
  tr.decode = [&req](const json::object& answer) {
    return json::serialize(llm::cohere_to_openai_response(answer, req.model));
  };
  tr.stream = [&req](bool include_usage) {
    return converter_events(std::make_shared<llm::CohereToOpenAIStream>(req.model, include_usage));
  };
  tr.refusal = [](const json::object& answer, ApiError& error) {
    std::string message;
    if (!llm::cohere_answer_failed(answer, message)) return false;
    error = make_error(502, std::move(message), "upstream_error");
    return true;
  };
  tr.adjust_error = [](ApiError& e) {
    // Cohere says "too many tokens" where OpenAI clients look for a code.
    if (e.status == 400 && (e.message.find("too many tokens") != std::string::npos ||
                            e.message.find("context length") != std::string::npos))
      e.code = "context_length_exceeded";
  };
  co_return co_await prepare_translated(client, req, tr);
}

}  // namespace torii::providers
