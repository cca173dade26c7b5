#pragma once
// Wall-clock time since the Unix epoch, as the stores, budgets and rate
// limits count it.
#include <chrono>
#include <cstdint>
#include <cstdlib>

namespace torii::core {

// TORII_CLOCK_OFFSET_S (whole seconds, may be negative) moves this clock,
// read once at first use: tests that need a budget period to end on cue
// run the gateway a few seconds before it. Unset, it is 0.
inline int64_t clock_offset_us() {
  static const int64_t offset = [] {
    const char* v = std::getenv("TORII_CLOCK_OFFSET_S");
    return v ? int64_t(std::strtoll(v, nullptr, 10)) * 1'000'000 : int64_t(0);
  }();
  return offset;
}

inline int64_t unix_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
             .count() +
         clock_offset_us();
}

inline int64_t unix_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
             .count() +
         clock_offset_us() * 1000;
}

}  // namespace torii::core
