#pragma once
// The shared flow of adapters whose provider speaks its own JSON format over
// HTTP + SSE: translate the canonical request, send it, map errors, translate
// the answer or each stream event back. An adapter supplies only the format.
#include <functional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "providers/answers.hpp"
#include "providers/attempt.hpp"

namespace torii::providers {

struct Translation {
  // Canonical (OpenAI) request -> provider body; sets `error` when impossible.
  std::function<std::string(const boost::json::object& openai, std::string& error)> encode;
  // Provider answer -> canonical answer (serialised).
  std::function<std::string(const boost::json::object& answer)> decode;
  // A fresh per-stream event transform (provider SSE -> canonical chunks).
  std::function<EventTransform(bool include_usage)> stream;
  // Adjusts an upstream error before the router sees it (statuses, codes).
  std::function<void(ApiError&)> adjust_error;
  // Optional: a 200 answer (or a stream's first event, as JSON) that is really
  // a refusal, such as a prompt blocked before any output. True with `error`
  // set fails the attempt with that error instead of answering.
  std::function<bool(const boost::json::object& answer, ApiError& error)> refusal;
  http::Headers headers;  // extra per-request upstream headers
  // The body is already in the provider's format: skip encode/decode/stream,
  // forward both ways byte for byte (only checking that answers are JSON).
  bool native = false;
  WireFormat native_format = WireFormat::anthropic;  // what a native answer is
  // For native streams: checks (and may filter) the forwarded events.
  EventTransform native_events;
};

boost::asio::awaitable<AttemptOutcome> prepare_translated(http::UpstreamClient& client, const AttemptRequest& request,
                                                          const Translation& translation);

}  // namespace torii::providers
