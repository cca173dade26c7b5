#include "http/message.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace torii::http {

namespace {
inline char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; }
}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

namespace {

// Per byte: may it appear in a header name (an RFC 9110 token), in a value?
// Tables, because every header line of every answer is checked.
struct HeaderBytes {
  bool token[256] = {};
  bool unsafe_in_value[256] = {};
  constexpr HeaderBytes() {
    for (int c = '0'; c <= '9'; ++c) token[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) token[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) token[c] = true;
    for (char c : std::string_view("!#$%&'*+-.^_`|~")) token[static_cast<unsigned char>(c)] = true;
    unsafe_in_value[static_cast<unsigned char>('\r')] = true;
    unsafe_in_value[static_cast<unsigned char>('\n')] = true;
    unsafe_in_value[0] = true;
  }
};
constexpr HeaderBytes kHeaderBytes;

}  // namespace

bool valid_header_name(std::string_view name) noexcept {
  if (name.empty()) return false;
  for (unsigned char c : name)
    if (!kHeaderBytes.token[c]) return false;
  return true;
}

bool safe_header_value(std::string_view value) noexcept {
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
    if (kHeaderBytes.unsafe_in_value[static_cast<unsigned char>(value[i])]) return false;
  return true;
}

bool append_header_line(std::string& out, std::string_view name, std::string_view value) {
  if (!valid_header_name(name) || !safe_header_value(value)) return false;
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
  return true;
}

const std::string* Headers::find(std::string_view name) const noexcept {
  for (const auto& h : list_)
    if (iequals(h.name, name)) return &h.value;
  return nullptr;
}

std::string_view Headers::get(std::string_view name) const noexcept {
  const std::string* v = find(name);
  return v ? std::string_view(*v) : std::string_view();
}

void Headers::add(std::string name, std::string value) {
  list_.push_back({std::move(name), std::move(value)});
}

void Headers::set(std::string_view name, std::string value) {
  remove(name);
  list_.push_back({std::string(name), std::move(value)});
}

void Headers::remove(std::string_view name) {
  std::erase_if(list_, [&](const Header& h) { return iequals(h.name, name); });
}

std::string_view Request::path() const {
  std::string_view t(target);
  return t.substr(0, t.find('?'));
}

std::string_view Request::query() const {
  std::string_view t(target);
  auto q = t.find('?');
  return q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
}

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 499: return "Client Closed Request";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 529: return "Overloaded";
    default: return "Unknown";
  }
}

}  // namespace torii::http
