#include "llm/usage.hpp"

#include <algorithm>
#include <charconv>

#include "llm/json_scan.hpp"

namespace torii::llm {

namespace {

// Calls `f(key, n)` for every `"key": n` with an integer value in `text`,
// in one pass (nested objects included: their keys are distinct).
template <class F>
void for_each_count(std::string_view text, F&& f) {
  size_t i = 0;
  while ((i = text.find('"', i)) != std::string_view::npos) {
    const size_t begin = ++i;
    while (i < text.size() && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
    if (i >= text.size()) return;
    std::string_view key = text.substr(begin, i - begin);
    size_t j = skip_whitespace(text, i + 1);
    if (j >= text.size() || text[j] != ':') {
      ++i;  // a string value, not a key
      continue;
    }
    j = skip_whitespace(text, j + 1);
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data() + j, text.data() + text.size(), v);
    if (ec == std::errc()) f(key, v);
    i = j;
  }
}

}  // namespace

Usage usage_from_openai(std::string_view u) {
  Usage out;
  out.reported = true;
  int64_t prompt = 0;
  for_each_count(u, [&](std::string_view key, int64_t v) {
    if (key == "prompt_tokens") prompt = v;
    else if (key == "completion_tokens") out.output = v;
    else if (key == "cached_tokens") out.cached_read = v;
    else if (key == "cache_creation_input_tokens") out.cache_write = v;
    else if (key == "reasoning_tokens") out.reasoning = v;
    else if (key == "audio_tokens") out.audio += v;  // prompt's and completion's details
  });
  out.input = std::max<int64_t>(0, prompt - out.cached_read - out.cache_write);
  return out;
}

Usage usage_from_responses(std::string_view u) {
  Usage out;
  out.reported = true;
  int64_t input = 0;
  for_each_count(u, [&](std::string_view key, int64_t v) {
    if (key == "input_tokens") input = v;
    else if (key == "output_tokens") out.output = v;
    else if (key == "cached_tokens") out.cached_read = v;
    else if (key == "reasoning_tokens") out.reasoning = v;
  });
  out.input = std::max<int64_t>(0, input - out.cached_read);
  return out;
}

Usage usage_from_anthropic(std::string_view u) {
  Usage out;
  update_from_anthropic(out, u);
  return out;
}

void update_from_anthropic(Usage& out, std::string_view u) {
  out.reported = true;
  for_each_count(u, [&](std::string_view key, int64_t v) {
    if (key == "input_tokens") out.input = v;
    else if (key == "output_tokens") out.output = v;
    else if (key == "cache_read_input_tokens") out.cached_read = v;
    else if (key == "cache_creation_input_tokens") out.cache_write = v;
  });
}

}  // namespace torii::llm
