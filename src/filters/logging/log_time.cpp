#include "filters/logging/log_time.hpp"

#include <charconv>
#include <cstdio>

namespace torii::filters::logging {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = unsigned(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + int64_t(doe) - 719468;
}

}  // namespace

std::string format_time(int64_t us) {
  int64_t secs = us >= 0 ? us / 1'000'000 : (us - 999'999) / 1'000'000;
  int64_t micros = us - secs * 1'000'000;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  // civil_from_days
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = unsigned(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = int64_t(yoe) + era * 400 + (m <= 2);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ", static_cast<long long>(y), m, d,
                static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60),
                static_cast<long long>(rem % 60), static_cast<long long>(micros));
  return buf;
}

bool parse_time(std::string_view s, int64_t& out_us) {
  int64_t secs;
  if (auto r = std::from_chars(s.data(), s.data() + s.size(), secs); r.ec == std::errc() && r.ptr == s.data() + s.size()) {
    if (secs < 0 || secs > 253402300799) return false;
    out_us = secs * 1'000'000;
    return true;
  }
  auto num = [&](size_t at, size_t len, int& v) {
    if (at + len > s.size()) return false;
    v = 0;
    for (size_t i = at; i < at + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    return true;
  };
  int y, mo, d, h = 0, mi = 0, se = 0;
  if (!num(0, 4, y) || s.size() < 10 || s[4] != '-' || !num(5, 2, mo) || s[7] != '-' || !num(8, 2, d)) return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return false;
  int64_t micros = 0, offset = 0;
  if (s.size() > 10) {
    if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !num(11, 2, h) || s.size() < 19 || s[13] != ':' ||
        !num(14, 2, mi) || s[16] != ':' || !num(17, 2, se))
      return false;
    if (h > 23 || mi > 59 || se > 60) return false;
    size_t i = 19;
    if (i < s.size() && s[i] == '.') {
      ++i;
      int64_t scale = 100000;
      size_t digits = 0;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        if (scale > 0) micros += (s[i] - '0') * scale;
        scale /= 10;
        ++i;
        ++digits;
      }
      if (digits == 0) return false;
    }
    if (i >= s.size()) return false;
    if (s[i] == 'Z' || s[i] == 'z') {
      if (i + 1 != s.size()) return false;
    } else if (s[i] == '+' || s[i] == '-') {
      int oh, om;
      if (s.size() != i + 6 || !num(i + 1, 2, oh) || s[i + 3] != ':' || !num(i + 4, 2, om)) return false;
      offset = (oh * 3600 + om * 60) * (s[i] == '+' ? 1 : -1);
    } else {
      return false;
    }
  }
  const int64_t t = days_from_civil(y, unsigned(mo), unsigned(d)) * 86400 + h * 3600 + mi * 60 + se - offset;
  out_us = t * 1'000'000 + micros;
  return true;
}

}  // namespace torii::filters::logging
