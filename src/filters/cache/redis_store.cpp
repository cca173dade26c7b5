#include "filters/cache/redis_store.hpp"

#include <atomic>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>

#include "core/log.hpp"
#include "store/redis/redis_client.hpp"

namespace torii::filters::cache {

namespace {

constexpr std::chrono::milliseconds kReadTimeout{250};
constexpr std::chrono::milliseconds kWriteTimeout{1000};
std::atomic<uint64_t> write_failures{0};

// The worker's connection that nobody waits on (lane 1), for writes.
constexpr int kWriteLane = 1;

constexpr const char* kVectorStream = "torii:cache:vectors";
// The follower's own connection: a blocking XREAD holds its connection.
constexpr int kFollowLane = 2;
constexpr std::chrono::milliseconds kFollowBlock{1000};

boost::asio::awaitable<void> send(store::RedisEndpoint endpoint, std::vector<std::string> args) {
  auto executor = co_await boost::asio::this_coro::executor;
  store::RedisClient& client = store::RedisClient::for_this_thread(executor, endpoint, kWriteLane);
  store::RedisReply reply = co_await client.call(std::move(args), kWriteTimeout);
  if (reply.failed() && write_failures.fetch_add(1, std::memory_order_relaxed) % 100 == 0)
    log::warn("cache: writing to redis failed: {}", reply.text);
}

}  // namespace

void RedisStore::publish_vector(boost::asio::any_io_executor executor, std::string partition, std::string key,
                                int64_t expires_us, const std::vector<float>& v, size_t max_entries) const {
  std::string bytes(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
  std::vector<std::string> args{"XADD", kVectorStream, "MAXLEN", "~", std::to_string(max_entries), "*",
                                "p", std::move(partition), "k", std::move(key), "e", std::to_string(expires_us),
                                "v", std::move(bytes)};
  boost::asio::co_spawn(executor, send(endpoint_, std::move(args)), boost::asio::detached);
}

boost::asio::awaitable<void> RedisStore::follow_vectors(VectorSink insert) const {
  auto executor = co_await boost::asio::this_coro::executor;
  store::RedisClient& client = store::RedisClient::for_this_thread(executor, endpoint_, kFollowLane);
  std::string last = "0-0";
  boost::asio::steady_timer pause(executor);
  for (;;) {
    std::vector<std::string> args{"XREAD", "COUNT", "1000", "BLOCK", std::to_string(kFollowBlock.count()),
                                  "STREAMS", kVectorStream, last};
    store::RedisReply reply = co_await client.call(std::move(args), kFollowBlock * 2);
    if (reply.type == store::RedisReply::Type::nil) continue;  // nothing new within the block
    if (reply.type != store::RedisReply::Type::array) {
      pause.expires_after(std::chrono::milliseconds(500));
      boost::system::error_code ec;
      auto waiting = pause.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
      co_await std::move(waiting);
      continue;
    }
    for (auto& stream : reply.elements) {
      if (stream.elements.size() != 2) continue;
      for (auto& entry : stream.elements[1].elements) {
        if (entry.elements.size() != 2) continue;
        last = entry.elements[0].text;
        std::string partition, key;
        int64_t expires = 0;
        std::vector<float> v;
        auto& fields = entry.elements[1].elements;
        for (size_t i = 0; i + 1 < fields.size(); i += 2) {
          const std::string& name = fields[i].text;
          std::string& value = fields[i + 1].text;
          if (name == "p") partition = std::move(value);
          else if (name == "k") key = std::move(value);
          else if (name == "e") expires = std::strtoll(value.c_str(), nullptr, 10);
          else if (name == "v" && value.size() % sizeof(float) == 0) {
            v.resize(value.size() / sizeof(float));
            std::memcpy(v.data(), value.data(), value.size());
          }
        }
        if (!partition.empty() && !key.empty() && !v.empty()) insert(partition, std::move(v), std::move(key), expires);
      }
    }
  }
}

boost::asio::awaitable<bool> RedisStore::drop_vectors() const {
  auto executor = co_await boost::asio::this_coro::executor;
  store::RedisClient& client = store::RedisClient::for_this_thread(executor, endpoint_, kWriteLane);
  std::vector<std::string> args{"DEL", kVectorStream};
  store::RedisReply reply = co_await client.call(std::move(args), kWriteTimeout);
  co_return reply.type == store::RedisReply::Type::integer;
}

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
  std::vector<std::string> args{"SET", redis_key(key), std::move(encoded), "PX",
                                std::to_string(std::max<int64_t>(ttl_ms, 1))};
  boost::asio::co_spawn(executor, send(endpoint_, std::move(args)), boost::asio::detached);
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
