#include "filters/cache/semantic_index.hpp"

#include <cmath>
#include <shared_mutex>

// hnswlib 0.6.2's SSE search prefetches the id one past each link list,
// which reads 4 bytes past an upper layer's list: harmless with a real
// allocator, a heap-buffer-overflow to AddressSanitizer. Sanitized builds
// take its scalar path instead.
#ifdef TORII_SANITIZED
#define NO_MANUAL_VECTORIZATION
#endif
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-variable"
#include <hnswlib/hnswlib.h>
#pragma GCC diagnostic pop

namespace torii::filters::cache {

namespace {
constexpr size_t kInitialCapacity = 64;
constexpr size_t kNeighbours = 16;        // M: links per node
constexpr size_t kBuildBreadth = 64;      // ef_construction
constexpr size_t kSearchBreadth = 48;     // ef at lookup
constexpr size_t kCandidates = 4;         // nearest looked at, for expired ones
}  // namespace

struct SemanticIndex::Partition {
  explicit Partition(size_t d) : dim(d), space(d), index(&space, kInitialCapacity, kNeighbours, kBuildBreadth) {
    index.setEf(kSearchBreadth);
  }
  struct Item {
    std::string entry_key;
    int64_t expires_us = 0;
    bool deleted = false;
  };
  mutable std::shared_mutex mutex;
  size_t dim;
  hnswlib::InnerProductSpace space;
  hnswlib::HierarchicalNSW<float> index;
  std::vector<Item> items;  // by label
};

SemanticIndex::~SemanticIndex() = default;

bool SemanticIndex::normalise(std::vector<float>& v) {
  double norm = 0;
  for (float x : v) norm += double(x) * double(x);
  if (!(norm > 0) || !std::isfinite(norm)) return false;
  const double inv = 1.0 / std::sqrt(norm);
  for (float& x : v) x = float(x * inv);
  return true;
}

std::shared_ptr<SemanticIndex::Partition> SemanticIndex::find(const std::string& partition) const {
  std::lock_guard lock(mutex_);
  auto it = partitions_.find(partition);
  return it == partitions_.end() ? nullptr : it->second;
}

std::optional<SemanticIndex::Match> SemanticIndex::nearest(const std::string& partition, std::vector<float> v,
                                                           int64_t now_us) const {
  auto p = find(partition);
  if (!p || v.size() != p->dim || !normalise(v)) return std::nullopt;
  std::shared_lock lock(p->mutex);
  if (p->items.empty()) return std::nullopt;
  auto found = p->index.searchKnn(v.data(), std::min(kCandidates, p->items.size()));
  // The queue pops the farthest first: keep the closest live one.
  std::optional<Match> best;
  while (!found.empty()) {
    const auto [distance, label] = found.top();
    found.pop();
    const Partition::Item& item = p->items[label];
    if (item.deleted || item.expires_us <= now_us) continue;
    best = Match{item.entry_key, 1.0f - distance};
  }
  return best;
}

void SemanticIndex::insert(const std::string& partition, std::vector<float> v, std::string entry_key,
                           int64_t expires_us) {
  if (v.empty() || !normalise(v)) return;
  std::shared_ptr<Partition> p;
  std::vector<std::pair<std::shared_ptr<Partition>, size_t>> evicted;
  size_t label = 0;
  {
    std::lock_guard lock(mutex_);
    auto& slot = partitions_[partition];
    if (!slot) slot = std::make_shared<Partition>(v.size());
    p = slot;
    if (v.size() != p->dim) return;  // another embedding model's vectors: never compared
    {
      std::unique_lock plock(p->mutex);
      label = p->items.size();
      if (label >= p->index.max_elements_) p->index.resizeIndex(p->index.max_elements_ * 2);
      p->index.addPoint(v.data(), label);
      p->items.push_back({std::move(entry_key), expires_us, false});
    }
    order_.emplace_back(p, label);
    ++live_;
    while (live_ > max_entries_ && !order_.empty()) {
      auto [weak, old] = order_.front();
      order_.pop_front();
      if (auto q = weak.lock()) {
        evicted.emplace_back(std::move(q), old);
        --live_;
      }
    }
  }
  for (auto& [q, old] : evicted) {
    std::unique_lock plock(q->mutex);
    if (!q->items[old].deleted) {
      q->items[old].deleted = true;
      q->items[old].entry_key.clear();
      q->index.markDelete(old);
    }
  }
}

void SemanticIndex::erase(const std::string& prefix) {
  std::lock_guard lock(mutex_);
  for (auto it = partitions_.begin(); it != partitions_.end();) {
    if (it->first.starts_with(prefix)) {
      std::shared_lock plock(it->second->mutex);
      size_t n = 0;
      for (const auto& item : it->second->items) n += !item.deleted;
      live_ -= std::min(live_, n);
      plock.unlock();
      it = partitions_.erase(it);
    } else {
      ++it;
    }
  }
}

size_t SemanticIndex::size() const {
  std::lock_guard lock(mutex_);
  return live_;
}

}  // namespace torii::filters::cache
