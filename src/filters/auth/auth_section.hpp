#pragma once
// The `auth:` section: the gateway's static API keys.
#include <string>
#include <vector>

#include "config/config.hpp"

namespace torii::filters {

struct AuthSection {
  std::vector<std::string> keys;
};

inline const AuthSection* auth_section(const Config& config) { return config.section<AuthSection>("auth"); }

}  // namespace torii::filters
