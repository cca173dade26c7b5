#pragma once
// Writes a prepared SSE answer with the behaviour's pacing and failures
// (time to first event, tokens per second, stall, reset, malformed event) and
// keeps the stream counters.
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "app.hpp"
#include "http/handler.hpp"
#include "providers/mock/mock_llm.hpp"

namespace torii::mock_server {

// `content_type` lets binary framings (Bedrock's event stream) reuse the pacing.
boost::asio::awaitable<void> stream_events(App& app, const Behaviour& b, http::ResponseWriter& w,
                                           mock::StreamAnswer answer, http::Headers headers,
                                           std::string_view content_type = "text/event-stream");

}  // namespace torii::mock_server
