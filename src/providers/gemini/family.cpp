// Gemini: generateContent (SSE for streams) and batchEmbedContents.
#include "providers/family.hpp"
#include "providers/gemini/adapter.hpp"
#include "providers/provider.hpp"

namespace torii::providers {

namespace {

std::string gemini_target(const Provider& p, Endpoint e, std::string_view model, bool stream) {
  std::string t = p.origin.path + "/v1beta/models/" + http::percent_encode(model);
  if (e == Endpoint::embeddings) return t + ":batchEmbedContents";
  return t + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
}

void gemini_credentials(Provider& p, const ProviderConfig& cfg) {
  p.has_credentials = !cfg.api_key.empty();
  if (!cfg.api_key.empty()) p.upstream_headers.add("x-goog-api-key", cfg.api_key);
}

}  // namespace

void register_gemini_family(FamilyRegistry& registry) {
  registry.add({"gemini", {"gemini"}, std::nullopt, serves_all_but_legacy_completions, gemini_target,
                gemini_credentials, true, prepare_gemini, &gemini_token_counter});
}

}  // namespace torii::providers
