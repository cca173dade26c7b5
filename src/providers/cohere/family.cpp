// Cohere's v2 Chat API.
#include "providers/cohere/adapter.hpp"
#include "providers/family.hpp"
#include "providers/provider.hpp"

namespace torii::providers {

namespace {

std::string cohere_target(const Provider& p, Endpoint, std::string_view, bool) { return p.origin.path + "/v2/chat"; }

}  // namespace

void register_cohere_family(FamilyRegistry& registry) {
  registry.add({"cohere", {"cohere"}, std::nullopt, serves_chat_only, cohere_target, bearer_credentials, true,
                prepare_cohere});
}

}  // namespace torii::providers
