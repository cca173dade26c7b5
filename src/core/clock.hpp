#pragma once
// Wall-clock time since the Unix epoch, as the stores, budgets and rate
// limits count it.
#include <chrono>
#include <cstdint>

namespace torii::core {

inline int64_t unix_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline int64_t unix_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace torii::core
