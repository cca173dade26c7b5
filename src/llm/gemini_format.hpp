#pragma once
// Translation between the canonical (OpenAI) format and the Gemini API
// (generateContent, streamGenerateContent, batchEmbedContents): requests out,
// answers and stream events back. Pure functions of their input, unit-tested
// without a network.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

namespace torii::llm {

// --- chat ---------------------------------------------------------------------

// `error` is set (and the result meaningless) when the request cannot be
// expressed, e.g. a tool result whose tool_call_id no earlier call had.
boost::json::object openai_to_gemini_request(const boost::json::object& openai, std::string& error);
boost::json::object gemini_to_openai_response(const boost::json::object& answer, std::string_view model);

// A prompt Gemini refused before generating anything (promptFeedback.blockReason
// and no candidates): true with `message` set. Clients see it as a 400
// content_policy_violation, not as an empty answer.
bool gemini_prompt_blocked(const boost::json::object& answer, std::string& message);

std::string openai_finish_reason_from_gemini(std::string_view gemini_reason, bool has_tool_calls);

// An id for a function call that Gemini did not name: the same call in the
// same answer gets the same id, plain or streamed.
std::string gemini_tool_call_id(std::string_view response_id, int64_t candidate, int64_t call_index,
                                std::string_view name);

// Gemini accepts an OpenAPI subset in `parameters` and `responseSchema`:
// keywords outside it are dropped and `"type": [T, "null"]` becomes
// `"type": T, "nullable": true`.
boost::json::value gemini_schema(const boost::json::value& json_schema);

// Streamed GenerateContentResponse objects in (SSE data payloads), OpenAI
// chat.completion.chunk events out, ending with the usage chunk (when asked)
// and [DONE] once every expected candidate has finished.
class GeminiToOpenAIStream {
 public:
  GeminiToOpenAIStream(std::string model, bool include_usage, int64_t candidates = 1)
      : model_(std::move(model)), usage_(include_usage), expected_(candidates < 1 ? 1 : candidates) {}
  // Appends complete OpenAI SSE events to `out`. Returns false on an upstream
  // error event, a blocked prompt or invalid JSON (`error_message` set).
  bool feed(std::string_view data, std::string& out, std::string& error_message);
  // The same, for an SSE event (Gemini's events have no names).
  bool feed(std::string_view /*event*/, std::string_view data, std::string& out, std::string& error_message) {
    return feed(data, out, error_message);
  }
  bool finished() const { return finished_; }

 private:
  struct Choice {
    bool started = false, finished = false;
    int tool_calls = 0;
  };
  void chunk(std::string& out, int64_t index, boost::json::object delta, const char* finish_reason = nullptr);
  Choice& choice(int64_t index);

  std::string model_;
  bool usage_;
  int64_t expected_;
  std::string id_, response_id_;
  int64_t created_ = 0;
  std::vector<Choice> choices_;
  boost::json::object usage_metadata_;
  bool finished_ = false;
};

// --- embeddings ---------------------------------------------------------------

// OpenAI /v1/embeddings body -> batchEmbedContents body for `model`.
boost::json::object openai_to_gemini_embeddings(const boost::json::object& openai, std::string_view model,
                                                std::string& error);
// batchEmbedContents answer -> OpenAI list; `base64` packs each vector as
// little-endian float32, as encoding_format "base64" asks.
boost::json::object gemini_to_openai_embeddings(const boost::json::object& answer, std::string_view model,
                                                bool base64);

}  // namespace torii::llm
