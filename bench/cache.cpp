// The cache's stores at scale (bench scenario "cachestore"): fills the
// semantic index with N vectors in one partition (the worst case: every
// lookup searches all of them) and times nearest-neighbour lookups, then
// measures what N entries cost in memory: the index, and the exact store
// holding N typical answers. The embedding call is not part of it. Prints
// one JSON object. Usage:
//   torii-cache-bench [ENTRIES=100000] [DIMENSIONS=256] [LOOKUPS=20000]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "filters/cache/memory_store.hpp"
#include "filters/cache/semantic_index.hpp"

using namespace torii::filters::cache;
using Clock = std::chrono::steady_clock;

namespace {

// Resident set size from /proc (bytes).
uint64_t rss() {
  std::ifstream f("/proc/self/statm");
  uint64_t pages = 0, resident = 0;
  f >> pages >> resident;
  return resident * 4096;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  const size_t entries = argc > 1 ? size_t(std::atol(argv[1])) : 100'000;
  const size_t dims = argc > 2 ? size_t(std::atol(argv[2])) : 256;
  const size_t lookups = argc > 3 ? size_t(std::atol(argv[3])) : 20'000;
  std::mt19937 rng(42);
  std::normal_distribution<float> gauss(0, 1);
  auto vector = [&] {
    std::vector<float> v(dims);
    for (float& x : v) x = gauss(rng);
    return v;
  };

  const uint64_t before_index = rss();
  SemanticIndex index(entries);
  const auto fill_start = Clock::now();
  std::vector<std::vector<float>> kept;  // the first few, to ask near them
  for (size_t i = 0; i < entries; ++i) {
    std::vector<float> v = vector();
    if (kept.size() < 2000) kept.push_back(v);
    index.insert("partition", std::move(v), "0123456789abcdef:" + std::to_string(i) + std::string(48, 'x'), INT64_MAX);
  }
  const double fill_s = std::chrono::duration<double>(Clock::now() - fill_start).count();
  const uint64_t index_bytes = rss() - before_index;

  // Queries near stored vectors (a paraphrase) and far from all (a new question).
  std::vector<double> near_us, far_us;
  size_t found = 0;
  for (size_t i = 0; i < lookups; ++i) {
    std::vector<float> q = vector();
    const bool near = i % 2 == 0;
    if (near) {
      const std::vector<float>& base = kept[(i * 7919) % kept.size()];
      for (size_t d = 0; d < dims; ++d) q[d] = base[d] + 0.05f * q[d];
    }
    const auto t = Clock::now();
    auto m = index.nearest("partition", q, 1);
    const double us = std::chrono::duration<double, std::micro>(Clock::now() - t).count();
    if (near && m && m->similarity > 0.95) ++found;
    (near ? near_us : far_us).push_back(us);
  }

  // The exact store with N answers of a typical size (a 600-byte JSON answer).
  const uint64_t before_store = rss();
  {
    MemoryStore store(uint64_t(entries) * 4096, 1 << 20);
    for (size_t i = 0; i < entries; ++i) {
      auto a = std::make_shared<CachedAnswer>();
      a->body = std::string(600, 'a');
      a->provider = "openai";
      a->upstream_model = "gpt-4o-mini";
      store.put("0123456789abcdef:" + std::to_string(i) + std::string(56, 'k'), std::move(a), INT64_MAX);
    }
    const uint64_t store_bytes = rss() - before_store;
    const auto totals = store.totals();
    std::printf(
        "{\"entries\":%zu,\"dimensions\":%zu,\"fill_seconds\":%.3f,\"lookups\":%zu,"
        "\"near_p50_us\":%.1f,\"near_p99_us\":%.1f,\"far_p50_us\":%.1f,\"far_p99_us\":%.1f,\"near_found\":%zu,"
        "\"index_rss_bytes\":%llu,\"store_rss_bytes\":%llu,\"store_entries\":%llu,\"store_accounted_bytes\":%llu}\n",
        entries, dims, fill_s, lookups, percentile(near_us, 0.5), percentile(near_us, 0.99), percentile(far_us, 0.5),
        percentile(far_us, 0.99), found, (unsigned long long)index_bytes, (unsigned long long)store_bytes,
        (unsigned long long)totals.entries, (unsigned long long)totals.bytes);
  }
  return 0;
}
