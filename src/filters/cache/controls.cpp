#include "filters/cache/controls.hpp"

#include <charconv>

namespace torii::filters::cache {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

bool seconds(std::string_view text, uint64_t max, uint64_t& out) {
  text = trim(text);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out <= max;
}

constexpr uint64_t kMaxTtl = 365ull * 86400;

}  // namespace

bool read_controls(const http::Headers& headers, Controls& c, std::string& error) {
  if (const std::string* v = headers.find("x-torii-cache")) {
    const std::string_view value = trim(*v);
    if (iequals(value, "no-cache") || iequals(value, "refresh")) {
      c.lookup = false;
    } else if (iequals(value, "no-store")) {
      c.store = false;
    } else {
      error = "x-torii-cache: expected no-cache, no-store or refresh, got '" + std::string(value) + "'";
      return false;
    }
  }
  if (const std::string* v = headers.find("x-torii-cache-ttl")) {
    uint64_t ttl = 0;
    if (!seconds(*v, kMaxTtl, ttl) || ttl == 0) {
      error = "x-torii-cache-ttl: expected whole seconds from 1 to " + std::to_string(kMaxTtl);
      return false;
    }
    c.ttl_s = uint32_t(ttl);
  }
  if (const std::string* v = headers.find("x-torii-cache-namespace")) {
    const std::string_view ns = trim(*v);
    bool printable = !ns.empty() && ns.size() <= 128;
    for (char ch : ns) printable = printable && ch > 0x20 && ch < 0x7f;
    if (!printable) {
      error = "x-torii-cache-namespace: expected 1 to 128 printable characters without spaces";
      return false;
    }
    c.ns = std::string(ns);
  }
  if (const std::string* v = headers.find("cache-control")) {
    // Unknown directives are ignored, as HTTP caches do.
    std::string_view rest = *v;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      const std::string_view d = trim(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (iequals(d, "no-cache")) {
        c.lookup = false;
      } else if (iequals(d, "no-store")) {
        c.store = false;
      } else if (d.size() > 8 && iequals(d.substr(0, 8), "max-age=")) {
        uint64_t age = 0;
        if (!seconds(d.substr(8), uint64_t(1) << 40, age)) {
          error = "Cache-Control: max-age must be whole seconds";
          return false;
        }
        c.max_age_s = int64_t(age);
        if (age == 0) c.lookup = false;  // nothing stored is fresh enough
      }
    }
  }
  return true;
}

}  // namespace torii::filters::cache
