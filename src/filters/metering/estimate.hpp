#pragma once
// A request's maximum cost, reserved against budgets before it goes
// upstream: its prompt at one token per 3 bytes of the body (above what
// English text and code use, so real prompts rarely cost more), plus its
// max_tokens × n (else the largest default_max_tokens of the chain's models,
// else kReservedOutputTokens, × n; plus the thinking budget a reasoning
// effort may add, × n), at the highest rates of any target the request
// can reach (its model's targets and every fallback model's), tiers and
// cache writes included; the prompt twice when a model of the chain hedges
// (the attempt that loses bills its prompt too).
#include <cstdint>
#include <optional>
#include <string>

#include "pipeline/admission.hpp"

namespace torii::filters::metering {

inline constexpr int64_t kReservedOutputTokens = 4096;
// Ceilings that keep the arithmetic in range (any budget or limit refuses more).
inline constexpr int64_t kMaxTokens = 1'000'000'000'000;
inline constexpr int64_t kMaxNusd = int64_t(1) << 60;

struct MaxCost {
  int64_t nusd = 0;
  int64_t input_tokens = 0, output_tokens = 0;
  // For a request that sets no output cap: the cap per choice its
  // reservation assumed, which every attempt then carries upstream
  // (Exchange::output_cap), so no upstream generates past what was reserved.
  int64_t output_cap = 0;
  // Set when a target the request can reach has no known price: its cost
  // could not be charged, so a request under a budget is refused.
  std::string unpriced;  // "provider/model"
};

MaxCost max_cost(const pipeline::Admission& a);

// What a request without max_tokens is charged against `tpm` before its true-up.
inline constexpr int64_t kDefaultOutputTokens = 256;

// The tokens charged against `tpm` up front: the prompt at 4 bytes a token,
// plus max_tokens (or kDefaultOutputTokens). Trued up to the real usage.
int64_t rate_tokens(const pipeline::Admission& a);

}  // namespace torii::filters::metering
