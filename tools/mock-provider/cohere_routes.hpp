#pragma once
// The Cohere v2 API (/v2/chat), with Cohere's bearer-token check and error
// bodies in front of it.
#include <boost/asio/awaitable.hpp>

#include "app.hpp"
#include "http/handler.hpp"

namespace torii::mock_server {

bool is_cohere_request(const http::Request& req);
boost::asio::awaitable<void> serve_cohere(App& app, http::Request& req, http::ResponseWriter& w);

}  // namespace torii::mock_server
