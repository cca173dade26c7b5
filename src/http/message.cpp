#include "http/message.hpp"

#include <algorithm>

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
