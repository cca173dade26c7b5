#pragma once
// The fast path for OpenAI-wire upstreams (openai, openai-compatible and its
// presets, azure): the client's body goes upstream as received (model already
// spliced by the caller), and the answer comes back byte for byte; SSE events
// are forwarded whole, as soon as each one is complete.
#include <string>

#include <boost/asio/awaitable.hpp>

#include "providers/exchange.hpp"
#include "providers/provider.hpp"

namespace torii::providers {

boost::asio::awaitable<void> passthrough(Exchange& ex, const Provider& provider, std::string_view model,
                                         Endpoint endpoint, std::string body, bool stream);

}  // namespace torii::providers
