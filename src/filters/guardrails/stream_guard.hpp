#pragma once
// Output rules on a stream, as it flows: each text delta (OpenAI content
// and tool-call arguments; Anthropic text, thinking and input_json deltas)
// joins what was held back of its part, the rules run on that, and all of
// it goes out but the tail a match could still be growing into: the run of
// characters at the end that a detector's match may contain (letters,
// digits, @ . _ % + - : / = (, spaces and ) after digits, a space after ),
// the spaces of an IBAN written in groups), at most 256 bytes and never
// part of a character.
// So a word waits for the character after it, never for more; the rest is
// released when its part ends (finish_reason, content_block_stop). A block
// rule ends the stream with an error event in the surface's shape.
#include <functional>
#include <map>
#include <string>
#include <utility>

#include "core/errors.hpp"
#include "filters/guardrails/scrubber.hpp"
#include "http/sse.hpp"

namespace torii::filters::guardrails {

class StreamGuard {
 public:
  StreamGuard(Scrubber& scrubber, bool anthropic) : scrubber_(scrubber), anthropic_(anthropic) {}
  // Rewrites a batch of the surface's SSE bytes. False when a block rule
  // matched: `events` then ends with the error event, and the stream must end.
  bool feed(std::string& events);
  const Rule* blocked_by() const { return blocked_; }
  // Checks a whole answer's text when it ends (the JSON schema it was asked
  // for): the rule that stops the stream, or null.
  std::function<const Rule*(const std::string& text)> at_end;

  // Where the releasable part of `text` ends (exposed for tests).
  static size_t releasable(std::string_view text);

 private:
  struct Part {
    std::string held;    // not yet released
    std::string recent;  // the last released bytes, context for block rules
    std::string all;     // everything released, when at_end wants it
  };
  // Adds `delta` to the part and returns what may go out now (`final`: all of it).
  std::string release(Part& p, std::string_view delta, bool final);
  bool openai_event(const std::string& data, const std::string& raw, std::string& out);
  bool anthropic_event(const std::string& name, const std::string& data, const std::string& raw, std::string& out);
  void block(std::string& out);

  Scrubber& scrubber_;
  bool anthropic_;
  const Rule* blocked_ = nullptr;
  http::SseSplitter splitter_;
  std::map<std::pair<int64_t, int64_t>, Part> parts_;  // (choice or block index, tool index or kind)
};

}  // namespace torii::filters::guardrails
