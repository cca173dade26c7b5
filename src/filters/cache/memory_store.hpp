#pragma once
// The embedded cache store: a byte-capped LRU with per-entry expiry, in
// shards by key so that the workers share every entry without a global
// lock (a lookup locks one shard for a hash-map probe and a list splice).
// Each shard holds its share of the cap: an entry larger than that share
// is not kept.
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "filters/cache/cached_answer.hpp"

namespace torii::filters::cache {

class MemoryStore {
 public:
  MemoryStore(uint64_t max_bytes, uint64_t max_entry_bytes);

  // The live entry for `key`, or null (expired entries are dropped here).
  std::shared_ptr<const CachedAnswer> get(const std::string& key, int64_t now_us);
  void put(const std::string& key, std::shared_ptr<const CachedAnswer> answer, int64_t expires_us);
  // Drops every entry, or those whose key starts with `prefix`; how many.
  size_t erase(std::string_view prefix = {});

  struct Totals {
    uint64_t entries = 0, bytes = 0;
  };
  Totals totals() const;

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const CachedAnswer> answer;
    int64_t expires_us;
    size_t bytes;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::list<Entry> lru;  // most recently used first
    std::unordered_map<std::string_view, std::list<Entry>::iterator> index;  // views into Entry::key
    uint64_t bytes = 0;
  };
  Shard& shard_of(const std::string& key);
  static void drop(Shard& s, std::list<Entry>::iterator it);

  std::vector<std::unique_ptr<Shard>> shards_;
  uint64_t shard_cap_;
};

}  // namespace torii::filters::cache
