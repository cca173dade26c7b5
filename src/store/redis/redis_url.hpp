#pragma once
// `store.redis`: redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] (also
// rediss:// is refused: no TLS to Redis in this build).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace torii::store {

struct RedisEndpoint {
  std::string host;
  uint16_t port = 6379;
  std::string user, password;  // AUTH when a password is set
  int db = 0;                   // SELECT when not 0
};

// The endpoint, or nullopt with `error` saying what is wrong.
std::optional<RedisEndpoint> parse_redis_url(std::string_view url, std::string& error);

}  // namespace torii::store
