#pragma once
// The bedrock provider: OpenAI-format chat requests are translated to the
// Converse API, signed with SigV4 (or sent with a Bedrock API key), and the
// answers translated back; ConverseStream's binary event stream becomes
// OpenAI chunk events. Embeddings requests go to InvokeModel (embeddings.cpp).
#include <boost/asio/awaitable.hpp>

#include "providers/attempt.hpp"
#include "providers/token_counter.hpp"

namespace torii::providers {

boost::asio::awaitable<AttemptOutcome> prepare_bedrock(http::UpstreamClient& client, const AttemptRequest& request);
// count_tokens.cpp
extern const TokenCounter bedrock_token_counter;

}  // namespace torii::providers
