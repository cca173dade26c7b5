#pragma once
// Target selection: given the targets still eligible for this attempt, pick one.
// Pure functions of their inputs (plus the random source), so distributions are
// unit-tested directly.
#include <atomic>
#include <cstdint>
#include <random>
#include <span>
#include <string_view>

namespace torii::routing {

enum class Strategy { priority, weighted, round_robin, least_latency, p2c, least_busy, cost };

Strategy parse_strategy(std::string_view name);  // names as in the config; unknown -> priority

struct Candidate {
  size_t index = 0;        // position in the model's target list
  uint32_t weight = 1;
  double latency_ms = 0;   // peak-EWMA time to first token; 0 = no sample yet
  int in_flight = 0;
  double price = 0;        // input + output USD per million tokens; 0 = unknown
};

// Returns the chosen candidate's `index`. `candidates` must not be empty and is
// in configured order. `rr` is the model's shared round-robin counter.
size_t pick(Strategy s, std::span<const Candidate> candidates, std::mt19937_64& rng,
            std::atomic<uint64_t>& rr, size_t target_count);

}  // namespace torii::routing
