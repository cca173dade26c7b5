// OpenAI, every OpenAI-compatible host (and the presets), and Azure OpenAI:
// the OpenAI body as is.
#include "providers/family.hpp"
#include "providers/openai/passthrough.hpp"
#include "providers/provider.hpp"

namespace torii::providers {

namespace {

std::string openai_target(const Provider& p, Endpoint e, std::string_view, bool) {
  return p.origin.path + std::string(endpoint_path(e));
}

// Deployments by name, with the configured api-version. The Responses API
// is Azure's v1 API instead: one path, the deployment named in the body.
std::string azure_target(const Provider& p, Endpoint e, std::string_view model, bool) {
  if (e == Endpoint::responses) return p.origin.path + "/openai/v1/responses";
  return p.origin.path + "/openai/deployments/" + http::percent_encode(model) + std::string(endpoint_path(e)) +
         "?api-version=" + http::percent_encode(p.api_version);
}

void azure_credentials(Provider& p, const ProviderConfig& cfg) {
  p.has_credentials = !cfg.api_key.empty();
  if (!cfg.api_key.empty()) p.upstream_headers.add("api-key", cfg.api_key);
}

}  // namespace

// Registered by the generated family_registrations.cpp (this folder's name).
void register_openai_family(FamilyRegistry& registry) {
  registry.add({"openai", {"openai", "openai-compatible"}, WireFormat::openai, serves_everything, openai_target,
                bearer_credentials, true, prepare_passthrough});
  registry.add({"azure", {"azure"}, WireFormat::openai, serves_everything, azure_target, azure_credentials, true,
                prepare_passthrough});
}

}  // namespace torii::providers
