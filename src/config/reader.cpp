#include "config/reader.hpp"

#include "config/section.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <limits>
#include <map>

namespace torii::config {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Optimal string alignment distance: like Levenshtein but a swap of two
// adjacent letters ("lsiten") costs 1, which is the most common typo.
size_t edit_distance(std::string_view a, std::string_view b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

// " (did you mean 'x'?)" for the closest candidate within distance 2, or "".
template <typename Range>
std::string closest(std::string_view word, const Range& candidates) {
  const std::string w = lower(word);
  std::string best;
  size_t best_d = 3;
  for (const auto& c : candidates) {
    std::string_view cv(c);
    size_t d = edit_distance(w, lower(cv));
    // A two-letter word is two edits away from every other two-letter word;
    // such suggestions would be noise.
    if (d < best_d && d < cv.size()) {
      best_d = d;
      best = std::string(cv);
    }
  }
  return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

bool valid_env_name(std::string_view name) {
  if (name.empty()) return false;
  if (!(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

}  // namespace

std::string suggestion(std::string_view word, const std::vector<std::string_view>& candidates) {
  return closest(word, candidates);
}
std::string suggestion(std::string_view word, const std::vector<std::string>& candidates) {
  return closest(word, candidates);
}

// Expands ${VAR}, ${VAR:-default} and "$$". Values taken from the environment
// are inserted verbatim and never rescanned, so a secret that happens to
// contain "${" cannot pull in another variable. A default is itself expanded,
// which allows ${A:-${B}}; it cannot contain an unbalanced '}'.
void expand_env(std::string_view in, std::string& out, std::vector<std::string>& errors) {
  size_t i = 0;
  while (i < in.size()) {
    char c = in[i];
    if (c != '$' || i + 1 >= in.size()) {
      out += c;
      ++i;
      continue;
    }
    if (in[i + 1] == '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (in[i + 1] != '{') {
      out += c;
      ++i;
      continue;
    }
    size_t j = i + 2;
    int depth = 1;
    while (j < in.size()) {
      if (in[j] == '$' && j + 1 < in.size() && in[j + 1] == '{') {
        ++depth;
        j += 2;
        continue;
      }
      if (in[j] == '}' && --depth == 0) break;
      ++j;
    }
    if (j >= in.size()) {
      errors.push_back("unterminated '${' (missing '}')");
      return;
    }
    std::string_view body = in.substr(i + 2, j - (i + 2));
    std::string_view name = body;
    std::optional<std::string_view> fallback;
    if (auto sep = body.find(":-"); sep != std::string_view::npos) {
      name = body.substr(0, sep);
      fallback = body.substr(sep + 2);
    }
    i = j + 1;
    if (!valid_env_name(name)) {
      errors.push_back("invalid environment variable name '" + std::string(name) + "' in '${" +
                       std::string(body) + "}'");
      continue;
    }
    const char* value = std::getenv(std::string(name).c_str());
    if (fallback) {
      // Shell semantics: ":-" also replaces a variable that is set but empty.
      if (value && *value)
        out += value;
      else
        expand_env(*fallback, out, errors);
    } else if (value) {
      out += value;
    } else {
      errors.push_back("environment variable " + std::string(name) + " is not set (use ${" +
                       std::string(name) + ":-default} to make it optional)");
    }
  }
}



void Reader::error(int line, std::string key, std::string message) {
  errors.push_back({file_, line, std::move(key), std::move(message)});
}

int Reader::line_of(const YAML::Node& n) {
  if (!n.IsDefined()) return 0;
  int l = n.Mark().line;
  return l < 0 ? 0 : l + 1;
}

// yaml-cpp marks a missing value with the position of the next token (often
// the following line), so a null value is blamed on its key's line instead.
int Reader::value_line(const Field& f) {
  if (!f.value.IsDefined() || f.value.IsNull()) return line_of(f.key);
  return line_of(f.value);
}

int Reader::name_value_line(const YAML::Node& map, int fallback) {
  for (auto it = map.begin(); it != map.end(); ++it)
    if (it->first.IsScalar() && it->first.Scalar() == "name")
      return value_line(Field{"name", it->first, it->second});
  return fallback;
}

std::string Reader::join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string Reader::index(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

const char* Reader::kind(const YAML::Node& n) {
  if (n.IsMap()) return "a map";
  if (n.IsSequence()) return "a list";
  if (n.IsNull()) return "nothing";
  return "a scalar";
}

// The recognised entries of `map` in file order. Unknown, duplicated and
// non-string keys are reported here so every section gets them for free.
std::vector<Field> Reader::fields(const YAML::Node& map, const std::string& path,
                                  std::initializer_list<std::string_view> allowed) {
  return fields(map, path, std::vector<std::string_view>(allowed));
}

std::vector<Field> Reader::fields(const YAML::Node& map, const std::string& path,
                                  const std::vector<std::string_view>& allowed) {
  std::vector<Field> out;
  std::map<std::string, int> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    YAML::Node k = it->first;  // a copy: `it->` yields a temporary proxy
    if (!k.IsScalar()) {
      error(line_of(k), path, "keys must be plain strings, got " + std::string(kind(k)));
      continue;
    }
    const std::string name = k.Scalar();
    const std::string key_path = join(path, name);
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      error(line_of(k), key_path, "unknown key '" + name + "'" + suggestion(name, allowed));
      continue;
    }
    auto [pos, inserted] = seen.emplace(name, line_of(k));
    if (!inserted) {
      error(
          line_of(k), key_path,
          "duplicate key '" + name + "' (first set at line " + std::to_string(pos->second) + ")");
      continue;
    }
    out.push_back({name, k, it->second});
  }
  return out;
}

std::optional<std::string> Reader::expand(const std::string& raw, int line, const std::string& path) {
  std::string out;
  std::vector<std::string> errs;
  expand_env(raw, out, errs);
  for (auto& e : errs) error(line, path, std::move(e));
  if (!errs.empty()) return std::nullopt;
  return out;
}

std::optional<std::string> Reader::string_value(const YAML::Node& v, int line, const std::string& path) {
  if (!v.IsDefined() || v.IsNull()) {
    error(line, path, "has no value (write \"\" for an empty string)");
    return std::nullopt;
  }
  if (!v.IsScalar()) {
    error(line, path, "expected a string, got " + std::string(kind(v)));
    return std::nullopt;
  }
  return expand(v.Scalar(), line, path);
}

std::optional<std::string> Reader::string_field(const Field& f, const std::string& path) {
  return string_value(f.value, value_line(f), join(path, f.name));
}

// Integers are read from the expanded text rather than through yaml-cpp's
// conversions so that `workers: ${WORKERS:-4}` works and "-1" is not
// silently wrapped into a huge unsigned value.
std::optional<uint64_t> Reader::uint_field(const Field& f, const std::string& path, uint64_t min,
                                   uint64_t max) {
  const std::string key = join(path, f.name);
  const int line = value_line(f);
  auto text = string_value(f.value, line, key);
  if (!text) return std::nullopt;
  std::string_view s = *text;
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty() ||
      !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    error(line, key, "expected an integer, got '" + *text + "'");
    return std::nullopt;
  }
  uint64_t value = 0;
  bool overflow = false;
  for (char c : s) {
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10) {
      overflow = true;
      break;
    }
    value = value * 10 + digit;
  }
  if (negative && value != 0) {
    error(line, key,
          (min == 0   ? std::string("must not be negative")
           : min == 1 ? std::string("must be greater than 0")
                      : "must be at least " + std::to_string(min)) +
              ", got '" + *text + "'");
    return std::nullopt;
  }
  if (value < min) {
    error(line, key,
          (min == 1 ? std::string("must be greater than 0")
                    : "must be at least " + std::to_string(min)) +
              ", got '" + *text + "'");
    return std::nullopt;
  }
  if (overflow || value > max) {
    error(line, key, "must be at most " + std::to_string(max) + ", got '" + *text + "'");
    return std::nullopt;
  }
  return value;
}

// Lists may be written as `key:` with nothing under them (for instance
// when every entry is commented out); that is an empty list, not an error.
bool Reader::is_list(const Field& f, const std::string& path) {
  if (f.value.IsNull() || f.value.IsSequence()) return true;
  error(value_line(f), join(path, f.name), "expected a list, got " + std::string(kind(f.value)));
  return false;
}

bool Reader::is_map(const Field& f, const std::string& path) {
  if (f.value.IsMap()) return true;
  error(value_line(f), join(path, f.name), "expected a map, got " + std::string(kind(f.value)));
  return false;
}

std::optional<double> Reader::double_field(const Field& f, const std::string& path) {
  const std::string key = join(path, f.name);
  auto text = string_value(f.value, value_line(f), key);
  if (!text) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(text->c_str(), &end);
  if (text->empty() || end != text->c_str() + text->size() || !(v >= 0) || v > 1e12) {
    error(value_line(f), key, "expected a non-negative number, got '" + *text + "'");
    return std::nullopt;
  }
  return v;
}

std::optional<bool> Reader::bool_field(const Field& f, const std::string& path) {
  auto s = string_field(f, path);
  if (!s) return std::nullopt;
  if (*s == "true") return true;
  if (*s == "false") return false;
  error(value_line(f), join(path, f.name), "expected true or false, got '" + *s + "'");
  return std::nullopt;
}

bool Reader::string_list(const Field& f, const std::string& path, std::vector<std::string>& out) {
  if (!is_list(f, path)) return false;
  const std::string key = join(path, f.name);
  bool ok = true;
  size_t i = 0;
  for (auto it = f.value.begin(); it != f.value.end(); ++it, ++i) {
    YAML::Node item = *it;
    auto s = string_value(item, item.IsNull() ? value_line(f) : line_of(item), index(key, i));
    if (!s) ok = false;
    else if (!s->empty()) out.push_back(std::move(*s));
  }
  return ok;
}

// `auth:` and `admin:` alike: a map with a list of keys.
void Reader::key_list_section(const Field& f, std::vector<std::string>& keys) {
  const std::string section = f.name;
  int keys_line = line_of(f.key);
  bool key_error = false;
  if (f.value.IsMap()) {
    for (const Field& a : fields(f.value, section, {"keys"})) {
      keys_line = value_line(a);
      if (!is_list(a, section)) {
        key_error = true;
        continue;
      }
      size_t i = 0;
      for (auto it = a.value.begin(); it != a.value.end(); ++it, ++i) {
        YAML::Node item = *it;
        int line = item.IsNull() ? keys_line : line_of(item);
        auto s = string_value(item, line, index(section + ".keys", i));
        if (!s) {
          key_error = true;
          continue;
        }
        // Dropping empty keys lets `${EXTRA_KEY:-}` make a key optional.
        if (!s->empty()) keys.push_back(*s);
      }
    }
  } else if (!f.value.IsNull()) {
    error(value_line(f), section, "expected a map with 'keys', got " + std::string(kind(f.value)));
    return;
  }
  // A section that ends up with no key would reject every request; that is
  // never what was meant, so it is refused rather than guessed at.
  if (keys.empty() && !key_error)
    error(keys_line, section + ".keys",
          "no key configured (remove the " + section + " section to run without it)");
}

std::string mask_secret(std::string_view secret) {
  if (secret.empty()) return "";
  if (secret.size() < 12) return "****";
  return "****" + std::string(secret.substr(secret.size() - 4));
}

}  // namespace torii::config
