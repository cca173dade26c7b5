#include "llm/usage.hpp"

#include <algorithm>

#include "llm/json_get.hpp"

namespace torii::llm {

namespace json = boost::json;
using get::integer;
using get::obj;

Usage usage_from_openai(const json::object& u) {
  Usage out;
  out.reported = true;
  const int64_t prompt = integer(u, "prompt_tokens");
  const json::object* pd = obj(u, "prompt_tokens_details");
  const json::object* cd = obj(u, "completion_tokens_details");
  out.cached_read = integer(pd, "cached_tokens");
  out.cache_write = integer(u, "cache_creation_input_tokens");
  out.input = std::max<int64_t>(0, prompt - out.cached_read - out.cache_write);
  out.output = integer(u, "completion_tokens");
  out.reasoning = integer(cd, "reasoning_tokens");
  out.audio = integer(pd, "audio_tokens") + integer(cd, "audio_tokens");
  // Embeddings answer with prompt_tokens only.
  return out;
}

Usage usage_from_anthropic(const json::object& u) {
  Usage out;
  update_from_anthropic(out, u);
  return out;
}

void update_from_anthropic(Usage& out, const json::object& u) {
  out.reported = true;
  if (u.contains("input_tokens")) out.input = integer(u, "input_tokens");
  if (u.contains("output_tokens")) out.output = integer(u, "output_tokens");
  if (u.contains("cache_read_input_tokens")) out.cached_read = integer(u, "cache_read_input_tokens");
  if (u.contains("cache_creation_input_tokens")) out.cache_write = integer(u, "cache_creation_input_tokens");
}

}  // namespace torii::llm
