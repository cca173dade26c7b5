#pragma once
// Reads the token usage off an answer as it passes, in the answer's own wire
// format, without a DOM of the answer: only the `usage` objects are parsed.
#include <string>
#include <string_view>

#include "llm/usage.hpp"
#include "providers/provider.hpp"

namespace torii::providers {


class UsageMeter {
 public:
  explicit UsageMeter(WireFormat format) : format_(format) {}
  // A whole answer, or any number of complete stream events. Later reports
  // replace earlier ones (a stream's final usage wins).
  void observe(std::string_view text);
  const llm::Usage& usage() const { return usage_; }

 private:
  WireFormat format_;
  llm::Usage usage_;
};

// Takes out of OpenAI stream events what only Torii asked for: the usage-only
// chunk and the "usage":null member include_usage adds to every other chunk.
void strip_stream_usage(std::string& events);

}  // namespace torii::providers
