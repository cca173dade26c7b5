#pragma once
// Translation between the canonical (OpenAI chat) format and Amazon Bedrock's
// Converse API: requests, answers and ConverseStream events. Pure functions,
// unit-tested offline; the event-stream framing and signing live in the
// adapter.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "llm/openai_chunks.hpp"

namespace torii::llm {

// The Converse body (the model id travels in the path, streaming in the
// operation name, so neither is in it). `error` is set when the request cannot
// be expressed, e.g. an image given by http URL, which Converse cannot fetch.
// `model_id` decides what reasoning_effort can become (Claude's thinking).
// response_format (JSON mode or a JSON schema) becomes one forced tool whose
// input is the answer, named by converse_structured_tool.
boost::json::object openai_to_converse_request(const boost::json::object& openai, std::string& error,
                                               std::string_view model_id = {});
// The name of the structured-output tool a request's response_format makes,
// or "" when it asks for none (the json_schema's name when Bedrock takes it).
std::string converse_structured_tool(const boost::json::object& openai);
// `id` becomes the completion id (Converse answers have none). A call of
// `structured_tool` is turned back into the answer's text.
boost::json::object converse_to_openai_response(const boost::json::object& converse, std::string_view model,
                                                std::string_view id, std::string_view structured_tool = {});
std::string openai_finish_from_converse(std::string_view stop_reason);

// The HTTP status an in-stream exception stands for (throttlingException ->
// 429, ...), so a failed stream reports what a failed request would.
int converse_exception_status(std::string_view exception_type);

// ConverseStream events (already unframed) in, OpenAI chunk events out.
class ConverseToOpenAIStream {
 public:
  ConverseToOpenAIStream(std::string model, bool include_usage, std::string id, std::string structured_tool = {})
      : model_(std::move(model)), usage_(include_usage), id_(std::move(id)),
        structured_tool_(std::move(structured_tool)) {}
  // One event: its :event-type and JSON payload. Appends complete OpenAI SSE
  // events ("data: ...\n\n") to `out`. Returns false when the payload is not
  // a JSON object (then `error` is set).
  bool feed(std::string_view event_type, std::string_view payload, std::string& out, std::string& error);
  // The upstream ended cleanly: closes a stream that stopped without its
  // metadata event. Returns false when the message never stopped (truncated).
  bool finish(std::string& out, std::string& error);
  bool done() const { return done_; }

 private:
  void chunk(std::string& out, boost::json::object delta, const char* finish_reason = nullptr);
  void close(std::string& out, const boost::json::object* usage);

  std::string model_;
  bool usage_;
  std::string id_;
  int64_t created_ = 0;
  bool started_ = false, stopped_ = false, done_ = false;
  // metadata (usage) and messageStop may come in either order: the stream
  // closes once both are in, or at its end after messageStop.
  bool have_usage_ = false;
  boost::json::object usage_event_;
  int tool_count_ = 0;
  static constexpr int kStructuredBlock = -2;
  std::vector<int> block_tool_;  // per contentBlockIndex: OpenAI tool_calls index, kStructuredBlock, or -1
  std::string structured_tool_;  // the forced structured-output tool, whose input is the answer
  bool structured_ = false;      // it was called
  bool structured_text_ = false; // and some of its input has been sent
  ToolArguments tool_args_;
};

}  // namespace torii::llm
