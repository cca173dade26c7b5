#pragma once
// The gemini provider (Google AI Studio's Gemini API): OpenAI-format chat
// requests are translated to generateContent / streamGenerateContent (SSE) and
// answers translated back; embeddings go through batchEmbedContents.
#include <boost/asio/awaitable.hpp>

#include "providers/attempt.hpp"
#include "providers/token_counter.hpp"

namespace torii::providers {

boost::asio::awaitable<AttemptOutcome> prepare_gemini(http::UpstreamClient& client, const AttemptRequest& request);
// count_tokens.cpp
extern const TokenCounter gemini_token_counter;

}  // namespace torii::providers
