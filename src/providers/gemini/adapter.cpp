#include "providers/gemini/adapter.hpp"

#include <boost/json.hpp>

#include "http/sse.hpp"
#include "llm/gemini_format.hpp"
#include "llm/json_get.hpp"
#include "providers/translated.hpp"

namespace torii::providers {

namespace json = boost::json;

namespace {

bool mentions(const std::string& text, std::string_view what) { return text.find(what) != std::string::npos; }

// Google's status names become the codes and statuses OpenAI clients act on.
void adjust_gemini_error(ApiError& e) {
  // An unknown key is a 400 INVALID_ARGUMENT at Google, a missing one a 403.
  bool bad_key = e.status == 401 || mentions(e.message, "API key not valid") || mentions(e.message, "API_KEY_INVALID") ||
                 (e.status == 403 && (mentions(e.message, "API key") || mentions(e.message, "unregistered callers")));
  if (bad_key) {
    e.status = 401;
    e.code = "invalid_api_key";
  } else if (e.status == 429) {
    e.code = "rate_limit_exceeded";
  } else if (e.status == 400 && (mentions(e.message, "exceeds the maximum number of tokens") ||
                                 mentions(e.message, "input token count") || mentions(e.message, "token limit"))) {
    e.code = "context_length_exceeded";
  }
}

}  // namespace

boost::asio::awaitable<AttemptOutcome> prepare_gemini(http::UpstreamClient& client, const AttemptRequest& req) {
  Translation tr;
  if (req.endpoint == Endpoint::embeddings) {
    auto base64 = std::make_shared<bool>(false);
    tr.encode = [&req, base64](const json::object& openai, std::string& error) {
      *base64 = llm::get::str(openai, "encoding_format") == "base64";
      return json::serialize(llm::openai_to_gemini_embeddings(openai, req.model, error));
    };
    tr.decode = [&req, base64](const json::object& answer) {
      return json::serialize(llm::gemini_to_openai_embeddings(answer, req.model, *base64));
    };
  } else {
    // The stream ends (and says [DONE]) once every requested candidate has.
    auto candidates = std::make_shared<int64_t>(1);
    tr.encode = [candidates](const json::object& openai, std::string& error) {
      *candidates = std::max<int64_t>(1, llm::get::integer(openai, "n"));
      return json::serialize(llm::openai_to_gemini_request(openai, error));
    };
    tr.decode = [&req](const json::object& answer) {
      return json::serialize(llm::gemini_to_openai_response(answer, req.model));
    };
    tr.stream = [&req, candidates](bool include_usage) {
      return converter_events(std::make_shared<llm::GeminiToOpenAIStream>(req.model, include_usage, *candidates));
    };
    tr.refusal = [](const json::object& answer, ApiError& error) {
      std::string message;
      if (!llm::gemini_prompt_blocked(answer, message)) return false;
      error = make_error(400, std::move(message), "content_policy_violation");
      return true;
    };
  }
  tr.adjust_error = adjust_gemini_error;
  co_return co_await prepare_translated(client, req, tr);
}

}  // namespace torii::providers
