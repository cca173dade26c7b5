#pragma once
// The response cache: a request that was admitted (auth, limits, budgets)
// is looked up before it is routed; a hit is answered from the store in the
// form the client asked for (JSON or stream) and costs nothing; a miss is
// routed as usual and its answer, once complete and successful, is stored.
// Entries live in process (memory_store.hpp) or, with store.redis, in Redis
// for every node (redis_store.hpp).
#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "filters/cache/cache_section.hpp"
#include "filters/cache/memory_store.hpp"
#include "filters/cache/redis_store.hpp"
#include "filters/cache/semantic_index.hpp"
#include "pipeline/filter.hpp"

namespace torii::filters::cache {

struct CachedAnswer;
struct Controls;

class CacheFilter final : public pipeline::Filter {
 public:
  CacheFilter(const Config& config, size_t index);
  std::string_view name() const override { return "cache"; }
  bool looks_up() const override { return true; }
  boost::asio::awaitable<bool> on_lookup(pipeline::RequestContext& ctx, const pipeline::Lookup& l) const override;
  void on_head(pipeline::RequestContext& ctx, int status, http::Headers& headers) const override;
  void on_chunk(pipeline::RequestContext& ctx, std::string_view data) const override;
  void on_complete(pipeline::RequestContext& ctx) const override;

  // DELETE /admin/cache: every entry, or one namespace's ("key:<id>",
  // "team:<id>", "user:<id>", "header:<name>", "global"). How many were
  // dropped; -1 when the shared store could not be reached.
  boost::asio::awaitable<int64_t> erase(std::string ns) const;

  // Whether any model (or the gateway's default) caches at all.
  bool enabled() const { return enabled_; }

 private:
  // Stores the request's answer once it is whole (`whole_body`: a buffered
  // answer has all passed; a stream is whole when its collector saw it end).
  void keep(pipeline::RequestContext& ctx, pipeline::FilterState& state, bool whole_body) const;
  const Settings& settings_for(const routing::Model* model) const;
  boost::asio::awaitable<void> serve(pipeline::RequestContext& ctx, const pipeline::Lookup& l,
                                     const CachedAnswer& a, bool stream_usage) const;
  boost::asio::awaitable<std::shared_ptr<const CachedAnswer>> fetch(const std::string& key, int64_t now_us) const;
  // The vector of `text`, from the settings' embeddings model; empty on a
  // timeout, a failure or an open breaker (then the lookup is a miss).
  boost::asio::awaitable<std::vector<float>> embed(const pipeline::InternalCalls& calls, const Settings& s,
                                                   const std::string& text) const;
  void start_following(const boost::asio::any_io_executor& executor) const;

  // Five embedding failures in a row open the breaker for 30 s.
  struct EmbedderBreaker {
    std::atomic<int> failures{0};
    std::atomic<int64_t> open_until_us{0};
  };

  size_t index_;
  Settings default_;
  std::vector<Settings> per_model_;  // by routing::Model::index
  std::shared_ptr<MemoryStore> memory_;
  std::optional<RedisStore> redis_;
  std::shared_ptr<SemanticIndex> vectors_;  // when some model caches semantically
  std::shared_ptr<EmbedderBreaker> breaker_ = std::make_shared<EmbedderBreaker>();
  size_t max_vectors_ = 0;
  bool enabled_ = false;
};

}  // namespace torii::filters::cache
