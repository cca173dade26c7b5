#pragma once
// The Anthropic Messages API (/v1/messages, /v1/messages/count_tokens, and
// /v1/models when the request carries anthropic-version), with Anthropic's
// credential checks and error bodies in front of it.
#include <boost/asio/awaitable.hpp>

#include "app.hpp"
#include "http/handler.hpp"

namespace torii::mock_server {

bool is_anthropic_request(const http::Request& req);
boost::asio::awaitable<void> serve_anthropic(App& app, http::Request& req, http::ResponseWriter& w);

}  // namespace torii::mock_server
