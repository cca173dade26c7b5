#pragma once
// What metering took from each level (key, user, team) for one request, to
// give back, true up or settle when it ends; and the figures its answer's
// headers report.
#include <cstdint>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "governance/rate_counter.hpp"
#include "pipeline/request_context.hpp"

namespace torii::filters::metering {

struct MeteringState final : pipeline::FilterState {
  // What the request is metered against: its key, user and team, and the
  // model limits of each that match its model, in that order.
  static constexpr int kMaxModelLimits = 16;  // per key, user or team
  static constexpr int kMaxLevels = 3 * (1 + kMaxModelLimits);
  const governance::Principal* levels[kMaxLevels] = {};
  int count = 0;

  struct Taken {
    int64_t rpm = 0, tpm = 0;  // the limits charged against (0: none)
    int64_t tokens = 0;        // charged to tpm
    bool parallel = false;
    bool budget = false;       // a budget applied at admission
    int64_t reserved = 0;      // nano-dollars held against it
    int64_t period_start_us = 0;
    int64_t charged_at_us = 0;  // when tpm was charged (a refund after its minute gives nothing back)
  } taken[kMaxLevels];

  // The tightest level's figures, for x-ratelimit-*.
  bool has_requests = false, has_tokens = false;
  governance::RateCharge requests, tokens;
  int64_t requests_limit = 0, tokens_limit = 0;
  std::optional<int64_t> remaining_nusd;  // the least budget room left, this reservation held

  // Admitted by the shared counters (Redis): settled there, by this ticket,
  // from the worker's loop.
  bool shared = false;
  std::string ticket;
  boost::asio::any_io_executor executor;

  // Keeps the tightest figures among levels.
  void note_requests(const governance::RateCharge& r, int64_t limit) {
    if (has_requests && r.remaining >= requests.remaining) return;
    requests = r;
    requests_limit = limit;
    has_requests = true;
  }
  void note_tokens(const governance::RateCharge& r, int64_t limit) {
    if (has_tokens && r.remaining >= tokens.remaining) return;
    tokens = r;
    tokens_limit = limit;
    has_tokens = true;
  }
  void note_room(int64_t room) {
    if (!remaining_nusd || room < *remaining_nusd) remaining_nusd = room;
  }
};

}  // namespace torii::filters::metering
