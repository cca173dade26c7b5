#pragma once
// Translation between the canonical (OpenAI chat) format and Anthropic's
// Messages API, both directions, for requests, answers and streams. Pure
// functions of their input, unit-tested without a network.
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "llm/openai_chunks.hpp"

namespace torii::llm {

// --- OpenAI surface -> Anthropic provider ---------------------------------

// `error` is set (and the result meaningless) when the request cannot be
// expressed, e.g. a message with an unknown role.
boost::json::object openai_to_anthropic_request(const boost::json::object& openai, std::string_view model,
                                                int default_max_tokens, std::string& error);
boost::json::object anthropic_to_openai_response(const boost::json::object& message, std::string_view model);

// Anthropic SSE events in, OpenAI chat.completion.chunk events out.
class AnthropicToOpenAIStream {
 public:
  AnthropicToOpenAIStream(std::string model, bool include_usage) : model_(std::move(model)), usage_(include_usage) {}
  // One parsed event (`event` name, `data` JSON). Appends complete OpenAI SSE
  // events ("data: ...\n\n") to `out`. Returns false when the event is an
  // upstream error (then `error_message` is set) or not valid JSON.
  bool feed(std::string_view event, std::string_view data, std::string& out, std::string& error_message);
  bool finished() const { return finished_; }

 private:
  void chunk(std::string& out, boost::json::object delta, const char* finish_reason = nullptr);

  std::string model_;
  bool usage_;
  std::string id_ = "chatcmpl-anthropic";
  int64_t created_ = 0;
  int64_t input_tokens_ = 0, output_tokens_ = 0, cache_read_ = 0, cache_creation_ = 0;
  int tool_index_ = -1;
  std::vector<int> block_tool_index_;  // per content block: OpenAI tool_calls index, or -1
  ToolArguments tool_args_;
  bool finished_ = false;
};

// --- Anthropic surface -> canonical ----------------------------------------

boost::json::object anthropic_to_openai_request(const boost::json::object& anthropic, std::string& error);
boost::json::object openai_to_anthropic_response(const boost::json::object& completion, std::string_view model);

// OpenAI chunk events in, Anthropic SSE events out (message_start ...
// message_stop), so any provider can answer the Anthropic SDK.
class OpenAIToAnthropicStream {
 public:
  // `estimated_input_tokens`: what message_start reports before the
  // upstream's usage comes (at the end, in message_delta).
  explicit OpenAIToAnthropicStream(std::string model, int64_t estimated_input_tokens = 0)
      : model_(std::move(model)), estimated_input_(estimated_input_tokens) {}
  // `data` is one OpenAI SSE data payload (a chunk, or "[DONE]").
  void feed(std::string_view data, std::string& out);
  // Closes the message if the upstream ended without [DONE].
  void finish(std::string& out);

 private:
  void start(std::string& out, std::string_view id);
  void close_block(std::string& out);

  std::string model_;
  bool started_ = false, done_ = false;
  int block_ = -1;           // index of the open content block, -1 = none
  bool block_is_text_ = false;
  int next_block_ = 0;
  std::vector<int> tool_blocks_;  // OpenAI tool_calls index -> block index
  std::string stop_reason_ = "end_turn";
  int64_t input_tokens_ = 0, output_tokens_ = 0, cached_tokens_ = 0;
  int64_t estimated_input_ = 0;
};

std::string anthropic_stop_reason(std::string_view openai_finish_reason);
std::string openai_finish_reason(std::string_view anthropic_stop_reason);

// "event: NAME\ndata: JSON\n\n"
std::string anthropic_event(std::string_view name, const boost::json::object& data);

}  // namespace torii::llm
