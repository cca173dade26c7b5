#pragma once
// One request as the request log keeps it. Built on the worker in
// on_complete (copies only), then owned by the log writer's thread.
#include <cstdint>
#include <optional>
#include <string>

#include "llm/usage.hpp"

namespace torii::filters::logging {

struct LogRecord {
  std::string request_id;
  int64_t start_us = 0;  // Unix time, microseconds
  double duration_ms = 0;
  std::optional<double> ttft_ms;      // streams: to the first chunk sent
  std::optional<double> upstream_ms;  // first attempt to delivery
  std::string surface;  // openai | anthropic
  std::string method, path;
  std::string model;           // the configured model asked for ("" when none resolved)
  std::string provider, upstream_model, fallback_model;
  int attempts = 0;
  int status = 0;  // 499 when the client left before the answer was complete
  std::string error_code;
  std::string finish_reason;  // why the answer ended, OpenAI's words, comma-separated ("" unknown)
  bool cancelled = false;
  bool streamed = false;
  std::string key_id, team_id, user_id, session_id;
  std::string tags;      // comma-separated, as given (trimmed)
  std::string metadata;  // a JSON object's text, or ""
  llm::Usage usage;
  std::optional<double> cost_usd;  // unset: unknown price (never 0 by guess)
  std::string cache;                      // hit | semantic-hit | miss | bypass; "" when no cache applies
  std::optional<double> cache_saved_usd;  // a hit: the cost of the answer it repeated
  std::string guardrails;                 // "rule:action,..." of the guardrail rules that acted
  bool has_bodies = false;
  std::string request_body, response_body;  // capped; redacted by the writer
  bool body_truncated = false;
};

}  // namespace torii::filters::logging
