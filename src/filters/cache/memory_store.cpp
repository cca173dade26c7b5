#include "filters/cache/memory_store.hpp"

#include <algorithm>
#include <functional>

namespace torii::filters::cache {

MemoryStore::MemoryStore(uint64_t max_bytes, uint64_t max_entry_bytes) {
  // As many shards as keep a full-size entry storable in each, up to 16.
  const uint64_t per_entry = std::max<uint64_t>(max_entry_bytes * 2, 1);
  const size_t n = size_t(std::clamp<uint64_t>(max_bytes / per_entry, 1, 16));
  shards_.reserve(n);
  for (size_t i = 0; i < n; ++i) shards_.push_back(std::make_unique<Shard>());
  shard_cap_ = max_bytes / n;
}

MemoryStore::Shard& MemoryStore::shard_of(const std::string& key) {
  // Keys end in SHA-256 hex digits: any of them spread evenly.
  return *shards_[std::hash<std::string>{}(key) % shards_.size()];
}

void MemoryStore::drop(Shard& s, std::list<Entry>::iterator it) {
  s.bytes -= it->bytes;
  s.index.erase(std::string_view(it->key));
  s.lru.erase(it);
}

std::shared_ptr<const CachedAnswer> MemoryStore::get(const std::string& key, int64_t now_us) {
  Shard& s = shard_of(key);
  std::lock_guard lock(s.mutex);
  auto found = s.index.find(std::string_view(key));
  if (found == s.index.end()) return nullptr;
  auto it = found->second;
  if (it->expires_us <= now_us) {
    drop(s, it);
    return nullptr;
  }
  s.lru.splice(s.lru.begin(), s.lru, it);
  return it->answer;
}

void MemoryStore::put(const std::string& key, std::shared_ptr<const CachedAnswer> answer, int64_t expires_us) {
  const size_t bytes = answer->footprint() + key.size() * 2 + 64;
  if (bytes > shard_cap_) return;
  Shard& s = shard_of(key);
  std::lock_guard lock(s.mutex);
  if (auto found = s.index.find(std::string_view(key)); found != s.index.end()) drop(s, found->second);
  while (!s.lru.empty() && s.bytes + bytes > shard_cap_) drop(s, std::prev(s.lru.end()));
  s.lru.push_front(Entry{key, std::move(answer), expires_us, bytes});
  s.index.emplace(std::string_view(s.lru.front().key), s.lru.begin());
  s.bytes += bytes;
}

size_t MemoryStore::erase(std::string_view prefix) {
  size_t n = 0;
  for (auto& sp : shards_) {
    Shard& s = *sp;
    std::lock_guard lock(s.mutex);
    for (auto it = s.lru.begin(); it != s.lru.end();) {
      auto next = std::next(it);
      if (it->key.starts_with(prefix)) {
        drop(s, it);
        ++n;
      }
      it = next;
    }
  }
  return n;
}

MemoryStore::Totals MemoryStore::totals() const {
  Totals t;
  for (const auto& sp : shards_) {
    std::lock_guard lock(sp->mutex);
    t.entries += sp->lru.size();
    t.bytes += sp->bytes;
  }
  return t;
}

}  // namespace torii::filters::cache
