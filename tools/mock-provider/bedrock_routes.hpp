#pragma once
// Amazon Bedrock runtime: POST /model/{modelId}/converse and
// /model/{modelId}/converse-stream, behind a real SigV4 verification.
#include <boost/asio/awaitable.hpp>

#include "app.hpp"
#include "http/handler.hpp"

namespace torii::mock_server {

bool is_bedrock_request(const http::Request& req);
boost::asio::awaitable<void> serve_bedrock(App& app, http::Request& req, http::ResponseWriter& w);

}  // namespace torii::mock_server
