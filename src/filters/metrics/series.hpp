#pragma once
// The gateway's request metrics as one thread's shard keeps them. Every
// thread that completes requests owns one shard and is its only writer;
// /metrics reads every shard from another thread and merges them. Values
// are atomics written with plain relaxed load+store (no locked instruction:
// there is one writer), so a scrape sees each value whole, never torn.
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

namespace torii::filters::metrics {

// A single-writer counter.
template <class T>
struct Cell {
  std::atomic<T> v{0};
  void add(T x) { v.store(v.load(std::memory_order_relaxed) + x, std::memory_order_relaxed); }
  T get() const { return v.load(std::memory_order_relaxed); }
};

// Upper bounds (seconds) of each histogram family; +Inf is implied.
enum class Buckets { request, overhead, per_token };
struct BucketBounds {
  const double* bounds;
  size_t count;
};
BucketBounds bounds_of(Buckets b);
constexpr size_t kMaxBuckets = 16;

struct Histogram {
  std::array<Cell<uint64_t>, kMaxBuckets + 1> counts;  // not cumulative; the last is +Inf
  Cell<double> sum;
  void observe(Buckets family, double seconds);
};

// What the cache made of a request (torii_cache_requests_total's result).
enum class CacheResult { hit, semantic_hit, miss, bypass };
constexpr size_t kCacheResults = 4;
const char* cache_result_name(CacheResult r);

enum class TokenType { input, output, cached_input, cache_write, reasoning, audio };
constexpr size_t kTokenTypes = 6;
const char* token_type_name(TokenType t);

// One label set: model, provider, status class, and the caller's key when
// metrics.key_labels is on ("" otherwise).
struct Series {
  std::string model, provider, status_class, key;
  Cell<uint64_t> requests;
  Cell<uint64_t> attempts;
  Cell<uint64_t> fallbacks;
  Cell<uint64_t> cancelled;
  Cell<uint64_t> cost_unknown;  // answered, but no price was known for its target
  Cell<uint64_t> rate_limited;     // refused by a rate limit of its key, user or team (429)
  Cell<uint64_t> budget_exceeded;  // refused by a budget of its key, user or team (402)
  Cell<double> cost_usd;
  std::array<Cell<uint64_t>, kTokenTypes> tokens;
  std::array<Cell<uint64_t>, kCacheResults> cache;
  Cell<double> cache_saved_usd;  // the cost of the answers hits repeated
  Histogram duration, upstream, overhead, ttft, per_token;
};

class Shard {
 public:
  // More distinct label sets than this (a flood of direct provider/model
  // names) fold into one series labelled "other".
  static constexpr size_t kCapacity = 512;

  Shard();
  // The series for these labels, created on first use. Owner thread only.
  Series& series(const std::string& model, const std::string& provider, const char* status_class,
                 const std::string& key = {});

  // For readers on other threads: the series published so far.
  size_t published() const { return published_.load(std::memory_order_acquire); }
  const Series& at(size_t i) const { return slots_[i]; }

 private:
  std::unique_ptr<Series[]> slots_;
  std::atomic<size_t> published_{0};
  std::unordered_map<std::string, size_t> index_;  // owner thread only
  std::string key_;                                 // reused lookup key
};

// The calling thread's shard (registered on first use, kept for the life of
// the process so a scrape may read it after the thread is gone).
Shard& local_shard();
// Calls f(shard) for every shard registered so far.
void for_each_shard(const std::function<void(const Shard&)>& f);

}  // namespace torii::filters::metrics
