#pragma once
// Plain HTTP message types shared by the server, the upstream client and handlers.
// Deliberately free of Beast so that most of the code base compiles without it.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace torii::http {

bool iequals(std::string_view a, std::string_view b) noexcept;

// RFC 9110 token: what a header name may be.
bool valid_header_name(std::string_view name) noexcept;
// A header value that cannot end its line early: no CR, LF or NUL. A value
// with one would let the rest be read as headers (or a body) of its own.
bool safe_header_value(std::string_view value) noexcept;
// Appends "name: value\r\n" unless the name is not a token or the value is
// unsafe: then appends nothing and returns false. Every header line torii
// writes, to clients and to upstreams, goes through here.
bool append_header_line(std::string& out, std::string_view name, std::string_view value);

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
