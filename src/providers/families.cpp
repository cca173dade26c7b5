#include "providers/family.hpp"

#include "providers/anthropic/adapter.hpp"
#include "providers/bedrock/adapter.hpp"
#include "providers/cohere/adapter.hpp"
#include "providers/gemini/adapter.hpp"
#include "providers/mock/mock_provider.hpp"
#include "providers/openai/passthrough.hpp"

namespace torii::providers {

namespace {

bool everything(Endpoint) { return true; }
bool chat_only(Endpoint e) { return e == Endpoint::chat; }
bool no_legacy_completions(Endpoint e) { return e != Endpoint::completions; }

// The in-process mock answers without I/O.
boost::asio::awaitable<AttemptOutcome> prepare_mock_attempt(http::UpstreamClient&, const AttemptRequest& request) {
  co_return prepare_mock(request);
}

// OpenAI, Azure and every OpenAI-compatible host: the OpenAI body as is.
const Family kOpenAI{"openai", WireFormat::openai, everything, prepare_passthrough};
// Anthropic has no completions or embeddings API.
const Family kAnthropic{"anthropic", WireFormat::anthropic, chat_only, prepare_anthropic};
// Gemini: generateContent and embedContent; no legacy completions.
const Family kGemini{"gemini", std::nullopt, no_legacy_completions, prepare_gemini};
// Bedrock: Converse for chat, InvokeModel for embeddings.
const Family kBedrock{"bedrock", std::nullopt, no_legacy_completions, prepare_bedrock};
const Family kCohere{"cohere", std::nullopt, chat_only, prepare_cohere};
const Family kMock{"mock", std::nullopt, everything, prepare_mock_attempt};

}  // namespace

const Family& family_of(Kind kind) {
  switch (kind) {
    case Kind::openai:
    case Kind::azure: return kOpenAI;
    case Kind::anthropic: return kAnthropic;
    case Kind::gemini: return kGemini;
    case Kind::bedrock: return kBedrock;
    case Kind::cohere: return kCohere;
    case Kind::mock: return kMock;
  }
  return kOpenAI;
}

}  // namespace torii::providers
