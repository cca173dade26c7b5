#pragma once
// What the Converse and InvokeModel paths of the bedrock provider share:
// authenticating a request and reading AWS's error answers.
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "providers/attempt.hpp"

namespace torii::providers {

// Adds the SigV4 headers for `body` when the provider has AWS credentials (an
// API key already travels in the provider's fixed headers).
void sign_bedrock_request(const Provider& p, http::UpstreamRequest& up, std::string_view body);

// An AWS error answer in the terms OpenAI clients act on.
ApiError bedrock_upstream_error(int status, const http::Headers& headers, std::string_view body);

// OpenAI /v1/embeddings through InvokeModel; `openai` is the parsed client body.
boost::asio::awaitable<AttemptOutcome> prepare_bedrock_embeddings(http::UpstreamClient& client,
                                                                  const AttemptRequest& req,
                                                                  const boost::json::object& openai);

}  // namespace torii::providers
