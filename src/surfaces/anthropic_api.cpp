#include "surfaces/anthropic_api.hpp"

#include <boost/json.hpp>

#include "http/sse.hpp"
#include "llm/anthropic_format.hpp"
#include "llm/json_dom.hpp"
#include "llm/json_scan.hpp"

namespace torii::surfaces {

namespace json = boost::json;
using providers::Exchange;

namespace {

// Canonical answers to Anthropic messages and events.
class AnthropicOutput final : public providers::OutputTranslator {
 public:
  explicit AnthropicOutput(std::string model) : model_(model), stream_(std::move(model)) {}

  std::string content_type() const override { return "application/json"; }

  std::string body(std::string_view openai_json) override {
    json::error_code ec;
    json::value v = json::parse(openai_json, ec);
    if (ec || !v.is_object()) return std::string(openai_json);
    return json::serialize(llm::openai_to_anthropic_response(v.get_object(), model_));
  }

  std::string events(std::string_view openai_events) override {
    std::string out, raw;
    splitter_.feed(openai_events);
    http::SseEvent ev;
    while (splitter_.next(raw))
      if (http::parse_sse_event(raw, ev)) stream_.feed(ev.data, out);
    return out;
  }

  std::string finish() override {
    std::string out;
    stream_.finish(out);
    return out;
  }

  std::string error_event(const ApiError& e) override {
    return "event: error\ndata: " + anthropic_error_body(e) + "\n\n";
  }

 private:
  std::string model_;
  llm::OpenAIToAnthropicStream stream_;
  http::SseSplitter splitter_;
};

}  // namespace

boost::asio::awaitable<void> anthropic_messages(routing::RouterContext& ctx, Exchange& ex,
                                                const routing::ModelTable& models, const http::Headers& headers,
                                                std::string body) {
  ex.error_body = &anthropic_error_body;
  llm::RequestScan scan = llm::scan_request(body);
  if (!scan.valid || !scan.is_object) {
    co_await send_error(ex, make_error(400, scan.valid ? "request body must be a JSON object"
                                                       : "request body is not valid JSON: " + scan.error));
    co_return;
  }
  if (!scan.has_model || !scan.model_is_string || scan.model.empty()) {
    co_await send_error(ex, make_error(400, "model: Field required"));
    co_return;
  }
  json::error_code ec;
  json::value parsed = llm::parse_json(body, ec);
  if (ec || !parsed.is_object()) {
    co_await send_error(ex, make_error(400, "request body could not be decoded: " + ec.message()));
    co_return;
  }
  std::string error;
  json::object canonical = llm::anthropic_to_openai_request(parsed.get_object(), error);
  if (!error.empty()) {
    co_await send_error(ex, make_error(400, error));
    co_return;
  }
  if (!parsed.get_object().contains("max_tokens")) {
    co_await send_error(ex, make_error(400, "max_tokens: Field required"));
    co_return;
  }

  routing::Model direct;
  const routing::Model* model = models.route(headers, scan.model);
  if (!model) model = models.find(scan.model);
  if (!model && models.direct(scan.model, direct)) model = &direct;
  if (!model) {
    co_await send_error(ex, make_error(404, "model: " + scan.model + " does not exist or is not configured"));
    co_return;
  }

  auto canonical_body = std::make_shared<const std::string>(json::serialize(canonical));
  llm::RequestScan canonical_scan = llm::scan_request(*canonical_body);
  ex.translator = std::make_shared<AnthropicOutput>(scan.model);

  routing::RouteInput in;
  in.model = model;
  in.endpoint = providers::Endpoint::chat;
  in.scan = &canonical_scan;
  in.body = std::move(canonical_body);
  in.stream = scan.stream;
  in.native_body = std::make_shared<const std::string>(std::move(body));
  in.native_scan = &scan;
  for (const char* name : {"anthropic-version", "anthropic-beta"})
    if (const std::string* v = headers.find(name)) in.forward_headers.add(name, *v);
  co_await routing::route_request(ctx, ex, std::move(in));
}

}  // namespace torii::surfaces
