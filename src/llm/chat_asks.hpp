#pragma once
// What an OpenAI chat request asks for that not every family gives the same
// way, read alike by every translator so that each one maps or refuses it on
// the same terms.
#include <cstdint>
#include <string_view>

#include <boost/json/object.hpp>

#include "llm/json_get.hpp"

namespace torii::llm {

// The thinking budget in tokens `reasoning_effort` stands for where a family
// takes a budget (Anthropic, Gemini, Bedrock's Claude models, Cohere); 0 for
// none, minimal or no effort at all.
inline int64_t thinking_budget(std::string_view effort) {
  if (effort.empty() || effort == "none" || effort == "minimal") return 0;
  if (effort == "low") return 2048;
  if (effort == "high") return 16384;
  if (effort == "xhigh") return 32768;
  return 8192;  // medium, and efforts named after this was written
}

// logprobs: true or top_logprobs > 0.
inline bool asks_logprobs(const boost::json::object& in) {
  const auto* lp = in.if_contains("logprobs");
  return (lp && lp->is_bool() && lp->get_bool()) || get::integer(in, "top_logprobs") > 0;
}

// n > 1: several choices in one answer.
inline bool asks_choices(const boost::json::object& in) { return get::integer(in, "n") > 1; }

}  // namespace torii::llm
