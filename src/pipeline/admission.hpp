#pragma once
// The moment between resolving a request's model and its first upstream
// attempt, when the filters that meter requests (model allow-lists, rate
// limits, budgets) decide on it knowing what it may cost. The surfaces call
// the gate the gateway puts on the exchange; the gate runs the chain's
// on_admit hooks.
#include <cstdint>
#include <optional>

#include "core/errors.hpp"

namespace torii::routing {
struct Model;
}

namespace torii::pipeline {

struct Admission {
  const routing::Model* model = nullptr;
  uint64_t body_bytes = 0;         // of the request as the client sent it
  int64_t max_output_tokens = -1;  // max_tokens (or its synonyms) × n; -1 when the body sets none
  bool produces_output = true;     // false for embeddings
};

class AdmissionGate {
 public:
  virtual ~AdmissionGate() = default;
  virtual std::optional<ApiError> admit(const Admission&) const = 0;
};

}  // namespace torii::pipeline
