#pragma once
// The shared cache store: entries in Redis (SET with PX, so Redis expires
// them), read and written by every node. Reads wait at most a short
// timeout and turn every failure into a miss; writes are not waited for.
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <vector>

#include "filters/cache/cached_answer.hpp"
#include "store/redis/redis_url.hpp"

namespace torii::filters::cache {

class RedisStore {
 public:
  explicit RedisStore(store::RedisEndpoint endpoint) : endpoint_(std::move(endpoint)) {}

  static std::string redis_key(std::string_view key) { return "torii:cache:" + std::string(key); }

  boost::asio::awaitable<std::optional<CachedAnswer>> get(std::string key) const;
  // Spawned on `executor`; failures are logged (once in 100) and counted.
  void put(boost::asio::any_io_executor executor, std::string key, std::string encoded, int64_t ttl_ms) const;
  // Drops every entry, or those whose key starts with `prefix`: how many,
  // or -1 when Redis could not be reached.
  boost::asio::awaitable<int64_t> erase(std::string prefix) const;

  // The semantic cache's vectors, shared through a Redis stream: every
  // node appends what it stores and follows the stream into its own index
  // (a node starting cold reads it from the start). Kept to about
  // `max_entries` entries.
  void publish_vector(boost::asio::any_io_executor executor, std::string partition, std::string key,
                      int64_t expires_us, const std::vector<float>& v, size_t max_entries) const;
  // Reads the stream for good, calling `insert` for each entry; reconnects
  // after failures. Spawn it once per process.
  using VectorSink = std::function<void(const std::string& partition, std::vector<float> v, std::string key,
                                        int64_t expires_us)>;
  boost::asio::awaitable<void> follow_vectors(VectorSink insert) const;
  // Drops the shared vectors (DELETE /admin/cache of everything).
  boost::asio::awaitable<bool> drop_vectors() const;

 private:
  store::RedisEndpoint endpoint_;
};

}  // namespace torii::filters::cache
