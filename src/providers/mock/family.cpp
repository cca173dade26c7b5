// The in-process mock: answers without I/O (the quickstart's demo model).
#include "providers/family.hpp"
#include "providers/mock/mock_provider.hpp"
#include "providers/provider.hpp"

namespace torii::providers {

namespace {

boost::asio::awaitable<AttemptOutcome> prepare_mock_attempt(http::UpstreamClient&, const AttemptRequest& request) {
  co_return prepare_mock(request);
}

std::string no_target(const Provider&, Endpoint, std::string_view, bool) { return ""; }
void no_credentials(Provider& p, const ProviderConfig&) { p.has_credentials = true; }

}  // namespace

void register_mock_family(FamilyRegistry& registry) {
  registry.add({"mock", {"mock"}, std::nullopt, serves_everything, no_target, no_credentials, false,
                prepare_mock_attempt});
}

}  // namespace torii::providers
