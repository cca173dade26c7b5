#include "providers/mock/mock_provider.hpp"

#include <boost/json/parse.hpp>

#include "llm/json_dom.hpp"
#include "providers/mock/mock_llm.hpp"
#include "providers/usage_meter.hpp"

namespace torii::providers {

namespace {

class MockAnswer final : public PreparedAnswer {
 public:
  MockAnswer(std::string body, std::vector<std::string> events, bool stream, bool strip_usage)
      : body_(std::move(body)), events_(std::move(events)), stream_(stream), strip_usage_(strip_usage) {
    UsageMeter meter(WireFormat::openai);
    if (!stream_) meter.observe(body_);
    for (const auto& e : events_) meter.observe(e);
    usage_ = meter.usage();
    usage_before_delivery_ = true;  // every event is known in advance
  }

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
    for (auto& event : events_) {
      if (strip_usage_) strip_stream_usage(event);
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
  bool strip_usage_;
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
  auto& req = value.get_object();
  const std::string& model = request.model;
  bool streaming = request.stream && request.endpoint != Endpoint::embeddings;
  // Streams report usage whether or not the client asked: metered, then
  // taken out again for a client that did not ask (as for real upstreams).
  bool strip_usage = false;
  if (streaming) {
    const auto* so = req.if_contains("stream_options");
    const auto* iu = so && so->is_object() ? so->get_object().if_contains("include_usage") : nullptr;
    if (!iu || !iu->is_bool() || !iu->get_bool()) {
      strip_usage = true;
      req["stream_options"] = boost::json::object{{"include_usage", true}};
    }
  }

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
  out.answer =
      std::make_unique<MockAnswer>(std::move(answer.body), std::move(streamed.events), streaming, strip_usage);
  return out;
}

}  // namespace torii::providers
