#include "providers/bedrock/adapter.hpp"
#include "providers/bedrock/common.hpp"

#include <boost/json.hpp>

#include "llm/bedrock_format.hpp"
#include "llm/json_dom.hpp"
#include "llm/json_get.hpp"
#include "providers/answers.hpp"
#include "providers/bedrock/event_stream.hpp"
#include "providers/bedrock/sigv4.hpp"

namespace torii::providers {

namespace json = boost::json;
namespace es = bedrock::eventstream;

namespace {

constexpr std::string_view kEventStreamType = "application/vnd.amazon.eventstream";


bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// AWS names the exception in x-amzn-ErrorType ("ThrottlingException:http://...")
// or, from some front ends, in the body's "__type" ("...#ThrottlingException").
std::string error_type_of(const http::Headers& headers, std::string_view body) {
  std::string_view t = headers.get("x-amzn-errortype");
  if (t.empty()) {
    json::error_code ec;
    json::value v = json::parse(body, ec);
    if (!ec && v.is_object())
      if (auto* ty = v.get_object().if_contains("__type"); ty && ty->is_string()) {
        std::string type(ty->get_string());
        if (size_t hash = type.rfind('#'); hash != std::string::npos) type.erase(0, hash + 1);
        return type;
      }
    return {};
  }
  return std::string(t.substr(0, t.find(':')));
}

// Bedrock's statuses in the terms OpenAI clients act on.
void map_error(ApiError& e, std::string_view type) {
  if (!type.empty() && !contains(e.message, type)) e.message = std::string(type) + ": " + e.message;
  if (e.status == 400 && (contains(e.message, "too long") || contains(e.message, "too many input tokens") ||
                          contains(e.message, "context window") || contains(e.message, "context length")))
    e.code = "context_length_exceeded";
  else if (e.status == 403)
    e.status = 401;  // bad signature, unknown key, no model access: the gateway's credentials are at fault
  else if (type == "ModelNotReadyException" || type == "ServiceUnavailableException")
    e.status = 503;  // transient: another target may serve it now
  else if (type == "ModelTimeoutException" || e.status == 408)
    e.status = 504;
  else if (type == "ModelErrorException" || e.status == 424)
    e.status = 502;
  else if (e.status == 404 && e.code.empty())
    e.code = "model_not_found";
}

std::string exception_text(std::string_view type, std::string_view payload) {
  json::error_code ec;
  json::value v = json::parse(payload, ec);
  std::string message;
  if (!ec && v.is_object())
    if (auto* m = v.get_object().if_contains("message"); m && m->is_string()) message = std::string(m->get_string());
  if (message.empty()) message = "upstream exception";
  return std::string(type) + ": " + message;
}

// The upstream event stream, unframed and translated to OpenAI chunk events.
class ConverseEvents final : public EventSource {
 public:
  ConverseEvents(std::string provider, std::unique_ptr<http::UpstreamResponse> resp,
                 std::shared_ptr<llm::ConverseToOpenAIStream> converter)
      : provider_(std::move(provider)), resp_(std::move(resp)), converter_(std::move(converter)) {}

  http::UpstreamResponse& response() { return *resp_; }

  // Appends the translation of the next events to `out`: those already
  // buffered first, reading from the upstream only when none produce output.
  // With `stop_at_output`, stops at the first event that produces some and
  // leaves the rest buffered (what follows the first output belongs to the
  // stream, so a failure there is a mid-stream error, not a failed attempt).
  // On `failed`, `error` is what the client should see; `transport` says
  // whether the connection itself failed (and how).
  boost::asio::awaitable<Step> step(std::string& out, ApiError& error, http::UpstreamError& transport,
                                    Mode mode) override {
    const bool stop_at_output = mode == Mode::first_output;
    for (;;) {
      std::string why;
      while (!(stop_at_output && !out.empty())) {
        auto m = decoder_.next();
        if (!m) break;
        std::string_view kind = m->header(":message-type");
        if (kind == "exception") {
          std::string_view type = m->header(":exception-type");
          error = make_error(llm::converse_exception_status(type),
                             "upstream '" + provider_ + "' stream failed: " + exception_text(type, m->payload),
                             "upstream_stream_error");
          co_return Step::failed;
        }
        if (kind == "error") {
          error = make_error(502,
                             "upstream '" + provider_ + "' stream failed: " + std::string(m->header(":error-code")) +
                                 ": " + std::string(m->header(":error-message")),
                             "upstream_stream_error");
          co_return Step::failed;
        }
        if (!converter_->feed(m->header(":event-type"), m->payload, out, why)) {
          error = stream_error(why);
          co_return Step::failed;
        }
      }
      if (decoder_.failed()) {
        error = stream_error("bad event-stream message: " + decoder_.error_message());
        co_return Step::failed;
      }
      if (!out.empty() || (mode == Mode::buffered_only && !ended_)) co_return Step::more;
      if (ended_) break;
      std::string incoming;
      bool more = co_await resp_->read_some(incoming, read_error_);
      decoder_.feed(incoming);
      ended_ = !more;
    }
    if (read_error_) {
      transport = read_error_;
      error = stream_error(transport.message);
      co_return Step::failed;
    }
    if (decoder_.partial()) {
      transport = {http::UpstreamFailure::io, "stream ended inside an event-stream message"};
      error = stream_error(transport.message);
      co_return Step::failed;
    }
    std::string why;
    if (!converter_->finish(out, why)) {
      transport = {http::UpstreamFailure::io, why};
      error = stream_error(why);
      co_return Step::failed;
    }
    co_return Step::done;
  }

  void cancel() override { resp_->cancel(); }

 private:
  ApiError stream_error(const std::string& why) const {
    return make_error(502, "upstream '" + provider_ + "' stream failed: " + why, "upstream_stream_error");
  }

  std::string provider_;
  std::unique_ptr<http::UpstreamResponse> resp_;
  std::shared_ptr<llm::ConverseToOpenAIStream> converter_;
  es::Decoder decoder_;
  http::UpstreamError read_error_;  // how the upstream body ended, once it has
  bool ended_ = false;
};

}  // namespace

void sign_bedrock_request(const Provider& p, http::UpstreamRequest& up, std::string_view body) {
  if (p.access_key_id.empty()) return;
  // Signed over the Host the client sends and the exact bytes of the body.
  bedrock::SigV4Request sr;
  sr.method = up.method;
  sr.host = p.origin.host_header;
  sr.path = up.target;
  sr.payload = body;
  bedrock::Signature sig = bedrock::sign(sr, {p.access_key_id, p.secret_access_key, p.session_token}, p.region,
                                         "bedrock", std::chrono::system_clock::now());
  for (const auto& h : sig.headers) up.headers.add(h.name, h.value);
}

ApiError bedrock_upstream_error(int status, const http::Headers& headers, std::string_view body) {
  ApiError e = normalise_upstream_error(status, body);
  map_error(e, error_type_of(headers, body));
  return e;
}

boost::asio::awaitable<AttemptOutcome> prepare_bedrock(http::UpstreamClient& client, const AttemptRequest& req) {
  const Provider& p = *req.provider;
  AttemptOutcome out;

  json::error_code ec;
  json::value parsed = llm::parse_json(*req.body, ec);
  if (ec || !parsed.is_object()) {
    out.failure = {FailureClass::status, make_error(400, "request body must be a JSON object", "invalid_json")};
    co_return out;
  }
  if (req.endpoint == Endpoint::embeddings) {
    const json::object& body = parsed.get_object();
    co_return co_await prepare_bedrock_embeddings(client, req, body);
  }
  std::string error;
  json::object converse = llm::openai_to_converse_request(parsed.get_object(), error, req.model);
  const std::string structured_tool = llm::converse_structured_tool(parsed.get_object());
  if (!error.empty()) {
    out.failure = {FailureClass::status, make_error(400, error, "invalid_request")};
    co_return out;
  }
  const bool include_usage = llm::get::wants_stream_usage(parsed.get_object());
  const std::string body = json::serialize(converse);

  http::UpstreamRequest up =
      upstream_request(req, req.stream ? std::string_view(kEventStreamType) : std::string_view("application/json"));
  sign_bedrock_request(p, up, body);
  up.body = body;
  const auto deadline = first_token_deadline(req);

  http::UpstreamError err;
  auto resp = co_await client.send(up, err);
  if (!resp) {
    out.failure = transport_failure(p.name, err);
    co_return out;
  }
  CancelWhileReading cancel_guard(req.cancel, *resp);

  int status = resp->status();
  if (status >= 400) {
    std::string text;
    co_await resp->read_all(text, kMaxErrorBody, err);
    out.failure = status_failure(bedrock_upstream_error(status, resp->headers(), text), resp->headers());
    co_return out;
  }
  http::Headers extra;
  copy_upstream_headers(resp->headers(), extra);
  std::string upstream_id(resp->headers().get("x-amzn-requestid"));
  std::string id = "chatcmpl-" + (upstream_id.empty() ? req.request_id : upstream_id);

  if (!req.stream) {
    std::string answer;
    bool complete = co_await resp->read_all(answer, kMaxResponseBody, err);
    if (!complete) {
      out.failure = transport_failure(p.name, err);
      co_return out;
    }
    json::value v = llm::parse_json(answer, ec);
    if (ec || !v.is_object()) {
      out.failure = {FailureClass::protocol,
                     make_error(502, "upstream '" + p.name + "' returned invalid JSON", "upstream_invalid_response")};
      co_return out;
    }
    answer = json::serialize(llm::converse_to_openai_response(v.get_object(), req.model, id, structured_tool));
    out.answer = std::make_unique<BufferedAnswer>(WireFormat::openai, status, "application/json", std::move(extra),
                                                  std::move(answer));
    co_return out;
  }

  std::string_view content_type = resp->headers().get("content-type");
  if (!content_type.starts_with(kEventStreamType)) {
    resp->cancel();
    out.failure = {FailureClass::protocol,
                   make_error(502, "upstream '" + p.name + "' answered a stream with '" + std::string(content_type) + "'",
                              "upstream_invalid_response")};
    co_return out;
  }
  resp->limit_reads_until(deadline);
  auto events = std::make_unique<ConverseEvents>(
      p.name, std::move(resp), std::make_shared<llm::ConverseToOpenAIStream>(req.model, /*include_usage=*/true, id, structured_tool));
  std::string first;
  bool finished = false;
  bool ready = co_await first_events(p.name, *events, first, finished, out.failure);
  if (!ready) co_return out;
  events->response().clear_read_limit();
  out.answer = std::make_unique<StreamingAnswer>(WireFormat::openai, 200, std::move(events), std::move(extra),
                                                 std::move(first), finished, !include_usage);
  co_return out;
}

}  // namespace torii::providers
