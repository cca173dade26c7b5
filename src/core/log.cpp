#include "core/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace torii::log {

namespace {
std::atomic<int> g_level{int(Level::info)};
const char* name(Level l) {
  switch (l) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "?";
}
}  // namespace

Level level() { return Level(g_level.load(std::memory_order_relaxed)); }
void set_level(Level l) { g_level.store(int(l), std::memory_order_relaxed); }

bool parse_level(std::string_view t, Level& out) {
  if (t == "debug") out = Level::debug;
  else if (t == "info") out = Level::info;
  else if (t == "warn") out = Level::warn;
  else if (t == "error") out = Level::error;
  else return false;
  return true;
}

void write(Level l, const std::string& line) {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  // One fprintf per line keeps lines from different workers whole.
  std::fprintf(stderr, "%s.%03dZ %s %s\n", stamp, int(ms), name(l), line.c_str());
}

}  // namespace torii::log
