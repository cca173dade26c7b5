#include "filters/auth.hpp"

#include <openssl/crypto.h>

namespace torii::filters {

KeyAuth::KeyAuth(bool enabled, const std::vector<std::string>& keys) : enabled_(enabled), keys_(keys) {}

std::string_view KeyAuth::presented_key(const http::Headers& headers) {
  std::string_view auth = headers.get("authorization");
  if (auth.size() > 7 && http::iequals(auth.substr(0, 7), "bearer ")) {
    auth.remove_prefix(7);
    while (!auth.empty() && auth.front() == ' ') auth.remove_prefix(1);
    return auth;
  }
  return headers.get("x-api-key");
}

bool KeyAuth::allows(const http::Headers& headers) const {
  if (!enabled_) return true;
  std::string_view key = presented_key(headers);
  if (key.empty()) return false;
  // Constant-time per candidate, so response timing does not leak key prefixes.
  bool match = false;
  for (const auto& k : keys_)
    if (k.size() == key.size() && CRYPTO_memcmp(k.data(), key.data(), k.size()) == 0) match = true;
  return match;
}

}  // namespace torii::filters
