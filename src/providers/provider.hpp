#pragma once
// A configured upstream account, compiled from its config entry once at start:
// origin parsed, auth and extra headers rendered, so a request only copies them.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "http/client.hpp"
#include "http/message.hpp"

namespace torii::providers {

struct Family;

// The wire formats a body or an answer can be in (the canonical one is openai;
// responses is OpenAI's Responses API).
enum class WireFormat { openai, anthropic, responses };

// The OpenAI-surface operations a request can ask for. `responses` is only
// ever an attempt's endpoint: a Responses request routes as `chat` and goes
// to /responses only on a target that takes its body as is.
enum class Endpoint { chat, completions, embeddings, responses };

struct Provider {
  std::string name;
  std::string type;  // canonical type name from the config
  const Family* family = nullptr;  // never null once made
  // The OpenTelemetry GenAI name of the provider (gen_ai.provider.name):
  // openai, anthropic, aws.bedrock, gcp.gemini, groq, ...
  std::string genai_name;
  http::Url origin;
  http::Headers upstream_headers;  // credentials first, then the configured extras
  // upstream_headers plus "Content-Type: application/json", rendered once as
  // the wire lines every request to this provider carries.
  std::string header_block;
  std::string api_version;
  std::chrono::milliseconds timeout{600'000};
  std::chrono::milliseconds connect_timeout{10'000};
  bool has_credentials = false;
  // Takes Responses API bodies as they are (OpenAI and Azure OpenAI; other
  // OpenAI-compatible hosts get them translated to chat completions).
  bool speaks_responses = false;
  // bedrock: requests are signed (SigV4) for this region with these credentials.
  std::string region, access_key_id, secret_access_key, session_token;

  // Whether this build can serve `e` through this provider.
  bool supports(Endpoint e) const;
  // Request target (path + query) for `e` with upstream model `model`
  // (some providers use a different path for streams).
  std::string target(Endpoint e, std::string_view model, bool stream = false) const;
  // Whether a body already in `format` goes to this provider as it is (but
  // for `model`); answered in that format too.
  bool forwards_as_is(WireFormat format) const;
  // True for types answered by forwarding the OpenAI body as is.
  bool passthrough() const { return forwards_as_is(WireFormat::openai); }
};

// Fails (nullptr + message) only on values the config validator cannot see,
// such as a base_url that is not a usable URL.
std::unique_ptr<Provider> make_provider(const ProviderConfig& cfg, std::string& error);

std::string_view endpoint_path(Endpoint e);  // "/chat/completions", ...

}  // namespace torii::providers
