#include "providers/openai/passthrough.hpp"

#include "http/sse.hpp"
#include "llm/json_scan.hpp"

namespace torii::providers {

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kMaxErrorBody = 1 << 20;
constexpr size_t kMaxResponseBody = size_t(1) << 30;

AttemptFailure transport_failure(const Provider& p, const http::UpstreamError& err) {
  using http::UpstreamFailure;
  switch (err.kind) {
    case UpstreamFailure::timeout:
      return {FailureClass::timeout,
              make_error(504, "upstream '" + p.name + "' timed out: " + err.message, "upstream_timeout")};
    case UpstreamFailure::connect:
      return {FailureClass::connect,
              make_error(502, "upstream '" + p.name + "' is unreachable: " + err.message, "upstream_unreachable")};
    case UpstreamFailure::cancelled:
      return {FailureClass::cancelled, make_error(499, "attempt cancelled", "cancelled")};
    case UpstreamFailure::protocol:
      return {FailureClass::protocol,
              make_error(502, "upstream '" + p.name + "' failed: " + err.message, "upstream_error")};
    default:
      return {FailureClass::io, make_error(502, "upstream '" + p.name + "' failed: " + err.message, "upstream_error")};
  }
}

// Upstream headers worth passing to the client: rate-limit state and timing.
void copy_upstream_headers(const http::Headers& from, http::Headers& to) {
  for (const auto& h : from) {
    std::string_view n = h.name;
    if ((n.size() > 12 && http::iequals(n.substr(0, 12), "x-ratelimit-")) ||
        http::iequals(n, "openai-processing-ms"))
      to.add(h.name, h.value);
  }
}

bool is_event_stream(std::string_view content_type) {
  return content_type.size() >= 17 && http::iequals(content_type.substr(0, 17), "text/event-stream");
}

class BufferedAnswer final : public PreparedAnswer {
 public:
  BufferedAnswer(int status, std::string content_type, http::Headers extra, std::string body)
      : status_(status), content_type_(std::move(content_type)), extra_(std::move(extra)), body_(std::move(body)) {}

  boost::asio::awaitable<void> deliver(Exchange& ex) override {
    http::Response r;
    r.status = status_;
    r.headers = std::move(ex.response_headers);
    for (const auto& h : extra_) r.headers.add(h.name, h.value);
    r.content_type = std::move(content_type_);
    r.body = std::move(body_);
    co_await ex.out.send(std::move(r));
  }
  void cancel() override {}

 private:
  int status_;
  std::string content_type_;
  http::Headers extra_;
  std::string body_;
};

class StreamingAnswer final : public PreparedAnswer {
 public:
  StreamingAnswer(const Provider& p, std::unique_ptr<http::UpstreamResponse> resp, http::Headers extra,
                  http::SseSplitter splitter, std::string first_events)
      : provider_(p), resp_(std::move(resp)), extra_(std::move(extra)), splitter_(std::move(splitter)),
        first_(std::move(first_events)) {}

  boost::asio::awaitable<void> deliver(Exchange& ex) override {
    http::Headers headers = std::move(ex.response_headers);
    for (const auto& h : extra_) headers.add(h.name, h.value);
    // GCC 12 miscompiles co_await inside a condition when the operand makes
    // temporaries: results go through locals throughout this file.
    bool open = co_await ex.out.begin_stream(resp_->status(), std::move(headers), "text/event-stream");
    if (!open) {
      resp_->cancel();
      co_return;
    }
    // The client hanging up cancels the upstream request at once, even while
    // the upstream is silent.
    ex.out.on_disconnect([r = resp_.get()] { r->cancel(); });
    co_await pump(ex);
    ex.out.on_disconnect({});
  }

  void cancel() override { resp_->cancel(); }

 private:
  boost::asio::awaitable<void> pump(Exchange& ex) {
    if (!first_.empty()) {
      bool written = co_await ex.out.write_chunk(first_);
      if (!written) {
        resp_->cancel();
        co_return;
      }
    }
    http::UpstreamError err;
    std::string incoming, batch, event;
    for (;;) {
      incoming.clear();
      bool more = co_await resp_->read_some(incoming, err);
      splitter_.feed(incoming);
      batch.clear();
      // Events that arrived together leave together: one write, same bytes.
      while (splitter_.next(event)) batch += event;
      if (!batch.empty()) {
        bool written = co_await ex.out.write_chunk(batch);
        if (!written) {
          resp_->cancel();
          co_return;
        }
      }
      if (more) continue;
      if (err && err.kind != http::UpstreamFailure::cancelled && !ex.out.client_gone()) {
        ApiError e = make_error(502, "upstream '" + provider_.name + "' stream failed: " + err.message,
                                "upstream_stream_error");
        co_await ex.out.write_chunk(http::sse_data_event(stream_error_payload(e)));
      }
      co_return;
    }
  }

  const Provider& provider_;
  std::unique_ptr<http::UpstreamResponse> resp_;
  http::Headers extra_;
  http::SseSplitter splitter_;
  std::string first_;
};

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
    out.failure = transport_failure(p, err);
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
      out.failure = transport_failure(p, err);
      co_return out;
    }
    std::string why;
    if (!llm::is_valid_json(answer, &why)) {
      out.failure = {FailureClass::protocol,
                     make_error(502, "upstream '" + p.name + "' returned invalid JSON: " + why,
                                "upstream_invalid_response")};
      co_return out;
    }
    out.answer = std::make_unique<BufferedAnswer>(status, content_type.empty() ? "application/json" : content_type,
                                                  std::move(extra), std::move(answer));
    co_return out;
  }

  // A stream counts as answered once its first whole event has arrived: until
  // then nothing has reached the client and another target can still take over.
  resp->limit_reads_until(first_token_deadline);
  http::SseSplitter splitter;
  std::string incoming, first, event;
  while (first.empty()) {
    incoming.clear();
    bool more = co_await resp->read_some(incoming, err);
    splitter.feed(incoming);
    while (splitter.next(event)) first += event;
    if (!first.empty()) break;
    if (!more) {
      if (!err) err = {http::UpstreamFailure::io, "stream ended before its first event"};
      out.failure = transport_failure(p, err);
      co_return out;
    }
  }
  resp->clear_read_limit();
  out.answer = std::make_unique<StreamingAnswer>(p, std::move(resp), std::move(extra), std::move(splitter),
                                                 std::move(first));
  co_return out;
}

}  // namespace torii::providers
