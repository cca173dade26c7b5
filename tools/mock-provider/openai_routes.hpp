#pragma once
// The OpenAI-compatible API (/v1/... and the Azure deployment paths) with
// authentication and failure injection in front of it.
#include <optional>

#include <boost/asio/awaitable.hpp>

#include "app.hpp"
#include "endpoints.hpp"
#include "http/handler.hpp"

namespace torii::mock_server {

boost::asio::awaitable<void> serve_api(App& app, http::Request& req, http::ResponseWriter& w);

// With --api-key: the 401 (OpenAI's invalid_api_key body) for a request that
// does not present the key as "Authorization: Bearer" (`api-key` on Azure
// endpoints); nullopt when it does, or when no key is configured.
std::optional<http::Response> check_auth(const Behaviour& b, const http::Request& req, const Endpoint& ep,
                                         const http::Headers& headers);

}  // namespace torii::mock_server
