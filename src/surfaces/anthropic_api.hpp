#pragma once
// The Anthropic Messages inbound API: POST /v1/messages, so the Anthropic SDK
// and Claude Code can use Torii. Anthropic targets get the request untouched
// but for `model`; any other target gets it through the canonical format, and
// its answer is re-encoded as an Anthropic message or event stream.
#include <string>

#include <boost/asio/awaitable.hpp>

#include "providers/exchange.hpp"
#include "routing/model_table.hpp"
#include "routing/router.hpp"

namespace torii::surfaces {

boost::asio::awaitable<void> anthropic_messages(routing::RouterContext& ctx, providers::Exchange& ex,
                                                const routing::ModelTable& models, const http::Headers& headers,
                                                std::string body);

}  // namespace torii::surfaces
