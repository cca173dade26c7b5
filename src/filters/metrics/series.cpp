#include "filters/metrics/series.hpp"

#include <functional>
#include <mutex>
#include <vector>

namespace torii::filters::metrics {

namespace {

// Whole requests: 5 ms to 5 min (long streams).
constexpr double kRequest[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
// The gateway's own share of a request: 25 µs to 1 s.
constexpr double kOverhead[] = {0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                0.005,    0.01,    0.025,  0.05,    0.1,    0.25,  1};
// Seconds per output token: 1 ms to 1 s.
constexpr double kPerToken[] = {0.001, 0.0025, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.25, 0.5, 1};

static_assert(std::size(kRequest) <= kMaxBuckets && std::size(kOverhead) <= kMaxBuckets &&
              std::size(kPerToken) <= kMaxBuckets);

struct ShardList {
  std::mutex mutex;  // taken once per thread (registration) and by scrapes, never per request
  std::vector<std::unique_ptr<Shard>> shards;
};

ShardList& shard_list() {
  static ShardList* list = new ShardList;  // never destroyed: threads may outlive static teardown
  return *list;
}

}  // namespace

BucketBounds bounds_of(Buckets b) {
  switch (b) {
    case Buckets::request: return {kRequest, std::size(kRequest)};
    case Buckets::overhead: return {kOverhead, std::size(kOverhead)};
    case Buckets::per_token: return {kPerToken, std::size(kPerToken)};
  }
  return {kRequest, std::size(kRequest)};
}

void Histogram::observe(Buckets family, double seconds) {
  BucketBounds b = bounds_of(family);
  size_t i = 0;
  while (i < b.count && seconds > b.bounds[i]) ++i;
  counts[i == b.count ? kMaxBuckets : i].add(1);
  sum.add(seconds);
}

const char* cache_result_name(CacheResult r) {
  static constexpr const char* kNames[kCacheResults] = {"hit", "semantic-hit", "miss", "bypass"};
  return kNames[size_t(r)];
}

const char* token_type_name(TokenType t) {
  static constexpr const char* names[] = {"input", "output", "cached_input", "cache_write", "reasoning", "audio"};
  return names[size_t(t)];
}

Shard::Shard() : slots_(new Series[kCapacity + 1]) {}

Series& Shard::series(const std::string& model, const std::string& provider, const char* status_class,
                      const std::string& key) {
  key_.assign(model).push_back('\0');
  key_.append(provider).push_back('\0');
  key_.append(status_class).push_back('\0');
  key_.append(key);
  if (auto it = index_.find(key_); it != index_.end()) return slots_[it->second];
  size_t n = published_.load(std::memory_order_relaxed);
  if (n >= kCapacity) {
    // The overflow series (the last slot), published once like the others.
    Series& other = slots_[kCapacity];
    if (n == kCapacity) {
      other.model = other.provider = other.status_class = "other";
      published_.store(kCapacity + 1, std::memory_order_release);
    }
    return other;
  }
  Series& s = slots_[n];
  s.model = model;
  s.provider = provider;
  s.status_class = status_class;
  s.key = key;
  index_.emplace(key_, n);
  // The labels are written before the count that makes them visible.
  published_.store(n + 1, std::memory_order_release);
  return s;
}

Shard& local_shard() {
  thread_local Shard* shard = [] {
    auto& list = shard_list();
    std::lock_guard lock(list.mutex);
    list.shards.push_back(std::make_unique<Shard>());
    return list.shards.back().get();
  }();
  return *shard;
}

void for_each_shard(const std::function<void(const Shard&)>& f) {
  auto& list = shard_list();
  std::lock_guard lock(list.mutex);
  for (const auto& s : list.shards) f(*s);
}

}  // namespace torii::filters::metrics
