#pragma once
// Minimal leveled logging to stderr. Not on the hot path: request logs are a
// separate concern. Format strings use "{}" placeholders.
#include <atomic>
#include <sstream>
#include <string>
#include <string_view>

namespace torii::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

Level level();
void set_level(Level l);
bool parse_level(std::string_view text, Level& out);
void write(Level l, const std::string& line);

namespace detail {
inline void format_into(std::ostringstream& out, std::string_view fmt) { out << fmt; }
template <typename T, typename... Rest>
void format_into(std::ostringstream& out, std::string_view fmt, const T& first, const Rest&... rest) {
  auto pos = fmt.find("{}");
  if (pos == std::string_view::npos) {
    out << fmt;
    return;
  }
  out << fmt.substr(0, pos) << first;
  format_into(out, fmt.substr(pos + 2), rest...);
}
}  // namespace detail

template <typename... Args>
std::string format(std::string_view fmt, const Args&... args) {
  std::ostringstream out;
  detail::format_into(out, fmt, args...);
  return out.str();
}

template <typename... Args>
void log_at(Level l, std::string_view fmt, const Args&... args) {
  if (l < level()) return;
  write(l, format(fmt, args...));
}

template <typename... Args> void debug(std::string_view f, const Args&... a) { log_at(Level::debug, f, a...); }
template <typename... Args> void info(std::string_view f, const Args&... a) { log_at(Level::info, f, a...); }
template <typename... Args> void warn(std::string_view f, const Args&... a) { log_at(Level::warn, f, a...); }
template <typename... Args> void error(std::string_view f, const Args&... a) { log_at(Level::error, f, a...); }

}  // namespace torii::log
