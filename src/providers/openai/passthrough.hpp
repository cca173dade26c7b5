#pragma once
// The fast path for OpenAI-wire upstreams (openai, openai-compatible and its
// presets, azure): the client's body goes upstream as received (model already
// spliced by the caller), and the answer comes back byte for byte; SSE events
// are forwarded whole, as soon as each one is complete.
#include <boost/asio/awaitable.hpp>

#include "providers/attempt.hpp"

namespace torii::providers {

boost::asio::awaitable<AttemptOutcome> prepare_passthrough(http::UpstreamClient& client, const AttemptRequest& request);

}  // namespace torii::providers
