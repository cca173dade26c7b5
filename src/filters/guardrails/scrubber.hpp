#pragma once
// One request's use of its rules: checks texts against the rules for one
// side (input or output), rewrites redacted spans with typed placeholders
// ([EMAIL_1]: the same value gets the same placeholder throughout the
// request), and remembers which rules acted, for the header, the log and
// the metrics. The originals live only here, for the request's duration.
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "filters/guardrails/rules.hpp"

namespace torii::filters::guardrails {

class Scrubber {
 public:
  explicit Scrubber(std::vector<const Rule*> rules) : rules_(std::move(rules)) {}

  bool any(uint8_t side) const;
  const std::vector<const Rule*>& rules() const { return rules_; }
  // Checks `text` with the rules of `side` (prompt-injection rules only
  // when `from_user`): a block rule that matches is returned (nothing is
  // rewritten then); else redactions are made in place.
  const Rule* apply(std::string& text, uint8_t side, bool from_user);
  // The same, on spans found in `text` with `context` before it (a
  // stream's recent output, for block rules only), redacting only what
  // ends at or before `*hold`, and moving `*hold` back to the start of a
  // span that crosses it.
  const Rule* apply_streamed(std::string_view context, std::string& text, size_t* hold);

  // The limits rules: the first one the input breaks.
  const Rule* over_limits(uint64_t input_chars, uint64_t messages);

  struct Acted {
    const Rule* rule;
    Action action;
  };
  const std::vector<Acted>& acted() const { return acted_; }
  void record(const Rule* r, Action a);

  // Placeholders given by input rules with `restore`: an answer's copies
  // are replaced by their originals (restore()) before the client sees it.
  bool restores() const { return !restorable_.empty(); }
  // Replaces every such placeholder in `text`; how many.
  size_t restore(std::string& text) const;
  // Where a placeholder may begin that `text` does not close yet ("[EMAIL_"):
  // a stream holds it back until it can be restored whole; npos if none.
  size_t open_placeholder(std::string_view text) const;

 private:
  std::string placeholder(std::string_view original, const char* label, bool restorable);

  std::vector<const Rule*> rules_;
  std::vector<Acted> acted_;
  std::unordered_map<std::string, std::string> given_;  // original value -> its placeholder
  std::map<std::string, int, std::less<>> counts_;      // label -> placeholders given
  std::unordered_map<std::string, std::string> restorable_;  // placeholder -> original
};

// Code points of UTF-8 text (bytes that do not start a sequence are not counted).
uint64_t code_points(std::string_view text);

}  // namespace torii::filters::guardrails
