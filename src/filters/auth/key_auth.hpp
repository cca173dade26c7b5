#pragma once
// Gateway API keys: "Authorization: Bearer K" or "x-api-key: K".
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace torii::filters {

class KeyAuth {
 public:
  KeyAuth(bool enabled, const std::vector<std::string>& keys);
  bool enabled() const { return enabled_; }
  // The presented key, from either header; "" when none.
  static std::string_view presented_key(const http::Headers& headers);
  bool allows(const http::Headers& headers) const { return !enabled_ || match(headers) >= 0; }
  // The position of the presented key among the configured ones, or -1.
  int match(const http::Headers& headers) const;

 private:
  bool enabled_;
  std::vector<std::string> keys_;
};

}  // namespace torii::filters
