#pragma once
// What the Anthropic, Gemini and Cohere routes share: the behaviour's delays and
// failures applied the way the OpenAI routes apply them, so that a flag means
// the same thing whichever wire format a test speaks.
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "app.hpp"
#include "http/handler.hpp"
#include "providers/mock/mock_llm.hpp"

namespace torii::mock_server::format_io {

// --latency-ms, then --reset before. False when the connection was reset and
// the handler must stop.
boost::asio::awaitable<bool> before_answer(const Behaviour& b, http::ResponseWriter& w);

// A 200 JSON answer shaped by --stall-ms, --malformed and --reset during.
boost::asio::awaitable<void> send_ok(const Behaviour& b, http::ResponseWriter& w, std::string body,
                                     http::Headers headers);

// Streams `answer` with the behaviour's pacing and failures. With
// `error_event`, the stream is a mid-stream failure instead: after
// --reset-after-events events (never past the second-to-last) comes that event
// and the stream ends, as a provider does when it fails after the 200 head.
boost::asio::awaitable<void> send_stream(App& app, const Behaviour& b, http::ResponseWriter& w,
                                         mock::StreamAnswer answer, http::Headers headers,
                                         std::optional<std::string> error_event = std::nullopt,
                                         std::string_view content_type = "text/event-stream");

// The body as a JSON object, or nullopt when it is not one.
std::optional<boost::json::object> parse_object(std::string_view body);

// Whether a JSON body asks for a stream ("stream": true), read leniently: the
// answer only decides how an injected failure is delivered.
bool asks_for_stream(std::string_view body);

// The token of "Authorization: Bearer <token>", or "" when absent.
std::string_view bearer_token(const http::Request& req);

// A Retry-After header when the behaviour asks for one.
void add_retry_after(const Behaviour& b, http::Headers& headers);

}  // namespace torii::mock_server::format_io
