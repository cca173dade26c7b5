#pragma once
// POST /v1/messages/count_tokens: an Anthropic target of the model counts
// the request itself (the body as sent, `model` rewritten); for a model
// without one, the answer is an estimate (about 4 characters a token of
// every text the model would read) marked `x-torii-token-count: estimated`.
#include <string>

#include <boost/asio/awaitable.hpp>

#include "providers/exchange.hpp"
#include "routing/model_table.hpp"

namespace torii::surfaces {

boost::asio::awaitable<void> anthropic_count_tokens(providers::Exchange& ex, const routing::ModelTable& models,
                                                    const http::Headers& headers, std::string body);

}  // namespace torii::surfaces
