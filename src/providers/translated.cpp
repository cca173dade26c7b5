#include "providers/translated.hpp"

#include <optional>

#include <boost/json.hpp>

#include "llm/json_dom.hpp"
#include "llm/json_get.hpp"
#include "llm/json_scan.hpp"

namespace torii::providers {

namespace json = boost::json;

boost::asio::awaitable<AttemptOutcome> prepare_translated(http::UpstreamClient& client, const AttemptRequest& req,
                                                          const Translation& tr) {
  const Provider& p = *req.provider;
  AttemptOutcome out;

  std::string encoded;
  bool include_usage = false;
  if (!tr.native) {
    json::error_code ec;
    json::value v = llm::parse_json(*req.body, ec);
    if (ec || !v.is_object()) {
      out.failure = {FailureClass::status, make_error(400, "request body must be a JSON object", "invalid_json")};
      co_return out;
    }
    std::string error;
    encoded = tr.encode(v.get_object(), error);
    if (!error.empty()) {
      out.failure = {FailureClass::status, make_error(400, error, "invalid_request")};
      co_return out;
    }
    include_usage = llm::get::wants_stream_usage(v.get_object());
  }

  http::UpstreamRequest up = upstream_request(req, req.stream ? "text/event-stream" : "application/json");
  for (const auto& h : tr.headers) up.headers.add(h.name, h.value);
  up.body = tr.native ? std::string_view(*req.body) : std::string_view(encoded);
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
    ApiError e = normalise_upstream_error(status, text);
    if (tr.adjust_error) tr.adjust_error(e);
    out.failure = status_failure(std::move(e), resp->headers());
    co_return out;
  }
  http::Headers extra;
  copy_upstream_headers(resp->headers(), extra);
  const WireFormat format = tr.native ? tr.native_format : WireFormat::openai;

  if (!req.stream || !is_event_stream(resp->headers().get("content-type"))) {
    std::string answer;
    bool complete = co_await resp->read_all(answer, kMaxResponseBody, err);
    if (!complete) {
      out.failure = transport_failure(p.name, err);
      co_return out;
    }
    std::string content_type = "application/json";
    std::optional<llm::Usage> usage;
    if (tr.native) {
      // Forwarded as is: validated without building a DOM, and its usage
      // found by the same pass.
      llm::RequestScan scan = llm::scan_request(answer, 512);
      if (!scan.valid) {
        out.failure = {FailureClass::protocol,
                       make_error(502, "upstream '" + p.name + "' returned invalid JSON: " + scan.error,
                                  "upstream_invalid_response")};
        co_return out;
      }
      UsageMeter meter(format);
      const llm::Span& u = scan.usage_token;
      if (!u.empty()) meter.observe_object(std::string_view(answer).substr(u.begin, u.end - u.begin));
      usage = meter.usage();
      if (auto ct = resp->headers().get("content-type"); !ct.empty()) content_type = std::string(ct);
    } else {
      json::error_code ec;
      json::value v = llm::parse_json(answer, ec);
      if (ec || !v.is_object()) {
        out.failure = {FailureClass::protocol,
                       make_error(502, "upstream '" + p.name + "' returned invalid JSON", "upstream_invalid_response")};
        co_return out;
      }
      ApiError refused;
      if (tr.refusal && tr.refusal(v.get_object(), refused)) {
        out.failure = {FailureClass::status, std::move(refused)};
        co_return out;
      }
      answer = tr.decode(v.get_object());
    }
    out.answer = std::make_unique<BufferedAnswer>(format, status, std::move(content_type), std::move(extra),
                                                  std::move(answer), usage);
    co_return out;
  }

  // Usage is metered off every stream: converters always produce the usage
  // chunk, and it is taken out again when the client did not ask for it.
  EventTransform transform = tr.native ? tr.native_events : tr.stream(true);
  const bool strip_usage = tr.native ? req.strip_stream_usage : !include_usage;
  // A refusal can only come before the first output, so only events until
  // then are checked.
  auto refused = std::make_shared<std::optional<ApiError>>();
  if (tr.refusal) {
    transform = [inner = std::move(transform), check = tr.refusal, refused, checking = true](
                    const std::string& raw, std::string& events, std::string& error) mutable {
      if (checking) {
        http::SseEvent ev;
        json::error_code ec;
        json::value v;
        if (http::parse_sse_event(raw, ev)) v = llm::parse_json(ev.data, ec);
        ApiError e;
        if (!ec && v.is_object() && check(v.get_object(), e)) {
          error = e.message;
          *refused = std::move(e);
          return EventResult::failed;
        }
      }
      EventResult r = inner(raw, events, error);
      if (!events.empty()) checking = false;
      return r;
    };
  }
  resp->limit_reads_until(deadline);
  const int stream_status = resp->status();
  auto source = std::make_unique<SseEvents>(p.name, std::move(resp), std::move(transform));
  std::string first;
  bool finished = false;
  bool ready = co_await first_events(p.name, *source, first, finished, out.failure);
  if (!ready) {
    if (*refused) out.failure = {FailureClass::status, std::move(**refused)};
    co_return out;
  }
  source->response().clear_read_limit();
  out.answer = std::make_unique<StreamingAnswer>(format, stream_status, std::move(source), std::move(extra),
                                                 std::move(first), finished, strip_usage);
  co_return out;
}

}  // namespace torii::providers
