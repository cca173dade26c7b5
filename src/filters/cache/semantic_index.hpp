#pragma once
// The semantic cache's vectors: an in-process HNSW index (hnswlib) per
// partition, where a partition is everything about a request but the text
// that was embedded (namespace, surface, model, system prompt, earlier
// turns, tools, parameters, embedding model). A question is only ever
// compared with questions asked in the same context. Each vector points at
// an exact-cache entry, which holds the answer.
//
// Lookups take the partition's lock shared, inserts exclusive: the
// semantic path already waits on an embeddings call, so a lock here is
// not what it costs. The whole index holds at most `max_entries` vectors;
// past that, the oldest are dropped.
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace torii::filters::cache {

class SemanticIndex {
 public:
  explicit SemanticIndex(size_t max_entries) : max_entries_(max_entries) {}
  ~SemanticIndex();

  struct Match {
    std::string entry_key;
    float similarity = 0;  // cosine, of unit vectors
  };
  // The closest live vector of `partition` to `v` (made unit length here).
  std::optional<Match> nearest(const std::string& partition, std::vector<float> v, int64_t now_us) const;
  void insert(const std::string& partition, std::vector<float> v, std::string entry_key, int64_t expires_us);
  // Drops every vector, or those of partitions whose key starts with `prefix`.
  void erase(const std::string& prefix = {});

  size_t size() const;

  // Scales `v` to unit length; false for a zero or non-finite vector.
  static bool normalise(std::vector<float>& v);

 private:
  struct Partition;
  std::shared_ptr<Partition> find(const std::string& partition) const;

  size_t max_entries_;
  mutable std::mutex mutex_;  // the map and the insertion order
  std::unordered_map<std::string, std::shared_ptr<Partition>> partitions_;
  std::deque<std::pair<std::weak_ptr<Partition>, size_t>> order_;  // (partition, label), oldest first
  size_t live_ = 0;
};

}  // namespace torii::filters::cache
