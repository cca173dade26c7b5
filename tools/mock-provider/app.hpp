#pragma once
// State shared by every worker: the behaviour in force and the stats.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "behaviour.hpp"
#include "stats.hpp"

namespace torii::mock_server {

class App {
 public:
  explicit App(Behaviour initial);

  // An immutable snapshot: a request keeps the behaviour it started with even
  // if /mock/config changes it meanwhile. Under chaos (chaos_percent), an API
  // request's copy may carry one drawn fault, counted in the stats.
  std::shared_ptr<const Behaviour> behaviour();
  // The configured behaviour, without a chaos draw (/mock/config).
  std::shared_ptr<const Behaviour> configured() const;
  void set_behaviour(Behaviour b);
  // Zeroes the stats and restores the command-line behaviour.
  void reset();

  // Counts a request that could fail; true when it must (every fail_every-th).
  bool should_fail(const Behaviour& b);
  std::string next_request_id();

  Stats stats;

 private:
  const Behaviour initial_;
  mutable std::mutex mutex_;
  std::shared_ptr<const Behaviour> current_;
  std::atomic<std::uint64_t> fail_counter_{0};
  std::atomic<std::uint64_t> request_ids_{0};
};

}  // namespace torii::mock_server
