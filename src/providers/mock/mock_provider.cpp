#include "providers/mock/mock_provider.hpp"

#include <boost/json/parse.hpp>

#include "providers/mock/mock_llm.hpp"

namespace torii::providers {

boost::asio::awaitable<void> serve_mock(Exchange& ex, std::string_view model, Endpoint endpoint,
                                        std::string_view body, bool stream) {
  boost::json::error_code ec;
  auto value = boost::json::parse(body, ec);
  if (ec || !value.is_object()) {
    co_await send_error(ex, make_error(400, "request body must be a JSON object"));
    co_return;
  }
  const auto& req = value.get_object();

  mock::Answer answer;
  mock::StreamAnswer streamed;
  bool streaming = stream && endpoint != Endpoint::embeddings;
  switch (endpoint) {
    case Endpoint::chat:
      if (streaming) streamed = mock::chat_completion_stream(req, model);
      else answer = mock::chat_completion(req, model);
      break;
    case Endpoint::completions:
      if (streaming) streamed = mock::completion_stream(req, model);
      else answer = mock::completion(req, model);
      break;
    case Endpoint::embeddings:
      answer = mock::embeddings(req, model);
      break;
  }
  if (streaming) answer = streamed.error;
  if (answer.status != 200) {
    co_await send_error(ex, normalise_upstream_error(answer.status, answer.body));
    co_return;
  }
  if (!streaming) {
    http::Response r;
    r.headers = std::move(ex.response_headers);
    r.body = std::move(answer.body);
    co_await ex.out.send(std::move(r));
    co_return;
  }
  if (!co_await ex.out.begin_stream(200, std::move(ex.response_headers), "text/event-stream")) co_return;
  for (const auto& event : streamed.events)
    if (!co_await ex.out.write_chunk(event)) co_return;
}

}  // namespace torii::providers
