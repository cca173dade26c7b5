#include "providers/mock/mock_provider.hpp"

#include <boost/json/parse.hpp>

#include "llm/json_dom.hpp"
#include "llm/json_get.hpp"
#include "providers/answers.hpp"
#include "providers/mock/mock_llm.hpp"

namespace torii::providers {

namespace {

// Events made in process, all known in advance.
class MemoryEvents final : public EventSource {
 public:
  explicit MemoryEvents(std::vector<std::string> events) : events_(std::move(events)) {}
  boost::asio::awaitable<Step> step(std::string& out, ApiError&, http::UpstreamError&, Mode) override {
    for (auto& e : events_) out += e;
    events_.clear();
    co_return Step::done;
  }
  void cancel() override {}

 private:
  std::vector<std::string> events_;
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
  if (streaming && !llm::get::wants_stream_usage(req)) {
    strip_usage = true;
    req["stream_options"] = boost::json::object{{"include_usage", true}};
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
    case Endpoint::responses:  // never: the mock takes no Responses body as is
      answer = {400, R"({"error":{"message":"the mock provider has no Responses API","type":"invalid_request_error"}})"};
      break;
  }
  if (streaming) answer = streamed.error;
  if (answer.status != 200) {
    out.failure = {FailureClass::status, normalise_upstream_error(answer.status, answer.body)};
    return out;
  }
  if (!streaming) {
    out.answer = std::make_unique<BufferedAnswer>(WireFormat::openai, 200, "application/json", http::Headers{},
                                                  std::move(answer.body));
    return out;
  }
  out.answer = std::make_unique<StreamingAnswer>(WireFormat::openai, 200,
                                                 std::make_unique<MemoryEvents>(std::move(streamed.events)),
                                                 http::Headers{}, std::string(), /*finished=*/false, strip_usage);
  return out;
}

}  // namespace torii::providers
