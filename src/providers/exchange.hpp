#pragma once
// What a provider adapter needs to answer one request: the worker's upstream
// client, the client connection, and the calling surface's formats.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/errors.hpp"
#include "http/client.hpp"
#include "http/handler.hpp"
#include "llm/usage.hpp"
#include "providers/caller.hpp"

namespace torii::pipeline {
class AdmissionGate;
}

namespace torii::providers {

struct Provider;

// Re-encodes canonical (OpenAI-format) answers for a surface that speaks
// another format. Streams are fed whole SSE events, in order.
class OutputTranslator {
 public:
  virtual ~OutputTranslator() = default;
  virtual std::string content_type() const = 0;
  virtual std::string body(std::string_view openai_json) = 0;
  virtual std::string events(std::string_view openai_sse_events) = 0;
  virtual std::string finish() = 0;  // the stream is over
  virtual std::string error_event(const ApiError& e) = 0;
};

// Sees an answer's body as it goes out, in the surface's format, after the
// filters (the Responses surface keeps what it answered).
class OutputTap {
 public:
  virtual ~OutputTap() = default;
  // `status`: of the answer's head; `data`: a whole body, or (`streamed`)
  // a batch of a stream's events.
  virtual void observe(int status, std::string_view data, bool streamed) = 0;
  // Work an observation started that must finish before that data goes out:
  // the Responses store, since the client's next request may reach another
  // node sharing the store and must find the response there.
  virtual bool holds() const { return false; }
  virtual boost::asio::awaitable<void> settle() = 0;
};

// One upstream attempt as a trace shows it (recorded only for traced requests).
struct AttemptTrace {
  std::chrono::steady_clock::time_point start, end;
  uint64_t span_id = 0;
  const Provider* provider = nullptr;
  std::string upstream_model;
  int status = 0;          // the upstream's status; 0 when none came (transport failure)
  std::string error;       // the failure's code or message; "" when it answered
  bool won = false;        // its answer was delivered
};

// The request's W3C trace context (filled by the tracing filter).
struct TraceContext {
  bool active = false;     // this request is traced: attempts get spans and are recorded
  uint8_t trace_id[16] = {};
  uint64_t span_id = 0;    // the request's span
  uint64_t parent_span_id = 0;  // the client's span (0: the trace started here)
  std::string tracestate;  // the client's, passed on
  // Without tracing: the client's traceparent, passed on upstream as it came.
  std::string passthrough;
};

// What routing made of a request, for the filters that report on it after
// the fact (logs, metrics, traces). Copies: the direct `provider/model` form
// builds its model inside the surface, which is gone by on_complete.
struct RouteRecord {
  using Clock = std::chrono::steady_clock;
  std::string model;           // the configured model asked for; "" when none was resolved
  std::string fallback_model;  // the fallback that answered; "" when the model itself did
  std::string provider;        // of the answering target, else of the last one tried
  std::string upstream_model;
  int attempts = 0;
  std::string error_code;      // of the error answered (its code, else its type); "" on success
  std::string body_user;       // the end user the body names (OpenAI `user`, Anthropic metadata.user_id)
  Clock::time_point upstream_start;  // the first attempt began (unset: none was made)
  Clock::time_point upstream_end;    // the answer was delivered, or the last attempt failed
  const Provider* provider_ptr = nullptr;  // of `provider` (owned by the request's snapshot)
  std::vector<AttemptTrace> attempt_traces;        // traced requests only
};

// What the cache made of the request (src/filters/cache), for its header,
// the request log and the metrics.
struct CacheRecord {
  std::string status;  // "" (no cache applies), hit, semantic-hit, miss, bypass
  std::optional<double> saved_usd;  // a hit: what the original answer cost (unset: unknown)
  double similarity = 0;            // a semantic hit's cosine similarity
};

struct Exchange {
  Exchange(http::UpstreamClient& c, http::ResponseWriter& o, std::string id)
      : client(c), out(o), request_id(std::move(id)) {
    response_headers.reserve(8);  // x-request-id, x-torii-*, a few upstream ones
  }

  http::UpstreamClient& client;
  http::ResponseWriter& out;
  http::Headers response_headers;  // x-request-id, x-torii-*; adapters append upstream ones
  std::string request_id;
  // Renders an error in the calling surface's shape (OpenAI or Anthropic).
  std::string (*error_body)(const ApiError&) = &openai_error_body;
  // Set when the surface does not speak the canonical format.
  std::shared_ptr<OutputTranslator> translator;
  OutputTap* tap = nullptr;  // optional; owned by the surface

  // The answer's usage and its cost at the answering target's price (unset:
  // the price is unknown), once the answer has been delivered.
  llm::Usage usage;
  std::optional<double> cost_usd;
  RouteRecord route;
  CacheRecord cache;
  // Why the answer ended, in OpenAI's words (stop, length, tool_calls, ...),
  // once delivered; empty when unknown (a failure, a cut stream).
  std::vector<std::string> finish_reasons;
  // The output cap a budget's reservation assumed for a request that set
  // none (0: none): every attempt's body carries it, so that no upstream
  // generates past what was reserved.
  int64_t output_cap = 0;
  bool cache_bypass = false;  // a filter made the answer this request's own (restored PII): never cached
  std::string guardrails;  // the guardrail rules that acted: "rule:action,..." ("" when none)
  TraceContext trace;
  // The caller's model allow-lists (names or globs) of its key, user and
  // team; null = any model. Set by auth, checked by the surfaces once the
  // model is resolved.
  const std::vector<std::string>* allowed_models[3] = {};
  Caller caller;  // set by auth; points into what its state keeps alive
  // Runs the filters' on_admit before the first attempt (null: nothing to check).
  const pipeline::AdmissionGate* gate = nullptr;
};

// Answers `e` with the surface's error shape and the exchange's headers.
boost::asio::awaitable<void> send_error(Exchange& ex, const ApiError& e);

// The SSE event that ends a stream which failed after it started, in the
// surface's format.
std::string stream_error_event(const Exchange& ex, const ApiError& e);

}  // namespace torii::providers
