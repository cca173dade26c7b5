#pragma once
// Prepared answers shared by the adapters: a complete body, or an upstream SSE
// stream whose first event has arrived. Both know the format they carry and
// re-encode through the exchange's OutputTranslator only when the surface
// speaks another one.
#include <functional>
#include <memory>
#include <string>

#include "http/client.hpp"
#include "http/sse.hpp"
#include "providers/attempt.hpp"
#include "providers/usage_meter.hpp"

namespace torii::providers {


class BufferedAnswer final : public PreparedAnswer {
 public:
  BufferedAnswer(WireFormat format, int status, std::string content_type, http::Headers extra, std::string body);
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

class StreamingAnswer final : public PreparedAnswer {
 public:
  // `complete`: the first events already completed the answer.
  // `strip_usage`: the client did not ask for stream usage, Torii did (to
  // meter it): the usage chunk is read, then taken out.
  StreamingAnswer(WireFormat format, std::string provider_name, std::unique_ptr<http::UpstreamResponse> resp,
                  http::Headers extra, http::SseSplitter splitter, std::string first_events, bool complete,
                  EventTransform transform, bool strip_usage);
  boost::asio::awaitable<void> deliver(Exchange& ex) override;
  void cancel() override { resp_->cancel(); }

 private:
  boost::asio::awaitable<void> pump(Exchange& ex);
  // Events in the surface's format, from events in this answer's format.
  std::string outgoing(Exchange& ex, const std::string& events) const;

  WireFormat format_;
  std::string provider_;
  std::unique_ptr<http::UpstreamResponse> resp_;
  http::Headers extra_;
  http::SseSplitter splitter_;
  std::string first_;
  bool complete_;
  EventTransform transform_;
  bool strip_usage_;
  UsageMeter meter_;
};

// Reads upstream events until the first one that yields output (a stream's
// "first token"), through `transform`. On failure returns false with
// `failure` set: a broken event or an early end is a failed attempt, which
// the router may retry elsewhere. `complete` says the answer is already whole.
boost::asio::awaitable<bool> read_first_events(const std::string& provider_name, http::UpstreamResponse& resp,
                                               http::SseSplitter& splitter, const EventTransform& transform,
                                               std::string& first, bool& complete, AttemptFailure& failure);

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
