#pragma once
// The generic part of reading the config file: typed values with errors that
// name the file, line and dotted key, unknown-key suggestions, and ${VAR}
// expansion. The core settings (config.cpp) and every concern's own section
// (src/filters/<name>/, through config/section.hpp) read their YAML with it.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/error.hpp"

namespace torii::config {

// One entry of a YAML map, with its key node (for the key's line).
struct Field {
  std::string name;
  YAML::Node key;
  YAML::Node value;
};

// " (did you mean 'x'?)" for the closest candidate within two edits, or "".
std::string suggestion(std::string_view word, const std::vector<std::string_view>& candidates);
std::string suggestion(std::string_view word, const std::vector<std::string>& candidates);

// Expands ${VAR}, ${VAR:-default} and "$$" from the environment.
void expand_env(std::string_view in, std::string& out, std::vector<std::string>& errors);

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  std::vector<ConfigError> errors;
  const std::string& file() const { return file_; }

  void error(int line, std::string key, std::string message);

  static int line_of(const YAML::Node& n);
  // yaml-cpp marks a missing value with the position of the next token (often
  // the following line), so a null value is blamed on its key's line instead.
  static int value_line(const Field& f);
  static int name_value_line(const YAML::Node& map, int fallback);
  static std::string join(const std::string& path, std::string_view key);
  static std::string index(const std::string& path, size_t i);
  static const char* kind(const YAML::Node& n);

  // The recognised entries of `map` in file order. Unknown, duplicated and
  // non-string keys are reported here so every section gets them for free.
  std::vector<Field> fields(const YAML::Node& map, const std::string& path,
                            std::initializer_list<std::string_view> allowed);
  std::vector<Field> fields(const YAML::Node& map, const std::string& path,
                            const std::vector<std::string_view>& allowed);

  std::optional<std::string> expand(const std::string& raw, int line, const std::string& path);
  std::optional<std::string> string_value(const YAML::Node& v, int line, const std::string& path);
  std::optional<std::string> string_field(const Field& f, const std::string& path);
  // Integers are read from the expanded text, so `workers: ${WORKERS:-4}`
  // works and "-1" is refused rather than wrapped.
  std::optional<uint64_t> uint_field(const Field& f, const std::string& path, uint64_t min,
                                     uint64_t max);
  template <typename T>
  void set_uint(const Field& f, const std::string& path, T& dest, uint64_t min, uint64_t max) {
    if (auto v = uint_field(f, path, min, max)) dest = static_cast<T>(*v);
  }
  std::optional<bool> bool_field(const Field& f, const std::string& path);
  // A non-negative number (at most 1e12).
  std::optional<double> double_field(const Field& f, const std::string& path);
  // `key:` with nothing under it is an empty list, not an error.
  bool is_list(const Field& f, const std::string& path);
  bool is_map(const Field& f, const std::string& path);
  // A list of strings (empty entries dropped, so `${OPTIONAL:-}` can be left
  // out); false when something in it was not a string.
  bool string_list(const Field& f, const std::string& path, std::vector<std::string>& out);

  // `auth:` and `admin:` alike: a map whose `keys` is a list of secrets; a
  // section that ends up with none is an error (it would refuse everything).
  void key_list_section(const Field& f, std::vector<std::string>& keys);

 private:
  std::string file_;
};

}  // namespace torii::config
