// Bedrock: Converse (ConverseStream) for chat, InvokeModel for embeddings,
// signed with SigV4 (or a bearer API key).
#include "providers/bedrock/adapter.hpp"
#include "providers/family.hpp"
#include "providers/provider.hpp"

namespace torii::providers {

namespace {

std::string bedrock_target(const Provider& p, Endpoint e, std::string_view model, bool stream) {
  std::string t = p.origin.path + "/model/" + http::percent_encode(model);
  if (e == Endpoint::embeddings) return t + "/invoke";
  return t + (stream ? "/converse-stream" : "/converse");
}

void bedrock_credentials(Provider& p, const ProviderConfig& cfg) {
  bearer_credentials(p, cfg);  // a Bedrock API key
  p.has_credentials = !cfg.access_key_id.empty() || !cfg.api_key.empty();
  p.region = cfg.region;
  p.access_key_id = cfg.access_key_id;
  p.secret_access_key = cfg.secret_access_key;
  p.session_token = cfg.session_token;
}

}  // namespace

void register_bedrock_family(FamilyRegistry& registry) {
  registry.add({"bedrock", {"bedrock"}, std::nullopt, serves_all_but_legacy_completions, bedrock_target,
                bedrock_credentials, true, prepare_bedrock, &bedrock_token_counter});
}

}  // namespace torii::providers
