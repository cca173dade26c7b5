#pragma once
// /mock/stats, /mock/config and /mock/reset: how tests observe and steer
// torii-mock. Not counted in the stats.
#include <boost/asio/awaitable.hpp>

#include "app.hpp"
#include "http/handler.hpp"

namespace torii::mock_server {

boost::asio::awaitable<void> serve_admin(App& app, http::Request& req, http::ResponseWriter& w);

}  // namespace torii::mock_server
