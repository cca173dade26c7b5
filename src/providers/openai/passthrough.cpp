#include "providers/openai/passthrough.hpp"

#include "http/sse.hpp"
#include "llm/json_scan.hpp"
#include "providers/answers.hpp"

namespace torii::providers {

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kMaxErrorBody = 1 << 20;
constexpr size_t kMaxResponseBody = size_t(1) << 30;

}  // namespace

boost::asio::awaitable<AttemptOutcome> prepare_passthrough(http::UpstreamClient& client, const AttemptRequest& req) {
  const Provider& p = *req.provider;
  AttemptOutcome out;
  if (!p.has_credentials && (p.type == "openai" || p.kind == Kind::azure)) {
    // Not retryable on another try of the same provider, but another target may serve.
    out.failure = {FailureClass::connect,
                   make_error(503, "provider '" + p.name + "' has no api_key configured", "provider_not_configured")};
    co_return out;
  }

  http::UpstreamRequest up;
  up.method = "POST";
  up.origin = &p.origin;
  up.target = p.target(req.endpoint, req.model);
  up.fixed_headers = p.header_block;
  up.headers.add("Accept", req.stream ? "text/event-stream" : "application/json");
  up.headers.add("x-request-id", req.request_id);
  up.body = *req.body;
  up.connect_timeout = req.limits.connect;
  up.total_timeout = req.limits.total;
  up.head_timeout = req.limits.first_token;
  up.cancel = req.cancel;
  auto first_token_deadline =
      req.limits.first_token.count() > 0 ? Clock::now() + req.limits.first_token : Clock::time_point::max();

  http::UpstreamError err;
  auto resp = co_await client.send(up, err);
  if (!resp) {
    out.failure = transport_failure(p.name, err);
    co_return out;
  }

  // Until this attempt hands over its answer, a cancel (hedge lost) must also
  // stop the body or first-event read.
  struct CloserReset {
    http::UpstreamCancel* c;
    ~CloserReset() {
      if (c) c->set_closer(nullptr);
    }
  } closer_reset{req.cancel.get()};
  if (req.cancel) req.cancel->set_closer([r = resp.get()] { r->cancel(); });

  int status = resp->status();
  if (status >= 400) {
    std::string text;
    co_await resp->read_all(text, kMaxErrorBody, err);
    ApiError e = normalise_upstream_error(status, text);
    e.retry_after = std::string(resp->headers().get("retry-after"));
    out.failure = {FailureClass::status, std::move(e), parse_retry_after(resp->headers().get("retry-after"))};
    co_return out;
  }

  std::string content_type(resp->headers().get("content-type"));
  http::Headers extra;
  copy_upstream_headers(resp->headers(), extra);

  if (!req.stream || !is_event_stream(content_type)) {
    std::string answer;
    bool complete = co_await resp->read_all(answer, kMaxResponseBody, err);
    if (!complete) {
      out.failure = transport_failure(p.name, err);
      co_return out;
    }
    std::string why;
    if (!llm::is_valid_json(answer, &why)) {
      out.failure = {FailureClass::protocol,
                     make_error(502, "upstream '" + p.name + "' returned invalid JSON: " + why,
                                "upstream_invalid_response")};
      co_return out;
    }
    out.answer = std::make_unique<BufferedAnswer>(WireFormat::openai, status,
                                                  content_type.empty() ? "application/json" : content_type,
                                                  std::move(extra), std::move(answer));
    co_return out;
  }

  // A stream counts as answered once its first whole event has arrived: until
  // then nothing has reached the client and another target can still take over.
  resp->limit_reads_until(first_token_deadline);
  http::SseSplitter splitter;
  std::string first;
  bool ready = co_await read_first_events(p.name, *resp, splitter, nullptr, first, out.failure);
  if (!ready) co_return out;
  resp->clear_read_limit();
  out.answer = std::make_unique<StreamingAnswer>(WireFormat::openai, p.name, std::move(resp), std::move(extra),
                                                 std::move(splitter), std::move(first));
  co_return out;
}

}  // namespace torii::providers
