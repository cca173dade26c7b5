#pragma once
// What a provider adapter needs to answer one request: the worker's upstream
// client, the client connection, and the surface's error shape.
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "core/errors.hpp"
#include "http/client.hpp"
#include "http/handler.hpp"

namespace torii::providers {

struct Exchange {
  http::UpstreamClient& client;
  http::ResponseWriter& out;
  http::Headers response_headers;  // x-request-id, x-torii-*; adapters append upstream ones
  std::string request_id;
  // Renders an error in the calling surface's shape (OpenAI or Anthropic).
  std::string (*error_body)(const ApiError&) = &openai_error_body;
};

// Answers `e` with the surface's error shape and the exchange's headers.
boost::asio::awaitable<void> send_error(Exchange& ex, const ApiError& e);

// Data of the SSE event that ends a stream which failed after it started.
std::string stream_error_payload(const ApiError& e);

}  // namespace torii::providers
