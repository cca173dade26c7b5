#pragma once
// The cohere provider (v2 Chat API), through the canonical format both ways.
#include <boost/asio/awaitable.hpp>

#include "providers/attempt.hpp"

namespace torii::providers {

boost::asio::awaitable<AttemptOutcome> prepare_cohere(http::UpstreamClient& client, const AttemptRequest& request);

}  // namespace torii::providers
