#pragma once
// The moment between resolving a request's model and its first upstream
// attempt, when the filters that meter requests (model allow-lists, rate
// limits, budgets) decide on it knowing what it may cost. The surfaces call
// the gate the gateway puts on the exchange; the gate runs the chain's
// on_admit hooks.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <optional>

#include <boost/asio/awaitable.hpp>

#include "core/errors.hpp"
#include "providers/provider.hpp"

namespace torii::routing {
struct Model;
}

namespace torii::pipeline {

struct Admission {
  const routing::Model* model = nullptr;
  uint64_t body_bytes = 0;         // of the request as the client sent it
  int64_t max_output_tokens = -1;  // max_tokens (or its synonyms); -1 when the body sets none
  int64_t choices = 1;             // "n": every choice may generate that much
  // Thinking a translation may add on top of the output cap for the
  // reasoning effort asked (llm/chat_asks.hpp), per choice.
  int64_t thinking_tokens = 0;
  bool produces_output = true;     // false for embeddings
};

// The request's body as the providers will see it, for the filters that
// check or rewrite it (input guardrails), once it is admitted and before
// the cache lookup: a fallback never sees what they took out.
struct Input {
  const routing::Model* model = nullptr;
  providers::Endpoint endpoint = providers::Endpoint::chat;  // chat for /v1/messages
  std::string& body;
  bool changed = false;  // set when `body` was rewritten (the surface reads it again)
};

// Lets a filter ask a configured model itself, apart from the client's
// request (the semantic cache's embeddings): routed like any request, but
// through no filter, and waited for at most `timeout`.
class InternalCalls {
 public:
  struct Result {
    int status = 0;  // 0: no answer within the timeout
    std::string body;
  };
  virtual ~InternalCalls() = default;
  virtual boost::asio::awaitable<Result> call(std::string model, providers::Endpoint endpoint, std::string body,
                                              std::chrono::milliseconds timeout) const = 0;
};

// What a filter that can answer a request itself (the cache) is told of
// it, once the request is admitted and before it is routed.
struct Lookup {
  const routing::Model* model = nullptr;
  providers::Endpoint endpoint = providers::Endpoint::chat;  // chat for /v1/messages
  std::string_view body;  // as the client sent it
  bool stream = false;
  const InternalCalls* calls = nullptr;
};

class AdmissionGate {
 public:
  virtual ~AdmissionGate() = default;
  // The filters that decide at once.
  virtual std::optional<ApiError> admit(const Admission&) const = 0;
  // Then, when some filter waits on a store, those.
  virtual bool admits_async() const = 0;
  virtual boost::asio::awaitable<std::optional<ApiError>> admit_async(const Admission&) const = 0;
  // Whether a filter may answer admitted requests itself; then the
  // surface awaits serve_locally, and routes the request only when it
  // answers false (nothing was sent).
  virtual bool looks_up() const = 0;
  virtual boost::asio::awaitable<bool> serve_locally(const Lookup&) const = 0;
  // Whether a filter checks the body first; then the surface calls
  // inspect_input (an error answers the request; `changed` re-reads it).
  virtual bool inspects_input() const = 0;
  virtual std::optional<ApiError> inspect_input(Input&) const = 0;
  // Then, when some filter waits on a service (a webhook), those.
  virtual bool inspects_input_async() const = 0;
  virtual boost::asio::awaitable<std::optional<ApiError>> inspect_input_async(Input&) const = 0;
};

}  // namespace torii::pipeline
