#include "filters/auth/key_auth.hpp"

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

int KeyAuth::match(const http::Headers& headers) const {
  std::string_view key = presented_key(headers);
  if (key.empty()) return -1;
  // Constant-time per candidate, and every candidate compared, so response
  // timing leaks neither key prefixes nor which key matched.
  int found = -1;
  for (size_t i = 0; i < keys_.size(); ++i) {
    const auto& k = keys_[i];
    if (k.size() == key.size() && CRYPTO_memcmp(k.data(), key.data(), k.size()) == 0) found = int(i);
  }
  return found;
}

}  // namespace torii::filters
