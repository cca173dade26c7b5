#pragma once
// The `guardrails:` section: named rules, each acting on input, output or
// both with block, redact or log. A rule finds spans in a text: the PII
// detectors (pii.hpp), regexes (all of a rule's patterns matched in one
// pass with RE2::Set), word lists and prompt-injection phrases (one RE2
// alternation each), or limits on the input's size.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "filters/guardrails/pii.hpp"
#include "http/client.hpp"

namespace re2 {
class RE2;
}

namespace torii {
struct Config;
}
namespace torii::config {
struct Section;
class Reader;
}  // namespace torii::config

namespace torii::filters::guardrails {

enum class RuleType : uint8_t { pii, regex, words, prompt_injection, limits, webhook, json_schema };
enum class Action : uint8_t { block, redact, log };
constexpr uint8_t kInput = 1, kOutput = 2;

struct Finding {
  size_t begin = 0, end = 0;
  const char* label = "REDACTED";  // the placeholder's type: EMAIL, CARD, ... or REDACTED
  bool restore = false;            // its rule restores the original in the answer
};

struct Rule {
  std::string name;
  RuleType type = RuleType::pii;
  uint8_t on = kInput | kOutput;
  Action action = Action::block;
  int line = 0;
  DetectorMask detectors = kAllDetectors;  // pii
  std::vector<std::string> patterns;       // regex (RE2 syntax)
  std::vector<std::string> words;          // words, prompt_injection (extra phrases)
  bool whole_word = true, case_sensitive = false;
  // redact on input: the placeholders in the answer are replaced by the
  // originals before the client sees it (the provider never saw them).
  bool restore = false;
  // webhook: the service that decides (POST {rule, side, texts} -> {action, texts, reason}).
  std::string url;
  std::shared_ptr<const http::Url> endpoint;
  uint32_t timeout_ms = 1000;
  bool fail_open = false;  // its failure (timeout, error, nonsense) lets the request through
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<uint64_t> max_input_chars;  // limits (Unicode code points of all input texts)
  std::optional<uint64_t> max_messages;

  // Compiled from the above by compile().
  std::shared_ptr<const void> compiled;

  // Appends what the rule finds in `text` (not for limits).
  void find(std::string_view text, std::vector<Finding>& out) const;
  // Compiles patterns; false with `error` on an invalid one.
  bool compile(std::string& error);
};

struct GuardrailsSection {
  std::vector<std::shared_ptr<const Rule>> rules;
  const Rule* find(std::string_view name) const;
};

// A model's `guardrails: [names]`, with its line for the cross-check.
struct ModelRules {
  std::vector<std::string> names;
  int line = 0;
};

const char* action_name(Action a);
const char* type_name(RuleType t);

config::Section gateway_section();  // `guardrails:` at the top: the rules
config::Section model_section();    // `guardrails: [names]` in a `models` entry
// Every name a model lists is a rule of the section.
void check_models(const Config& config, config::Reader& r);

}  // namespace torii::filters::guardrails
