#pragma once
// Typed token usage: one record per answer, whatever the provider and the
// surface, with each provider's conventions normalised. `input` never
// includes cached reads or cache writes (OpenAI's prompt_tokens do, Anthropic's
// input_tokens do not); `output` includes reasoning tokens, which are also
// counted apart so a provider that prices them differently can be billed right.
#include <cstdint>
#include <string_view>


namespace torii::llm {

struct Usage {
  int64_t input = 0;        // prompt tokens neither read from nor written to a cache
  int64_t output = 0;       // completion tokens, reasoning included
  int64_t cached_read = 0;  // prompt tokens read from the provider's cache
  int64_t cache_write = 0;  // prompt tokens written to it (Anthropic, Bedrock)
  int64_t reasoning = 0;    // of `output`, the reasoning (thinking) tokens
  int64_t audio = 0;        // audio tokens, prompt and completion
  // The upstream reported usage. False means unknown, never zero.
  bool reported = false;
  // Not reported but estimated (a stream cut short before its usage came):
  // about 4 characters a token of what was generated, and of the prompt.
  bool estimated = false;

  int64_t prompt_total() const { return input + cached_read + cache_write; }
  bool operator==(const Usage&) const = default;
};

// The functions below read the JSON text of one `usage` object (its counts
// are flat integers, found by key: no DOM, no allocation).

// From an OpenAI (canonical) `usage` object: prompt_tokens include cached
// reads and (Torii's extension cache_creation_input_tokens) cache writes.
Usage usage_from_openai(std::string_view usage_json);
// From a Responses API `usage` object: input_tokens include cached reads
// (input_tokens_details.cached_tokens), output_tokens include reasoning.
Usage usage_from_responses(std::string_view usage_json);
// From an Anthropic `usage` object (message, message_start or message_delta).
Usage usage_from_anthropic(std::string_view usage_json);
// A later report of the same answer (a stream's message_delta after its
// message_start): counts it carries replace the earlier ones.
void update_from_anthropic(Usage& u, std::string_view usage_json);

}  // namespace torii::llm
