#pragma once
// A per-minute limit as a GCRA (generic cell rate algorithm): one atomic
// "theoretical arrival time". Each unit (a request, a token) moves it on by
// 60 s / limit; a charge is admitted while it stays within 60 s of now. So
// a limit of N admits N at once and then one every 60/N s: exact at the
// limit, no fixed-window double bursts, and no lock (one CAS per charge).
#include <atomic>
#include <cstdint>

namespace torii::governance {

constexpr int64_t kRateWindowNs = 60'000'000'000;

struct RateCharge {
  bool admitted = false;
  int64_t remaining = 0;       // units left after this charge (0 when refused)
  int64_t reset_ns = 0;        // until the limit is whole again
  int64_t retry_after_ns = 0;  // refused: until this charge would fit
  bool never = false;          // refused: the charge alone is over the limit
};

class RateCounter {
 public:
  RateCharge charge(int64_t limit_per_min, int64_t units, int64_t now_ns);
  // Gives units back (a refusal further on, or a true-up below the charge),
  // but never capacity that is already past (the arrival time stays >= now);
  // negative `units` charges more without a check (a true-up above it).
  void refund(int64_t limit_per_min, int64_t units, int64_t now_ns);

 private:
  static int64_t interval_ns(int64_t limit) { return (kRateWindowNs + limit - 1) / limit; }
  std::atomic<int64_t> tat_ns_{0};
};

// A ceiling on requests in flight: one atomic counter.
class ParallelCounter {
 public:
  // False (and nothing taken) when `limit` are already in flight.
  bool enter(int64_t limit, int64_t& in_flight_after);
  void leave() { n_.fetch_sub(1, std::memory_order_relaxed); }
  int64_t in_flight() const { return n_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> n_{0};
};

}  // namespace torii::governance
