#pragma once
// One attempt at one target, split in two phases so the router can retry,
// fall back or hedge: `attempt()` talks to the upstream without writing a byte
// to the client; the PreparedAnswer it returns on success is delivered (or, for
// a hedged loser, abandoned) by the caller.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/errors.hpp"
#include "http/client.hpp"
#include "llm/usage.hpp"
#include "providers/exchange.hpp"
#include "providers/provider.hpp"

namespace torii::providers {

enum class FailureClass {
  status,     // the upstream answered with an HTTP error status
  connect,    // could not connect (refused, DNS, TLS)
  timeout,    // connect, first-token or total deadline passed
  io,         // connection broke before the answer was complete
  protocol,   // the upstream answered something unusable (bad HTTP, invalid JSON)
  cancelled,  // abandoned by the caller
};

struct AttemptFailure {
  FailureClass cls = FailureClass::io;
  ApiError error;  // what the client sees if this failure is the last word
  std::chrono::milliseconds retry_after{0};  // from the upstream's Retry-After
};

struct AttemptLimits {
  std::chrono::milliseconds connect{10'000};
  std::chrono::milliseconds first_token{0};  // 0 = none
  std::chrono::milliseconds total{600'000};
};

// An upstream answer that has arrived (for streams: its head and first event)
// but has not been sent to the client yet.
class PreparedAnswer {
 public:
  virtual ~PreparedAnswer() = default;
  // What the answer used: known before delivery for a complete body, and at
  // the end of delivery for a stream (reported = false if it never said).
  const llm::Usage& usage() const { return usage_; }
  bool usage_known_before_delivery() const { return usage_before_delivery_; }
  // Why it ended (UsageMeter::finish_reasons), known when its usage is.
  const std::vector<std::string>& finish_reasons() const { return finish_reasons_; }
  // Sends everything to the client, including a stream's remainder; a stream
  // that breaks from here on ends with an SSE error event.
  virtual boost::asio::awaitable<void> deliver(Exchange& ex) = 0;
  // Abandons the answer and its upstream connection.
  virtual void cancel() = 0;

 protected:
  llm::Usage usage_;
  std::vector<std::string> finish_reasons_;
  bool usage_before_delivery_ = false;
};

struct AttemptOutcome {
  std::unique_ptr<PreparedAnswer> answer;  // set on success
  AttemptFailure failure;                  // meaningful when !answer
  std::chrono::steady_clock::duration latency{};  // until the answer (or failure) was known
};

struct AttemptRequest {
  const Provider* provider = nullptr;
  std::string model;  // upstream model id
  Endpoint endpoint = Endpoint::chat;
  // The client's body with `model` already set for this target; shared so
  // that attempts on targets with the same model id do not copy it.
  std::shared_ptr<const std::string> body;
  bool stream = false;
  AttemptLimits limits;
  std::string request_id;
  // W3C trace context sent upstream ("" = none): this attempt's span when
  // Torii traces the request, else the client's own, passed on.
  std::string traceparent, tracestate;
  int trace_index = -1;  // its entry in the request's attempt traces (-1: not traced)
  // The body is already in this provider's own format (Anthropic surface to
  // an anthropic provider): forwarded as is, answered as is.
  bool native = false;
  // Client headers the provider family understands (anthropic-beta, ...).
  http::Headers forward_headers;
  // The body asks for stream usage only because Torii added it: the usage
  // chunk is taken out of what the client sees.
  bool strip_stream_usage = false;
  // The model's default_max_tokens (0 = the adapter's own default).
  int default_max_tokens = 0;
  std::shared_ptr<http::UpstreamCancel> cancel;  // optional, for hedging
};

boost::asio::awaitable<AttemptOutcome> attempt(http::UpstreamClient& client, AttemptRequest request);

// Parses a Retry-After header (delta-seconds; HTTP dates are ignored).
std::chrono::milliseconds parse_retry_after(std::string_view value);

}  // namespace torii::providers
