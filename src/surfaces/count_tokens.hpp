#pragma once
// POST /v1/messages/count_tokens: the model's first target that can count
// does. An Anthropic target counts the request itself (the body as sent,
// `model` rewritten); a Gemini or Bedrock one the prompt translated
// (countTokens, CountTokens). For a model without one, or when that
// upstream gives no count, the answer is an estimate (about 4 characters a
// token of every text the model would read) marked
// `x-torii-token-count: estimated`.
#include <string>

#include <boost/asio/awaitable.hpp>

#include "providers/exchange.hpp"
#include "routing/model_table.hpp"

namespace torii::surfaces {

boost::asio::awaitable<void> anthropic_count_tokens(providers::Exchange& ex, const routing::ModelTable& models,
                                                    const http::Headers& headers, std::string body);

}  // namespace torii::surfaces
