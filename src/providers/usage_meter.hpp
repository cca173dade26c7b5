#pragma once
// Reads the token usage and the finish reasons off an answer as it passes, in
// the answer's own wire format, without a DOM of the answer: only the
// `usage` objects are parsed.
#include <string>
#include <string_view>
#include <vector>

#include "llm/usage.hpp"
#include "providers/provider.hpp"

namespace torii::providers {


class UsageMeter {
 public:
  // `estimate`: for streams, which a client or an upstream can cut short
  // before their usage report.
  explicit UsageMeter(WireFormat format, bool estimate = false) : format_(format), estimate_(estimate) {}
  // A whole answer, or any number of complete stream events. Later reports
  // replace earlier ones (a stream's final usage wins).
  void observe(std::string_view text);
  // One `usage` object's JSON text, already found.
  void observe_object(std::string_view usage_json);
  // Only the finish reasons of a whole answer or of complete events.
  void observe_finish(std::string_view text);
  // The usage; for a stream that never reported it (cut short by the client
  // or the upstream), an estimate of what was generated (`estimated`).
  llm::Usage usage() const;
  // Why the answer ended, in OpenAI's words (stop, length, tool_calls,
  // content_filter, ...; Anthropic's stop reasons and the Responses API's
  // ends mapped to them), each reason once, in the order seen.
  const std::vector<std::string>& finish_reasons() const { return finish_; }

 private:
  void note_finish(std::string_view reason);

  WireFormat format_;
  bool estimate_;
  llm::Usage usage_;
  size_t generated_chars_ = 0;  // text and tool-call arguments seen in stream deltas
  std::vector<std::string> finish_;
};

// About 4 characters a token: the estimate for usage nobody reported.
inline int64_t estimated_tokens(size_t chars) { return int64_t((chars + 3) / 4); }

// Takes out of OpenAI stream events what only Torii asked for: the usage-only
// chunk and the "usage":null member include_usage adds to every other chunk.
void strip_stream_usage(std::string& events);

}  // namespace torii::providers
