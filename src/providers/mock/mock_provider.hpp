#pragma once
// The in-process `mock` provider: answers from mock_llm without any network,
// for offline demos (the quickstart's `demo` model) and smoke tests.
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "providers/exchange.hpp"
#include "providers/provider.hpp"

namespace torii::providers {

boost::asio::awaitable<void> serve_mock(Exchange& ex, std::string_view model, Endpoint endpoint,
                                        std::string_view body, bool stream);

}  // namespace torii::providers
