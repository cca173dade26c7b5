#pragma once
// The OpenAI-compatible API (/v1/... and the Azure deployment paths) with
// authentication and failure injection in front of it.
#include <boost/asio/awaitable.hpp>

#include "app.hpp"
#include "http/handler.hpp"

namespace torii::mock_server {

boost::asio::awaitable<void> serve_api(App& app, http::Request& req, http::ResponseWriter& w);

}  // namespace torii::mock_server
