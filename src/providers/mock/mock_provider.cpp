#include "providers/mock/mock_provider.hpp"

#include <boost/json/parse.hpp>

#include "llm/json_dom.hpp"
#include "providers/mock/mock_llm.hpp"

namespace torii::providers {

namespace {

class MockAnswer final : public PreparedAnswer {
 public:
  MockAnswer(std::string body, std::vector<std::string> events, bool stream)
      : body_(std::move(body)), events_(std::move(events)), stream_(stream) {}

  boost::asio::awaitable<void> deliver(Exchange& ex) override {
    if (!stream_) {
      http::Response r;
      r.headers = std::move(ex.response_headers);
      if (ex.translator) {
        r.content_type = ex.translator->content_type();
        r.body = ex.translator->body(body_);
      } else {
        r.body = std::move(body_);
      }
      co_await ex.out.send(std::move(r));
      co_return;
    }
    // GCC 12 miscompiles co_await inside a condition when the operand makes
    // temporaries: results go through locals.
    bool open = co_await ex.out.begin_stream(200, std::move(ex.response_headers), "text/event-stream");
    if (!open) co_return;
    for (const auto& event : events_) {
      std::string bytes = ex.translator ? ex.translator->events(event) : event;
      bool written = co_await ex.out.write_chunk(bytes);
      if (!written) co_return;
    }
    if (ex.translator) {
      std::string tail = ex.translator->finish();
      co_await ex.out.write_chunk(tail);
    }
  }
  void cancel() override {}

 private:
  std::string body_;
  std::vector<std::string> events_;
  bool stream_;
};

}  // namespace

AttemptOutcome prepare_mock(const AttemptRequest& request) {
  AttemptOutcome out;
  boost::json::error_code ec;
  auto value = llm::parse_json(*request.body, ec);
  if (ec || !value.is_object()) {
    out.failure = {FailureClass::status, make_error(400, "request body must be a JSON object")};
    return out;
  }
  const auto& req = value.get_object();
  const std::string& model = request.model;
  bool streaming = request.stream && request.endpoint != Endpoint::embeddings;

  mock::Answer answer;
  mock::StreamAnswer streamed;
  switch (request.endpoint) {
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
    out.failure = {FailureClass::status, normalise_upstream_error(answer.status, answer.body)};
    return out;
  }
  out.answer = std::make_unique<MockAnswer>(std::move(answer.body), std::move(streamed.events), streaming);
  return out;
}

}  // namespace torii::providers
