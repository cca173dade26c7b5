#pragma once
// The OpenAI Responses API: POST /v1/responses, GET and DELETE
// /v1/responses/{id}, GET /v1/responses/{id}/input_items, and the same under
// the Azure forms /openai/responses?api-version=V and /openai/v1/responses.
// The OpenAI paths' authentication and failure injection come first; the
// responses created with "store" (the default) are kept in memory, for
// retrieval and for previous_response_id.
#include <boost/asio/awaitable.hpp>

#include "app.hpp"
#include "http/handler.hpp"

namespace torii::mock_server {

bool is_responses_request(const http::Request& req);
boost::asio::awaitable<void> serve_responses(App& app, http::Request& req, http::ResponseWriter& w);

// Forgets every stored response and restarts the id serials (/mock/reset).
void clear_stored_responses();

}  // namespace torii::mock_server
