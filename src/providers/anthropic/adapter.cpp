#include "providers/anthropic/adapter.hpp"

#include <boost/json.hpp>

#include "http/sse.hpp"
#include "llm/anthropic_format.hpp"
#include "providers/translated.hpp"

namespace torii::providers {

namespace json = boost::json;

boost::asio::awaitable<AttemptOutcome> prepare_anthropic(http::UpstreamClient& client, const AttemptRequest& req) {
  Translation tr;
  tr.native = req.native;
  tr.encode = [&req](const json::object& openai, std::string& error) {
    int max_tokens = req.default_max_tokens > 0 ? req.default_max_tokens : kAnthropicDefaultMaxTokens;
    return json::serialize(llm::openai_to_anthropic_request(openai, req.model, max_tokens, error));
  };
  tr.decode = [&req](const json::object& message) {
    return json::serialize(llm::anthropic_to_openai_response(message, req.model));
  };
  tr.stream = [&req](bool include_usage) {
    return converter_events(std::make_shared<llm::AnthropicToOpenAIStream>(req.model, include_usage));
  };
  if (req.native) tr.native_events = anthropic_passthrough_events();
  // Anthropic's own 529 "overloaded" has no OpenAI counterpart; OpenAI
  // clients understand 503. Anthropic clients get it unchanged.
  tr.adjust_error = [native = req.native](ApiError& e) {
    if (e.status == 529 && !native) e.status = 503;
  };
  if (!req.forward_headers.find("anthropic-version")) tr.headers.add("anthropic-version", kAnthropicVersion);
  for (const auto& h : req.forward_headers) tr.headers.add(h.name, h.value);
  co_return co_await prepare_translated(client, req, tr);
}

}  // namespace torii::providers
