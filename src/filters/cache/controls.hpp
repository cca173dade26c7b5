#pragma once
// What a client says about caching its request: x-torii-cache (no-cache,
// no-store, refresh), x-torii-cache-ttl, x-torii-cache-namespace, and the
// standard Cache-Control (no-cache, no-store, max-age).
#include <cstdint>
#include <optional>
#include <string>

#include "http/message.hpp"

namespace torii::filters::cache {

struct Controls {
  bool lookup = true;  // may be answered from the cache
  bool store = true;   // its answer may be stored
  std::optional<uint32_t> ttl_s;       // x-torii-cache-ttl: how long to keep its answer
  std::optional<int64_t> max_age_s;    // Cache-Control max-age: the oldest answer it accepts
  std::string ns;                      // x-torii-cache-namespace ("" = none)
};

// False with `error` (the message of a 400) on a value that cannot be meant.
bool read_controls(const http::Headers& headers, Controls& c, std::string& error);

}  // namespace torii::filters::cache
