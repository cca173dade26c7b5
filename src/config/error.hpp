#pragma once
// A problem found in the config file, pointing at where it is.
#include <string>

namespace torii {

struct ConfigError {
  std::string file;
  int line = 0;       // 1-based; 0 when unknown
  std::string key;    // dotted path, e.g. "providers[1].type"
  std::string message;
  std::string to_string() const;  // "FILE:LINE: KEY: MESSAGE"
};

}  // namespace torii
