#include "llm/usage.hpp"

#include <algorithm>
#include <charconv>

namespace torii::llm {

namespace {

size_t skip_space(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
  return i;
}

// Calls `f` with the integer value of every `"key": N` in `text`. The key is
// matched with its quotes, so "prompt_tokens" never matches
// "prompt_tokens_details" nor "input_tokens" "cache_read_input_tokens".
template <class F>
void for_each_count(std::string_view text, std::string_view quoted_key, F&& f) {
  size_t at = 0;
  while ((at = text.find(quoted_key, at)) != std::string_view::npos) {
    at += quoted_key.size();
    size_t i = skip_space(text, at);
    if (i >= text.size() || text[i] != ':') continue;
    i = skip_space(text, i + 1);
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data() + i, text.data() + text.size(), v);
    if (ec == std::errc()) f(v);
    at = size_t(end - text.data());
  }
}

bool read_count(std::string_view text, std::string_view quoted_key, int64_t& out) {
  bool found = false;
  for_each_count(text, quoted_key, [&](int64_t v) {
    out = v;
    found = true;
  });
  return found;
}

int64_t count_of(std::string_view text, std::string_view quoted_key) {
  int64_t v = 0;
  read_count(text, quoted_key, v);
  return v;
}

}  // namespace

Usage usage_from_openai(std::string_view u) {
  Usage out;
  out.reported = true;
  const int64_t prompt = count_of(u, "\"prompt_tokens\"");
  out.cached_read = count_of(u, "\"cached_tokens\"");
  out.cache_write = count_of(u, "\"cache_creation_input_tokens\"");
  out.input = std::max<int64_t>(0, prompt - out.cached_read - out.cache_write);
  out.output = count_of(u, "\"completion_tokens\"");
  out.reasoning = count_of(u, "\"reasoning_tokens\"");
  // In both prompt_tokens_details and completion_tokens_details.
  for_each_count(u, "\"audio_tokens\"", [&](int64_t v) { out.audio += v; });
  return out;
}

Usage usage_from_anthropic(std::string_view u) {
  Usage out;
  update_from_anthropic(out, u);
  return out;
}

void update_from_anthropic(Usage& out, std::string_view u) {
  out.reported = true;
  read_count(u, "\"input_tokens\"", out.input);
  read_count(u, "\"output_tokens\"", out.output);
  read_count(u, "\"cache_read_input_tokens\"", out.cached_read);
  read_count(u, "\"cache_creation_input_tokens\"", out.cache_write);
}

}  // namespace torii::llm
