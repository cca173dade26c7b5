#pragma once
// A cached answer is kept as the JSON answer of its surface and served in
// the form the client asks for: as it is, or as the SSE stream that surface
// would have sent (OpenAI chat.completion.chunk events ending in [DONE];
// Anthropic message_start ... message_stop). A streamed answer is added up
// into that JSON answer before it is stored.
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "http/sse.hpp"
#include "llm/usage.hpp"

namespace torii::filters::cache {

// Adds up a stream as it goes out to the client, in its surface's format.
class StreamCollector {
 public:
  explicit StreamCollector(bool anthropic) : anthropic_(anthropic) {}
  void feed(std::string_view bytes);
  // The stream ended as a finished stream does ([DONE], message_stop) and
  // carried no error event.
  bool complete() const { return done_ && !failed_; }
  // The answer it adds up to, with `usage` where the stream carried none
  // (the client did not ask for it); "" when not complete.
  std::string answer(const llm::Usage& usage) const;

 private:
  void openai_event(std::string_view data);
  void anthropic_event(std::string_view name, std::string_view data);

  bool anthropic_;
  bool done_ = false, failed_ = false;
  http::SseSplitter splitter_;
  boost::json::object result_;   // the answer so far
  std::vector<std::string> partial_json_;  // Anthropic tool_use input, per content block
};

// The stream a client asking for one would have received.
std::string openai_stream_of(const boost::json::object& completion, bool include_usage);
std::string anthropic_stream_of(const boost::json::object& message);

// An OpenAI `usage` object for typed usage (prompt_tokens include cached reads and writes).
boost::json::object openai_usage(const llm::Usage& u);

}  // namespace torii::filters::cache
