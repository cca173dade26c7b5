#pragma once
// Prepared answers shared by the adapters: a complete body, or an upstream SSE
// stream whose first event has arrived. Both know the format they carry and
// re-encode through the exchange's OutputTranslator only when the surface
// speaks another one.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "http/client.hpp"
#include "http/sse.hpp"
#include "providers/attempt.hpp"
#include "providers/usage_meter.hpp"

namespace torii::providers {

class BufferedAnswer final : public PreparedAnswer {
 public:
  // `usage`: when the caller already read it off the body; otherwise the
  // body is metered here.
  BufferedAnswer(WireFormat format, int status, std::string content_type, http::Headers extra, std::string body,
                 std::optional<llm::Usage> usage = std::nullopt);
  boost::asio::awaitable<void> deliver(Exchange& ex) override;
  void cancel() override {}

 private:
  WireFormat format_;
  int status_;
  std::string content_type_;
  http::Headers extra_;
  std::string body_;
};

// What one upstream event did to the stream.
enum class EventResult {
  more,      // the answer goes on
  complete,  // this was the event that completes the answer ([DONE], message_stop...)
  failed,    // broken or an upstream error: the stream must end (`error` set)
};

// Turns one raw upstream SSE event into zero or more events of `format`.
// Every stream has one: a stream is only ever passed on checked, and one
// that stops before its completing event is truncated, not finished.
using EventTransform = std::function<EventResult(const std::string& raw_event, std::string& out, std::string& error)>;

// For OpenAI-wire streams forwarded as they are: each event's data must be
// JSON (or [DONE], which completes the stream).
EventTransform openai_passthrough_events();
// For Anthropic streams forwarded as they are: each event's data must be
// JSON; message_stop completes the stream, an error event fails it.
EventTransform anthropic_passthrough_events();
// For Responses API streams forwarded as they are: each event's data must be
// JSON; response.completed / .incomplete / .failed complete the stream, an
// error event fails it.
EventTransform responses_passthrough_events();

// Wraps a stream converter (`bool feed(event, data, out, error)` plus
// `bool finished()`) as an EventTransform.
template <class Converter>
EventTransform converter_events(std::shared_ptr<Converter> converter) {
  return [converter, ev = http::SseEvent()](const std::string& raw, std::string& out,
                                             std::string& error) mutable {
    if (!http::parse_sse_event(raw, ev)) return EventResult::more;  // comments keep the connection alive
    if (!converter->feed(ev.event, ev.data, out, error)) return EventResult::failed;
    return converter->finished() ? EventResult::complete : EventResult::more;
  };
}

// Where a stream's events come from, already in the answer's wire format:
// an upstream SSE body through an EventTransform, Bedrock's binary event
// stream, or events made in process. One StreamingAnswer writes them all.
class EventSource {
 public:
  enum class Step { more, done, failed };
  enum class Mode {
    first_output,   // stop at the first event that yields output (an attempt's "first token")
    buffered_only,  // only what has arrived already: never wait for the upstream
    next,           // what has arrived, else wait until something yields output or the stream ends
  };
  virtual ~EventSource() = default;
  // Appends events to `out`. On `failed`, `error` is what the client should
  // see and `transport` says whether (and how) the connection itself failed.
  virtual boost::asio::awaitable<Step> step(std::string& out, ApiError& error, http::UpstreamError& transport,
                                            Mode mode) = 0;
  // Abandons the upstream (client gone, hedge lost); safe from a callback.
  virtual void cancel() = 0;
};

// An upstream SSE body, event by event through `transform`. A stream that
// ends before the event that completes it has failed (it was cut short).
class SseEvents final : public EventSource {
 public:
  SseEvents(std::string provider_name, std::unique_ptr<http::UpstreamResponse> resp, EventTransform transform)
      : provider_(std::move(provider_name)), resp_(std::move(resp)), transform_(std::move(transform)) {}
  boost::asio::awaitable<Step> step(std::string& out, ApiError& error, http::UpstreamError& transport,
                                    Mode mode) override;
  void cancel() override { resp_->cancel(); }
  http::UpstreamResponse& response() { return *resp_; }

 private:
  std::string provider_;
  std::unique_ptr<http::UpstreamResponse> resp_;
  EventTransform transform_;
  http::SseSplitter splitter_;
  bool complete_ = false;  // the completing event was seen
  bool ended_ = false;     // the upstream body ended
  http::UpstreamError read_error_;
};

// Reads a source until its first output (or its end): the answer counts as
// prepared only then, so a stream that fails before its first event can
// still be retried elsewhere. False with `failure` set otherwise; `finished`
// says the whole stream already arrived.
boost::asio::awaitable<bool> first_events(const std::string& provider_name, EventSource& source, std::string& first,
                                          bool& finished, AttemptFailure& failure);

class StreamingAnswer final : public PreparedAnswer {
 public:
  // `first`: the events first_events() read; `finished`: they were all.
  // `strip_usage`: the client did not ask for stream usage, Torii did (to
  // meter it): the usage chunk is read, then taken out.
  StreamingAnswer(WireFormat format, int status, std::unique_ptr<EventSource> source, http::Headers extra,
                  std::string first, bool finished, bool strip_usage);
  boost::asio::awaitable<void> deliver(Exchange& ex) override;
  void cancel() override { source_->cancel(); }

 private:
  boost::asio::awaitable<void> pump(Exchange& ex);
  // Meters the events, takes out what only Torii asked for, and re-encodes
  // them for the surface.
  std::string outgoing(Exchange& ex, std::string& events);

  WireFormat format_;
  int status_;
  std::unique_ptr<EventSource> source_;
  http::Headers extra_;
  std::string first_;
  bool finished_;
  bool strip_usage_;
  UsageMeter meter_;
};

// Bounds on what an upstream may send back.
constexpr size_t kMaxErrorBody = 1 << 20;
constexpr size_t kMaxResponseBody = size_t(1) << 30;

// The upstream request fields every adapter fills alike: POST to the provider's
// target for this attempt, its pre-rendered headers, Accept, x-request-id, and
// the attempt's deadlines and cancel handle. Body and extra headers are the
// adapter's.
http::UpstreamRequest upstream_request(const AttemptRequest& req, std::string_view accept);

// The first-token deadline of an attempt (time_point::max() when it has none).
std::chrono::steady_clock::time_point first_token_deadline(const AttemptRequest& req);

// While alive, cancelling the attempt (a lost hedge) also aborts `resp`, so
// the body or first-event read stops too; afterwards the answer owns it.
class CancelWhileReading {
 public:
  CancelWhileReading(const std::shared_ptr<http::UpstreamCancel>& cancel, http::UpstreamResponse& resp);
  ~CancelWhileReading();
  CancelWhileReading(const CancelWhileReading&) = delete;
  CancelWhileReading& operator=(const CancelWhileReading&) = delete;

 private:
  http::UpstreamCancel* cancel_;
};

// An upstream error answer as the attempt's failure, its Retry-After kept both
// for the client and for the router's cooldown.
AttemptFailure status_failure(ApiError error, const http::Headers& upstream_headers);

// Maps a transport failure of the upstream client to an attempt failure.
AttemptFailure transport_failure(const std::string& provider_name, const http::UpstreamError& err);

// Upstream headers worth passing to the client: rate-limit state and timing.
void copy_upstream_headers(const http::Headers& from, http::Headers& to);

bool is_event_stream(std::string_view content_type);

}  // namespace torii::providers
