#pragma once
// Translation between the canonical (OpenAI chat) format and Cohere's v2 Chat
// API: requests, answers and streams. Pure functions, unit-tested offline.
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "llm/openai_chunks.hpp"

namespace torii::llm {

boost::json::object openai_to_cohere_request(const boost::json::object& openai, std::string_view model,
                                             std::string& error);
boost::json::object cohere_to_openai_response(const boost::json::object& cohere, std::string_view model);
std::string openai_finish_from_cohere(std::string_view cohere_finish_reason);
// A 200 answer whose generation failed (finish_reason ERROR): no answer to
// give, but an upstream failure (`message` set).
bool cohere_answer_failed(const boost::json::object& cohere, std::string& message);

// Cohere v2 stream events in, OpenAI chunk events out.
class CohereToOpenAIStream {
 public:
  CohereToOpenAIStream(std::string model, bool include_usage) : model_(std::move(model)), usage_(include_usage) {}
  // Returns false for an event that ends the stream in error (`error` set).
  bool feed(std::string_view event, std::string_view data, std::string& out, std::string& error);
  bool finished() const { return finished_; }  // message-end arrived

 private:
  void chunk(std::string& out, boost::json::object delta, const char* finish_reason = nullptr);

  std::string model_;
  bool usage_;
  std::string id_ = "chatcmpl-cohere";
  int64_t created_ = 0;
  ToolArguments tool_args_;
  bool finished_ = false;
};

}  // namespace torii::llm
