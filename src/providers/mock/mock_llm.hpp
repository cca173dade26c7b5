#pragma once
// Deterministic answers in the OpenAI wire format. Used by the in-process `mock`
// provider (quickstart, offline demos) and by the torii-mock test server, so both
// answer the same request with the same bytes.
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

namespace torii::mock {

struct Answer {
  int status = 200;          // 400 with an OpenAI-shaped error body when the request is unusable
  std::string body;          // JSON
};

struct StreamOptions {
  // Split the reply into this many content chunks; 0 = one chunk per word.
  int chunks = 0;
  // Always append a final usage chunk (as OpenAI does when
  // stream_options.include_usage is true). If false, follows the request.
  bool force_usage = false;
};

struct GenerateOptions {
  // When > 0, the reply is exactly this many words (for response-size control);
  // otherwise it is derived from the last user message.
  int reply_words = 0;
  // Requests that came as OpenAI chat requests: tool messages must answer the
  // tool calls before them, as the API checks. Off for the canonical form
  // other formats are read into (their own routes check their own pairing).
  bool check_tool_pairing = false;
};

// `model` is echoed in the answer. `req` is the parsed request body.
Answer chat_completion(const boost::json::object& req, std::string_view model,
                       const GenerateOptions& gen = {});
Answer completion(const boost::json::object& req, std::string_view model,
                  const GenerateOptions& gen = {});
Answer embeddings(const boost::json::object& req, std::string_view model);

// Streaming variants: every element is one complete SSE event, e.g.
// "data: {...}\n\n", ending with "data: [DONE]\n\n". Errors are returned as an
// Answer with a non-200 status and no events.
struct StreamAnswer {
  Answer error;                   // status 200 when the stream is valid
  std::vector<std::string> events;
  // Parallel to `events`: true for events that carry reply text or tool-call
  // argument fragments, so a server can pace those like tokens.
  std::vector<bool> is_content;
};
StreamAnswer chat_completion_stream(const boost::json::object& req, std::string_view model,
                                    const GenerateOptions& gen = {}, const StreamOptions& opt = {});
StreamAnswer completion_stream(const boost::json::object& req, std::string_view model,
                               const GenerateOptions& gen = {}, const StreamOptions& opt = {});

// Deterministic token estimate used for `usage` (words, roughly).
int count_tokens(std::string_view text);

// {"error":{"message","type","param","code"}}; an empty param or code is null.
std::string error_body(std::string_view message, std::string_view type = "invalid_request_error",
                       std::string_view param = {}, std::string_view code = {});

}  // namespace torii::mock
