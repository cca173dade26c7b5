#include "filters/cache/cache_filter.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <tuple>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json.hpp>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "filters/cache/cache_key.hpp"
#include "filters/cache/cached_answer.hpp"
#include "filters/cache/controls.hpp"
#include "filters/cache/replay.hpp"
#include "filters/cache/semantic_query.hpp"
#include "llm/json_dom.hpp"
#include "llm/json_get.hpp"
#include "llm/json_scan.hpp"
#include "llm/pricing.hpp"
#include "pipeline/filter_chain.hpp"
#include "pipeline/request_context.hpp"
#include "providers/exchange.hpp"
#include "routing/model_table.hpp"
#include "store/redis/redis_url.hpp"

namespace torii::filters::cache {

namespace json = boost::json;

namespace {

// What one request keeps between its lookup and its end.
struct CacheState final : pipeline::FilterState {
  std::string key;      // of its entry; "" = not cacheable
  bool store = false;   // its answer is to be stored
  bool hit = false;
  bool too_large = false;
  bool kept = false;    // stored (or refused for good): once per request
  uint32_t ttl_s = 0;
  uint64_t max_bytes = 0;
  std::string body;     // a JSON answer as it went out
  std::unique_ptr<StreamCollector> collector;
  uint64_t streamed_bytes = 0;
  std::string partition;       // semantic: what the question is compared within
  std::vector<float> vector;   // semantic: the question's embedding, indexed with the answer
};

CacheState* state_of(pipeline::RequestContext& ctx, size_t index) {
  return ctx.state.size() > index ? static_cast<CacheState*>(ctx.state[index].get()) : nullptr;
}

// The stores outlive config snapshots (a reload keeps the entries) while
// what they were made with stays the same: one instance per type, made
// again when its arguments change.
template <class T, class... Args>
std::shared_ptr<T> shared_instance(Args... args) {
  static std::mutex mutex;
  static std::weak_ptr<T> current;
  static std::tuple<Args...> made_with;
  std::lock_guard lock(mutex);
  auto s = current.lock();
  if (!s || made_with != std::tuple<Args...>(args...)) {
    s = std::make_shared<T>(args...);
    current = s;
    made_with = std::tuple<Args...>(args...);
  }
  return s;
}

double number_or(const json::object& o, std::string_view key, double fallback) {
  const json::value* v = o.if_contains(key);
  return v && v->is_number() ? v->to_number<double>() : fallback;
}

// Whether the answer to `body` is one answer worth repeating: several
// choices at a nonzero temperature are samples (a client asking for n > 1
// wants different ones), and a model may cap the temperature it caches.
bool cacheable(const json::object& body, const Settings& s) {
  const double temperature = number_or(body, "temperature", 1.0);
  if (number_or(body, "n", 1) > 1 && temperature != 0) return false;
  if (s.max_temperature && temperature > *s.max_temperature) return false;
  return true;
}

// Whose entries a request reads and writes (see README "Cache"). A key's
// own tenant unless the config says otherwise; an end user named by the
// client (x-torii-user, body `user`) is a tenant only inside its key, so a
// client cannot read another key's answers by naming its users.
std::string namespace_of(const Settings& s, const pipeline::RequestContext& ctx, const std::string& header_ns) {
  const std::string key = "key:" + ctx.key_id;
  std::string ns;
  switch (s.scope) {
    case Scope::global: ns = "global"; break;
    case Scope::per_key: ns = key; break;
    case Scope::per_team: ns = ctx.team_id.empty() ? key : "team:" + ctx.team_id; break;
    case Scope::per_user: {
      if (!ctx.key_user_id.empty()) {
        ns = "user:" + ctx.key_user_id;
        break;
      }
      std::string_view named = ctx.request.headers.get("x-torii-user");
      if (named.empty()) named = ctx.ex.route.body_user;
      ns = named.empty() ? key : key + "/user:" + std::string(named);
      break;
    }
    case Scope::header:
      if (!header_ns.empty()) return "header:" + header_ns;
      ns = key;
      break;
  }
  // Elsewhere the header only narrows the request's own namespace.
  if (!header_ns.empty()) ns += "/" + header_ns;
  return ns;
}

}  // namespace

CacheFilter::CacheFilter(const Config& config, size_t index) : index_(index) {
  const auto* gateway = config.section<GatewayCache>("cache");
  default_ = effective(gateway, nullptr);
  enabled_ = default_.mode != Mode::off;
  uint64_t largest_entry = default_.max_entry_bytes;
  per_model_.reserve(config.models.size());
  for (const auto& m : config.models) {
    per_model_.push_back(effective(gateway, m.section<Fields>("cache")));
    enabled_ = enabled_ || per_model_.back().mode != Mode::off;
    largest_entry = std::max(largest_entry, per_model_.back().max_entry_bytes);
  }
  if (!enabled_) return;
  bool semantic = default_.mode == Mode::semantic;
  for (const auto& m : per_model_) semantic = semantic || m.mode == Mode::semantic;
  max_vectors_ = gateway ? gateway->max_entries : GatewayCache().max_entries;
  if (semantic) vectors_ = shared_instance<SemanticIndex>(size_t(max_vectors_));
  for (const auto& m : per_model_)
    if (m.mode == Mode::semantic && !std::any_of(config.models.begin(), config.models.end(),
                                                 [&](const ModelConfig& c) { return c.name == m.embedding_model; }))
      log::warn("cache: the embedding model '{}' is not configured: semantic lookups will be misses",
                m.embedding_model);
  if (!config.store.redis.empty()) {
    std::string error;
    if (auto endpoint = store::parse_redis_url(config.store.redis, error)) redis_.emplace(std::move(*endpoint));
  }
  if (!redis_)
    memory_ = shared_instance<MemoryStore>(gateway ? gateway->max_bytes : GatewayCache().max_bytes, largest_entry);
}

const Settings& CacheFilter::settings_for(const routing::Model* model) const {
  if (model && model->index < per_model_.size()) return per_model_[model->index];
  return default_;
}

boost::asio::awaitable<bool> CacheFilter::on_lookup(pipeline::RequestContext& ctx, const pipeline::Lookup& l) const {
  const Settings& s = settings_for(l.model);
  if (s.mode == Mode::off) co_return false;
  providers::CacheRecord& record = ctx.ex.cache;
  Controls controls;
  std::string refusal;
  if (!read_controls(ctx.request.headers, controls, refusal)) {
    ApiError e = make_error(400, std::move(refusal), "invalid_cache_control");
    co_await providers::send_error(ctx.ex, e);
    co_return true;
  }
  record.status = "bypass";
  if (l.endpoint == providers::Endpoint::completions || ctx.ex.cache_bypass) co_return false;
  // The DOM lives in one growing arena: no allocation per JSON node.
  json::monotonic_resource arena;
  json::parse_options options;
  options.max_depth = 512;
  json::error_code ec;
  json::value parsed = json::parse(l.body, ec, &arena, options);
  if (ec || !parsed.is_object()) co_return false;
  const json::object& body = parsed.get_object();
  if (!cacheable(body, s) || (!controls.lookup && !controls.store)) co_return false;

  CacheState& st = ctx.state_of<CacheState>(index_);
  const char* surface = ctx.surface == pipeline::Surface::anthropic       ? "anthropic"
                        : l.endpoint == providers::Endpoint::embeddings ? "embeddings"
                                                                         : "chat";
  const std::string ns_tag = namespace_tag(namespace_of(s, ctx, controls.ns));
  st.key = entry_key(ns_tag, surface, l.model->name, canonical_request(body));
  st.ttl_s = controls.ttl_s.value_or(s.ttl_s);
  st.max_bytes = s.max_entry_bytes;
  if (controls.lookup) {
    const int64_t now = core::unix_now_us();
    auto fetching = fetch(st.key, now);
    std::shared_ptr<const CachedAnswer> found = co_await std::move(fetching);
    auto fresh = [&](const std::shared_ptr<const CachedAnswer>& a) {
      return a && (!controls.max_age_s || (now - a->created_us) / 1'000'000 <= *controls.max_age_s);
    };
    if (!fresh(found) && s.mode == Mode::semantic && l.calls && l.endpoint == providers::Endpoint::chat && vectors_) {
      // An exact hit is tried first; then the question's nearest neighbour
      // among those asked in the same context.
      const bool anthropic = ctx.surface == pipeline::Surface::anthropic;
      if (std::optional<SemanticQuery> q = semantic_query(body, anthropic, s.tool_results)) {
        if (redis_) start_following(ctx.ex.out.executor());
        st.partition = entry_key(ns_tag, std::string("semantic-") + surface, l.model->name,
                                 q->context + "\n" + s.embedding_model);
        auto embedding = embed(*l.calls, s, q->text);
        st.vector = co_await std::move(embedding);
        if (!st.vector.empty())
          if (auto match = vectors_->nearest(st.partition, st.vector, now); match && match->similarity >= s.threshold) {
            auto fetching = fetch(match->entry_key, now);
            std::shared_ptr<const CachedAnswer> near = co_await std::move(fetching);
            if (fresh(near)) {
              auto copy = std::make_shared<CachedAnswer>(*near);
              copy->similarity = match->similarity;
              found = std::move(copy);
              record.status = "semantic-hit";
              record.similarity = match->similarity;
            }
          }
      }
    }
    if (fresh(found)) {
      if (record.status != "semantic-hit") record.status = "hit";
      st.hit = true;
      auto serving = serve(ctx, l, *found, ctx.surface != pipeline::Surface::anthropic && llm::get::wants_stream_usage(body));
      co_await std::move(serving);
      co_return true;
    }
    record.status = "miss";
  }
  st.store = controls.store;
  if (st.store && l.stream) st.collector = std::make_unique<StreamCollector>(ctx.surface == pipeline::Surface::anthropic);
  co_return false;
}

boost::asio::awaitable<std::shared_ptr<const CachedAnswer>> CacheFilter::fetch(const std::string& key,
                                                                              int64_t now_us) const {
  if (memory_) co_return memory_->get(key, now_us);
  if (!redis_) co_return nullptr;
  auto getting = redis_->get(key);
  std::optional<CachedAnswer> got = co_await std::move(getting);
  if (!got) co_return nullptr;
  co_return std::make_shared<const CachedAnswer>(std::move(*got));
}

boost::asio::awaitable<std::vector<float>> CacheFilter::embed(const pipeline::InternalCalls& calls, const Settings& s,
                                                              const std::string& text) const {
  const int64_t now = core::unix_now_us();
  if (breaker_->open_until_us.load(std::memory_order_relaxed) > now) co_return std::vector<float>{};
  auto calling = calls.call(s.embedding_model, providers::Endpoint::embeddings,
                            embeddings_request(s.embedding_model, text), std::chrono::milliseconds(s.timeout_ms));
  pipeline::InternalCalls::Result r = co_await std::move(calling);
  std::vector<float> v = r.status == 200 ? first_embedding(r.body) : std::vector<float>{};
  if (!v.empty()) {
    if (breaker_->failures.load(std::memory_order_relaxed) != 0) breaker_->failures.store(0, std::memory_order_relaxed);
    co_return v;
  }
  if (breaker_->failures.fetch_add(1, std::memory_order_relaxed) + 1 >= 5) {
    breaker_->failures.store(0, std::memory_order_relaxed);
    breaker_->open_until_us.store(now + 30'000'000, std::memory_order_relaxed);
    log::warn("cache: the embedding model '{}' failed 5 times in a row ({}): semantic lookups are off for 30 s",
              s.embedding_model, r.status == 0 ? std::string("timed out") : "status " + std::to_string(r.status));
  }
  co_return std::vector<float>{};
}

void CacheFilter::start_following(const boost::asio::any_io_executor& executor) const {
  // Once per process: the index outlives config snapshots, and so does
  // the coroutine that feeds it.
  static std::atomic<bool> started{false};
  if (started.exchange(true)) return;
  std::shared_ptr<SemanticIndex> index = vectors_;
  auto follow = redis_->follow_vectors([index](const std::string& p, std::vector<float> v, std::string key,
                                               int64_t expires_us) {
    if (expires_us > core::unix_now_us()) index->insert(p, std::move(v), std::move(key), expires_us);
  });
  boost::asio::co_spawn(executor, std::move(follow), boost::asio::detached);
}

boost::asio::awaitable<void> CacheFilter::serve(pipeline::RequestContext& ctx, const pipeline::Lookup& l,
                                                const CachedAnswer& a, bool stream_usage) const {
  providers::Exchange& ex = ctx.ex;
  ex.route.provider = a.provider;
  ex.route.upstream_model = a.upstream_model;
  ex.cost_usd = 0.0;  // nothing was generated: the usage stays zero too
  ex.cache.saved_usd = a.cost_usd;
  http::Headers headers = ex.response_headers;  // x-torii-cache is on_head's, as on every answer
  if (ex.cache.status == "semantic-hit") headers.set("x-torii-cache-similarity", std::to_string(a.similarity));
  headers.set("Age", std::to_string(std::max<int64_t>(0, (core::unix_now_us() - a.created_us) / 1'000'000)));
  headers.set("x-torii-provider", a.provider);
  headers.set("x-torii-model", a.upstream_model);
  headers.set("x-torii-cost-usd", "0");
  if (!l.stream) {
    http::Response r;
    r.status = 200;
    r.headers = std::move(headers);
    r.body = a.body;
    co_await ex.out.send(std::move(r));
    co_return;
  }
  json::error_code ec;
  json::value stored = llm::parse_json(a.body, ec);
  std::string events;
  if (!ec && stored.is_object())
    events = ctx.surface == pipeline::Surface::anthropic ? anthropic_stream_of(stored.get_object())
                                                         : openai_stream_of(stored.get_object(), stream_usage);
  const std::string_view content_type = "text/event-stream";
  auto beginning = ex.out.begin_stream(200, std::move(headers), content_type);
  const bool begun = co_await std::move(beginning);
  if (!begun) co_return;
  auto writing = ex.out.write_chunk(events);
  const bool written = co_await std::move(writing);
  if (!written) co_return;
  co_await ex.out.end_stream();
}

void CacheFilter::on_head(pipeline::RequestContext& ctx, int, http::Headers& headers) const {
  if (!ctx.ex.cache.status.empty()) headers.set("x-torii-cache", ctx.ex.cache.status);
}

void CacheFilter::on_chunk(pipeline::RequestContext& ctx, std::string_view data) const {
  CacheState* st = state_of(ctx, index_);
  if (!st || !st->store || st->too_large || ctx.status != 200) return;
  if (st->collector) {
    // Events carry a stream's text several times over in framing: allow for it.
    st->streamed_bytes += data.size();
    if (st->streamed_bytes > st->max_bytes * 4) st->too_large = true;
    else st->collector->feed(data);
    return;
  }
  if (st->body.size() + data.size() > st->max_bytes) st->too_large = true;
  else st->body.append(data);
  // A whole answer passes in one piece, its usage and cost already known:
  // stored before it is written, so the client's next request finds it on
  // any connection and any worker.
  if (!ctx.streamed && !st->too_large) keep(ctx, *st, true);
}

void CacheFilter::on_complete(pipeline::RequestContext& ctx) const {
  // A stream (stored once it is over), or what on_chunk did not store.
  if (CacheState* st = state_of(ctx, index_)) keep(ctx, *st, ctx.answered);
}

void CacheFilter::keep(pipeline::RequestContext& ctx, pipeline::FilterState& state, bool whole_body) const {
  auto* st = static_cast<CacheState*>(&state);
  if (st->kept || !st->store || st->hit || st->too_large || st->key.empty()) return;
  // Only a whole, successful answer: never an error, a cut stream or a
  // cancelled request. (A stream is whole when its collector saw it end.)
  if (ctx.status != 200 || ctx.client_gone || !ctx.ex.route.error_code.empty()) return;
  if (!st->collector && !whole_body) return;
  if (ctx.ex.route.provider.empty()) return;  // not from a provider
  st->kept = true;
  auto a = std::make_shared<CachedAnswer>();
  if (st->collector) {
    a->body = st->collector->answer(ctx.ex.usage);
  } else {
    a->body = std::move(st->body);
    if (!llm::is_valid_json(a->body)) return;
  }
  if (a->body.empty() || a->body.size() > st->max_bytes) return;
  a->provider = ctx.ex.route.provider;
  a->upstream_model = ctx.ex.route.upstream_model;
  a->usage = ctx.ex.usage;
  a->cost_usd = ctx.ex.cost_usd;
  a->created_us = core::unix_now_us();
  const int64_t ttl_us = int64_t(st->ttl_s) * 1'000'000;
  const int64_t expires_us = a->created_us + ttl_us;
  if (memory_) {
    memory_->put(st->key, std::move(a), expires_us);
    if (vectors_ && !st->vector.empty()) vectors_->insert(st->partition, std::move(st->vector), st->key, expires_us);
  } else if (redis_) {
    redis_->put(ctx.ex.out.executor(), st->key, encode(*a), ttl_us / 1000);
    // Every node's index (this one's too) takes the vector from the stream.
    if (vectors_ && !st->vector.empty())
      redis_->publish_vector(ctx.ex.out.executor(), std::move(st->partition), st->key, expires_us, st->vector,
                             max_vectors_);
  }
}

boost::asio::awaitable<int64_t> CacheFilter::erase(std::string ns) const {
  const std::string prefix = ns.empty() ? std::string() : namespace_tag(ns) + ":";
  if (vectors_) vectors_->erase(prefix);
  if (memory_) co_return int64_t(memory_->erase(prefix));
  if (redis_) {
    if (vectors_ && ns.empty()) {
      auto dropping = redis_->drop_vectors();
      const bool dropped = co_await std::move(dropping);
      if (!dropped) co_return -1;
    }
    auto erasing = redis_->erase(prefix);
    co_return co_await std::move(erasing);
  }
  co_return 0;
}

}  // namespace torii::filters::cache

namespace torii::filters {

// Registered by the generated filter_registrations.cpp (this folder's name).
void register_cache(pipeline::FilterRegistry& registry) {
  registry.add_section(cache::gateway_section());
  registry.add_model_section(cache::model_section());
  // After auth (100) and metering (200): a hit is still a request its key
  // was allowed to make, and is counted against its limits.
  registry.add({"cache", 400, [](const Config& config, size_t index) -> std::unique_ptr<pipeline::Filter> {
                  auto f = std::make_unique<cache::CacheFilter>(config, index);
                  if (!f->enabled()) return nullptr;
                  return f;
                }});
}

}  // namespace torii::filters
