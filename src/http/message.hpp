#pragma once
// Plain HTTP message types shared by the server, the upstream client and handlers.
// Deliberately free of Beast so that most of the code base compiles without it.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace torii::http {

bool iequals(std::string_view a, std::string_view b) noexcept;

namespace detail {
// Per byte: may it appear in a header name (an RFC 9110 token)?
struct TokenBytes {
  bool token[256] = {};
  constexpr TokenBytes() {
    for (int c = '0'; c <= '9'; ++c) token[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) token[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) token[c] = true;
    for (char c : std::string_view("!#$%&'*+-.^_`|~")) token[static_cast<unsigned char>(c)] = true;
  }
};
inline constexpr TokenBytes kTokenBytes;
}  // namespace detail

// RFC 9110 token: what a header name may be.
inline bool valid_header_name(std::string_view name) noexcept {
  if (name.empty()) return false;
  for (unsigned char c : name)
    if (!detail::kTokenBytes.token[c]) return false;
  return true;
}

// A header value that cannot end its line early: no CR, LF or NUL. A value
// with one would let the rest be read as headers (or a body) of its own.
inline bool safe_header_value(std::string_view value) noexcept {
  // Eight bytes at a time: a word has a zero byte where (w - 0x01..) & ~w has
  // a high bit set, so CR, LF and NUL are found as zero bytes of w ^ byte.
  constexpr uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  auto has_zero = [](uint64_t w) { return ((w - ones) & ~w & highs) != 0; };
  size_t i = 0;
  for (; i + 8 <= value.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, value.data() + i, 8);
    if (has_zero(w) || has_zero(w ^ (ones * '\r')) || has_zero(w ^ (ones * '\n'))) return false;
  }
  for (; i < value.size(); ++i)
    if (value[i] == '\r' || value[i] == '\n' || value[i] == '\0') return false;
  return true;
}

// Appends "name: value\r\n" unless the name is not a token or the value is
// unsafe: then appends nothing and returns false. Every header line torii
// writes, to clients and to upstreams, goes through here (but for the
// server's own framing lines, which hold nothing from a request).
inline bool append_header_line(std::string& out, std::string_view name, std::string_view value) {
  if (!valid_header_name(name) || !safe_header_value(value)) return false;
  const size_t at = out.size();
  out.resize(at + name.size() + value.size() + 4);
  char* p = out.data() + at;
  std::memcpy(p, name.data(), name.size());
  p += name.size();
  *p++ = ':';
  *p++ = ' ';
  std::memcpy(p, value.data(), value.size());
  p += value.size();
  *p++ = '\r';
  *p = '\n';
  return true;
}

struct Header {
  std::string name;
  std::string value;
};

// Ordered header list with case-insensitive lookup. Small (tens of entries), so a
// vector beats a map both in lookup time and in allocations.
class Headers {
 public:
  const std::string* find(std::string_view name) const noexcept;
  std::string_view get(std::string_view name) const noexcept;  // "" when absent
  void add(std::string name, std::string value);
  void set(std::string_view name, std::string value);  // replaces every existing value
  void remove(std::string_view name);
  void reserve(size_t n) { list_.reserve(n); }
  auto begin() const { return list_.begin(); }
  auto end() const { return list_.end(); }
  bool empty() const { return list_.empty(); }
  size_t size() const { return list_.size(); }

 private:
  std::vector<Header> list_;
};

struct Request {
  std::string method;   // "GET", "POST", ...
  std::string target;   // as received: path + optional "?query"
  std::string_view path() const;   // target without the query string
  std::string_view query() const;  // after '?', or ""
  unsigned version = 11;           // 10 or 11
  Headers headers;
  std::string body;
  std::string remote;              // peer address "ip:port", for logs
};

struct Response {
  int status = 200;
  Headers headers;
  std::string content_type = "application/json";
  std::string body;
};

std::string_view reason_phrase(int status) noexcept;

}  // namespace torii::http
