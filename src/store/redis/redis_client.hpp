#pragma once
// A Redis client for one event loop: commands from any number of the loop's
// coroutines are pipelined on one TCP connection and their replies matched
// in order (RESP, parsed by hiredis's reader). Nothing blocks: a command
// waits on its own timer, so a slow or dead server costs the caller its
// timeout, never the loop. A broken connection fails what was in flight and
// is opened again by the next command (at most every 250 ms). One client
// per worker thread (for_this_thread), never shared between threads.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "store/redis/redis_url.hpp"

namespace torii::store {

struct RedisReply {
  enum class Type { error, nil, integer, string, array, status };
  Type type = Type::error;
  int64_t integer = 0;
  std::string text;  // string, status; the message of an error
  std::vector<RedisReply> elements;

  bool failed() const { return type == Type::error; }
};

class RedisClient {
 public:
  RedisClient(boost::asio::any_io_executor executor, RedisEndpoint endpoint);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // The reply; Type::error with a message when the server answered an
  // error, or the connection failed, or no reply came within `timeout`
  // (`transport_error` is set then). `sent` says whether the command went
  // out on a connection (then, without a reply, it may still have run).
  boost::asio::awaitable<RedisReply> call(std::vector<std::string> args, std::chrono::milliseconds timeout,
                                          bool* transport_error = nullptr, bool* sent = nullptr);

  // The calling worker thread's client for `endpoint` (created on first
  // use). `lane` picks one of its connections, so that work nobody waits
  // for (settlements) never queues ahead of a request's admission.
  static RedisClient& for_this_thread(boost::asio::any_io_executor executor, const RedisEndpoint& endpoint,
                                      int lane = 0);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// RESP encoding of one command (exposed for tests).
void encode_command(const std::vector<std::string>& args, std::string& out);

}  // namespace torii::store
