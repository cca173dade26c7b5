#pragma once
// How a provider family counts the tokens of a prompt without answering it
// (Gemini's countTokens, Bedrock's CountTokens), for
// POST /v1/messages/count_tokens on a model whose target is of that family.
// The surface makes the exchange; the family only shapes it and reads it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "http/client.hpp"

namespace torii::providers {

struct Provider;

struct TokenCounter {
  // Fills `up` (target, headers, signature) and `body` to count the prompt
  // of `chat`, a canonical (OpenAI chat) request, on `model`. `up.body` is
  // set by the caller to `body`. False with `error` when the prompt cannot
  // be sent to this family (the same refusal a chat request would get).
  bool (*request)(const Provider&, std::string_view model, const boost::json::object& chat, std::string& body,
                  http::UpstreamRequest& up, std::string& error) = nullptr;
  // The input token count of a 200 answer; nullopt when it holds none.
  std::optional<int64_t> (*read)(std::string_view answer) = nullptr;
};

// The non-negative integer `field` of a JSON object answer, else nullopt:
// what every family's count answer holds (totalTokens, inputTokens).
std::optional<int64_t> count_field(std::string_view answer, std::string_view field);

}  // namespace torii::providers
