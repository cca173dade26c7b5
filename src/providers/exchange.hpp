#pragma once
// What a provider adapter needs to answer one request: the worker's upstream
// client, the client connection, and the calling surface's formats.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "core/errors.hpp"
#include "http/client.hpp"
#include "http/handler.hpp"
#include "llm/usage.hpp"

namespace torii::providers {

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

  // The answer's usage and its cost at the answering target's price (unset:
  // the price is unknown), once the answer has been delivered.
  llm::Usage usage;
  std::optional<double> cost_usd;
  RouteRecord route;
};

// Answers `e` with the surface's error shape and the exchange's headers.
boost::asio::awaitable<void> send_error(Exchange& ex, const ApiError& e);

// The SSE event that ends a stream which failed after it started, in the
// surface's format.
std::string stream_error_event(const Exchange& ex, const ApiError& e);

}  // namespace torii::providers
