#pragma once
// The anthropic provider: OpenAI-format requests are translated to the
// Messages API and answers (plain or streamed) translated back; requests from
// the Anthropic surface (`native`) pass through untouched but for the model.
#include <boost/asio/awaitable.hpp>

#include "providers/attempt.hpp"

namespace torii::providers {

// Used when a request does not say max_tokens, which the Messages API requires,
// and its model sets no default_max_tokens.
constexpr int kAnthropicDefaultMaxTokens = 4096;
constexpr const char* kAnthropicVersion = "2023-06-01";

boost::asio::awaitable<AttemptOutcome> prepare_anthropic(http::UpstreamClient& client, const AttemptRequest& request);

}  // namespace torii::providers
