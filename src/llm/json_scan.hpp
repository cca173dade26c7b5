#pragma once
// Single-pass JSON validation that also locates the top-level fields the
// gateway routes on, so a pass-through request is never parsed into a DOM nor
// re-serialised: the body is forwarded with at most the `model` value spliced.
#include <cstddef>
#include <string>
#include <string_view>

namespace torii::llm {

struct Span {
  size_t begin = 0;
  size_t end = 0;  // one past the last byte
  bool empty() const { return begin == end; }
};

struct RequestScan {
  bool valid = false;      // the body is one well-formed JSON value (UTF-8 checked)
  bool is_object = false;  // ... and that value is an object
  std::string error;       // why it is not valid, with the byte offset

  bool has_model = false;
  bool model_is_string = false;
  Span model_token;        // the model value's token, quotes included
  std::string model;       // decoded, when model_is_string

  bool stream = false;     // top-level "stream": true
  bool has_stream_options = false;
  Span stream_options_token;  // the value of top-level "stream_options"

  // Top-level "user" (OpenAI) and "metadata" (Anthropic's carries user_id):
  // who the end user is, for the request log.
  Span user_token;
  Span metadata_token;

  // The most output the request asks for: the largest of max_tokens,
  // max_completion_tokens and max_output_tokens (-1: none set; at most
  // 10^12), and how many choices ("n", 1 by default).
  int64_t max_output_tokens = -1;
  int64_t choices = 1;

  // The reasoning effort asked for: top-level "reasoning_effort" (chat) or
  // "reasoning": {"effort"} (Responses API); "" when none. A translation
  // may give thinking a budget on top of the output cap (Anthropic,
  // Bedrock's Claude), so a budget reserves for it too.
  std::string reasoning_effort;

  // An answer's top-level "usage" value (empty when absent), so that usage
  // is read off a forwarded answer without a second pass over it.
  Span usage_token;
};

// Validates `body` (depth-limited) and fills the fields above.
RequestScan scan_request(std::string_view body, int max_depth = 128);

// The end user a request body names: a string "user" (OpenAI), else
// "metadata": {"user_id": "..."} (Anthropic); "" when neither.
std::string body_user(std::string_view body, const RequestScan& scan);

// Validation only (used on upstream responses).
bool is_valid_json(std::string_view text, std::string* error = nullptr, int max_depth = 512);

// The first position at or after `at` that is not JSON whitespace.
inline size_t skip_whitespace(std::string_view text, size_t at) {
  while (at < text.size() && (text[at] == ' ' || text[at] == '\t' || text[at] == '\r' || text[at] == '\n')) ++at;
  return at;
}

// Appends `value` as a JSON string literal (quotes, escapes) to `out`.
void append_json_string(std::string& out, std::string_view value);

// The body with the model token replaced by `model` as a JSON string. Every
// other byte is copied unchanged. Requires scan.has_model.
std::string replace_model(std::string_view body, const RequestScan& scan, std::string_view model);

// `body`, a valid JSON object, with `member` ("name":value, valid JSON)
// inserted as its first member; every other byte unchanged.
std::string with_first_member(std::string_view body, std::string_view member);

// For streams: the body with stream_options.include_usage set to true, so the
// upstream reports usage even when the client did not ask. Returns false (and
// leaves `out` empty) when the client already asked for it. Requires a valid
// object body.
bool with_stream_usage(std::string_view body, const RequestScan& scan, std::string& out);

// Whether an OpenAI chat/completions SSE event is the usage-only chunk
// ("choices": []) that include_usage adds before [DONE].
bool is_usage_only_chunk(std::string_view event);

}  // namespace torii::llm
