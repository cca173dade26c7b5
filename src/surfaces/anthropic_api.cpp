#include "surfaces/anthropic_api.hpp"

#include <optional>

#include <boost/json.hpp>

#include "http/sse.hpp"
#include "llm/anthropic_format.hpp"
#include "llm/json_dom.hpp"
#include "llm/json_scan.hpp"
#include "providers/usage_meter.hpp"
#include "surfaces/internal_calls.hpp"
#include "surfaces/model_access.hpp"

namespace torii::surfaces {

namespace json = boost::json;
using providers::Exchange;

namespace {

// Canonical answers to Anthropic messages and events.
class AnthropicOutput final : public providers::OutputTranslator {
 public:
  // `estimated_input_tokens`: for a translated stream's message_start, which
  // comes before the upstream says (its message_delta has the real count).
  AnthropicOutput(std::string model, int64_t estimated_input_tokens)
      : model_(model), stream_(std::move(model), estimated_input_tokens) {}

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

// Anthropic's own wording for the errors a client can cause here, so that
// clients which react to them (Claude Code, the Anthropic SDK) recognise them.
std::optional<ApiError> decode(const routing::ModelTable& models, const http::Headers& headers,
                               const providers::Caller& caller, const llm::RequestScan& scan, const json::value& parsed, routing::Model& direct,
                               const routing::Model*& model) {
  if (!scan.valid) return make_error(400, "There was an error parsing the body of your request: " + scan.error);
  if (!scan.is_object) return make_error(400, "There was an error parsing the body of your request: expected a JSON object");
  if (!parsed.is_object()) return make_error(400, "There was an error parsing the body of your request");
  const json::object& body = parsed.get_object();
  if (!scan.has_model) return make_error(400, "model: Field required");
  if (!scan.model_is_string || scan.model.empty()) return make_error(400, "model: Input should be a valid string");
  if (!routing::acceptable_model_name(scan.model))
    return make_error(400, "model: the name must be at most 256 bytes without control characters");
  if (!body.contains("max_tokens")) return make_error(400, "max_tokens: Field required");
  if (!body.contains("messages")) return make_error(400, "messages: Field required");
  if (!body.at("messages").is_array()) return make_error(400, "messages: Input should be a valid list");
  model = models.resolve(headers, scan.model, direct, caller);
  if (!model) return make_error(404, "model: " + scan.model);
  return std::nullopt;
}

}  // namespace

boost::asio::awaitable<void> anthropic_messages(routing::RouterContext& ctx, Exchange& ex,
                                                const routing::ModelTable& models, const http::Headers& headers,
                                                std::string body) {
  ex.error_body = &anthropic_error_body;
  llm::RequestScan scan = llm::scan_request(body);
  // One DOM, reused when a target needs the canonical form.
  auto parsed = std::make_shared<json::value>();
  if (scan.valid && scan.is_object) {
    json::error_code ec;
    *parsed = llm::parse_json(body, ec);
  }
  routing::Model direct;
  const routing::Model* model = nullptr;
  if (std::optional<ApiError> error = decode(models, headers, ex.caller, scan, *parsed, direct, model)) {
    co_await send_error(ex, *error);
    co_return;
  }
  // Known from here on, for the log and the metrics of a request refused before routing.
  ex.route.model = model->name;
  const pipeline::Admission admission = admission_for(*model, scan, body.size(), true);
  std::optional<ApiError> refused = admission_refusal(ex, admission);
  if (!refused && ex.gate && ex.gate->admits_async()) {
    auto admitting = ex.gate->admit_async(admission);
    refused = co_await std::move(admitting);
  }
  if (refused) {
    co_await send_error(ex, *refused);
    co_return;
  }
  if (ex.gate && ex.gate->inspects_input()) {
    pipeline::Input input{model, providers::Endpoint::chat, body};
    auto inspecting = inspected_input(ex, input);
    std::optional<ApiError> blocked = co_await std::move(inspecting);
    if (blocked) {
      co_await send_error(ex, *blocked);
      co_return;
    }
    if (input.changed) {  // read again: the scan's spans and the DOM were of the old body
      scan = llm::scan_request(body);
      json::error_code ec;
      *parsed = llm::parse_json(body, ec);
    }
  }
  if (!scan.metadata_token.empty()) ex.route.body_user = llm::body_user(body, scan);
  if (ex.gate && ex.gate->looks_up()) {
    const InternalRouter calls(ctx, models);
    auto serving = served_locally(ex, pipeline::Lookup{model, providers::Endpoint::chat, body, scan.stream, &calls});
    const bool answered = co_await std::move(serving);
    if (answered) co_return;
  }
  ex.translator = std::make_shared<AnthropicOutput>(scan.model, providers::estimated_tokens(body.size()));

  // Routed before any translation: an anthropic target gets the body as
  // sent (only `model` rewritten); the canonical form is made only when
  // another target is tried.
  routing::RouteInput in;
  in.model = model;
  in.endpoint = providers::Endpoint::chat;
  in.stream = scan.stream;
  in.native_body = std::make_shared<const std::string>(std::move(body));
  in.native_format = providers::WireFormat::anthropic;
  in.native_scan = &scan;
  in.to_canonical = [parsed](std::string& canonical) -> std::optional<ApiError> {
    std::string error;
    json::object openai = llm::anthropic_to_openai_request(parsed->get_object(), error);
    if (!error.empty()) return make_error(400, std::move(error));
    canonical = json::serialize(openai);
    return std::nullopt;
  };
  for (const char* name : {"anthropic-version", "anthropic-beta"})
    if (const std::string* v = headers.find(name)) in.forward_headers.add(name, *v);
  co_await routing::route_request(ctx, ex, std::move(in));
}

}  // namespace torii::surfaces
