// Anthropic's Messages API; no completions or embeddings API.
#include "providers/anthropic/adapter.hpp"
#include "providers/family.hpp"
#include "providers/provider.hpp"

namespace torii::providers {

namespace {

std::string anthropic_target(const Provider& p, Endpoint, std::string_view, bool) { return p.origin.path + "/v1/messages"; }

void anthropic_credentials(Provider& p, const ProviderConfig& cfg) {
  p.has_credentials = !cfg.api_key.empty();
  if (!cfg.api_key.empty()) p.upstream_headers.add("x-api-key", cfg.api_key);
}

}  // namespace

void register_anthropic_family(FamilyRegistry& registry) {
  registry.add({"anthropic", {"anthropic"}, WireFormat::anthropic, serves_chat_only, anthropic_target,
                anthropic_credentials, true, prepare_anthropic});
}

}  // namespace torii::providers
