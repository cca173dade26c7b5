#include "filters/cache/redis_store.hpp"

#include <atomic>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>

#include "core/log.hpp"
#include "store/redis/redis_client.hpp"

namespace torii::filters::cache {

namespace {

constexpr std::chrono::milliseconds kReadTimeout{250};
constexpr std::chrono::milliseconds kWriteTimeout{1000};
std::atomic<uint64_t> write_failures{0};

// The worker's connection that nobody waits on (lane 1), for writes.
constexpr int kWriteLane = 1;

boost::asio::awaitable<void> write(store::RedisEndpoint endpoint, std::string key, std::string value, int64_t ttl_ms) {
  auto executor = co_await boost::asio::this_coro::executor;
  store::RedisClient& client = store::RedisClient::for_this_thread(executor, endpoint, kWriteLane);
  std::vector<std::string> args{"SET", std::move(key), std::move(value), "PX", std::to_string(ttl_ms)};
  store::RedisReply reply = co_await client.call(std::move(args), kWriteTimeout);
  if (reply.failed() && write_failures.fetch_add(1, std::memory_order_relaxed) % 100 == 0)
    log::warn("cache: storing an answer in redis failed: {}", reply.text);
}

}  // namespace

boost::asio::awaitable<std::optional<CachedAnswer>> RedisStore::get(std::string key) const {
  auto executor = co_await boost::asio::this_coro::executor;
  store::RedisClient& client = store::RedisClient::for_this_thread(executor, endpoint_);
  std::vector<std::string> args{"GET", redis_key(key)};
  store::RedisReply reply = co_await client.call(std::move(args), kReadTimeout);
  if (reply.type != store::RedisReply::Type::string) co_return std::nullopt;
  CachedAnswer a;
  if (!decode(reply.text, a)) co_return std::nullopt;
  co_return a;
}

void RedisStore::put(boost::asio::any_io_executor executor, std::string key, std::string encoded,
                     int64_t ttl_ms) const {
  boost::asio::co_spawn(executor, write(endpoint_, redis_key(key), std::move(encoded), std::max<int64_t>(ttl_ms, 1)),
                        boost::asio::detached);
}

boost::asio::awaitable<int64_t> RedisStore::erase(std::string prefix) const {
  auto executor = co_await boost::asio::this_coro::executor;
  store::RedisClient& client = store::RedisClient::for_this_thread(executor, endpoint_, kWriteLane);
  // SCAN visits every key present for the whole walk at least once;
  // UNLINK frees the values off Redis's main thread.
  std::string cursor = "0";
  int64_t dropped = 0;
  const std::string pattern = redis_key(prefix) + "*";
  do {
    std::vector<std::string> scan{"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"};
    store::RedisReply page = co_await client.call(std::move(scan), kWriteTimeout);
    if (page.type != store::RedisReply::Type::array || page.elements.size() != 2 ||
        page.elements[1].type != store::RedisReply::Type::array)
      co_return -1;
    cursor = page.elements[0].text;
    if (!page.elements[1].elements.empty()) {
      std::vector<std::string> unlink{"UNLINK"};
      for (auto& k : page.elements[1].elements) unlink.push_back(std::move(k.text));
      store::RedisReply n = co_await client.call(std::move(unlink), kWriteTimeout);
      if (n.type != store::RedisReply::Type::integer) co_return -1;
      dropped += n.integer;
    }
  } while (cursor != "0");
  co_return dropped;
}

}  // namespace torii::filters::cache
