#pragma once
// The Gemini API (/v1beta/models/{model}:generateContent and friends, also under
// /v1/), with Google's API-key checks and error bodies in front of it.
#include <boost/asio/awaitable.hpp>

#include "app.hpp"
#include "http/handler.hpp"

namespace torii::mock_server {

bool is_gemini_request(const http::Request& req);
boost::asio::awaitable<void> serve_gemini(App& app, http::Request& req, http::ResponseWriter& w);

}  // namespace torii::mock_server
