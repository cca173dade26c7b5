#include "stats.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "core/hex.hpp"
#include "core/utf8.hpp"

namespace torii::mock_server {

namespace json = boost::json;
// Request bodies and headers may hold any bytes, but the stats must stay
// valid JSON: invalid UTF-8 becomes U+FFFD.
using core::valid_utf8;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

}  // namespace

void Stats::record(const http::Request& req) {
  SeenRequest seen{req.method, std::string(req.path()), std::string(req.query()), req.body, {}};
  for (const auto& h : req.headers) {
    std::string name = lower(h.name);
    auto same = std::find_if(seen.headers.begin(), seen.headers.end(), [&](const auto& p) { return p.first == name; });
    if (same != seen.headers.end()) same->second += ", " + h.value;
    else seen.headers.emplace_back(std::move(name), h.value);
  }
  std::optional<SeenRequest> previous(std::move(seen));
  {
    std::lock_guard lock(mutex_);
    ++requests_;
    auto it = by_path_.find(previous->path);
    if (it == by_path_.end()) by_path_.emplace(previous->path, 1);
    else ++it->second;
    last_.swap(previous);
  }
  // `previous` (the older request, possibly a large body) is freed outside the lock.
}

void Stats::fault(std::string_view kind) {
  std::lock_guard lock(mutex_);
  auto it = faults_.find(kind);
  if (it == faults_.end()) faults_.emplace(std::string(kind), 1);
  else ++it->second;
}

json::object Stats::to_json() const {
  json::object out;
  std::lock_guard lock(mutex_);
  out["requests"] = requests_;
  json::object paths;
  for (const auto& [path, n] : by_path_) paths[valid_utf8(path)] = n;
  out["by_path"] = std::move(paths);
  json::object faults;
  for (const auto& [kind, n] : faults_) faults[kind] = n;
  out["faults"] = std::move(faults);
  out["streams_started"] = streams_started_.load();
  out["streams_completed"] = streams_completed_.load();
  out["streams_client_closed"] = streams_client_closed_.load();
  out["streams_reset"] = streams_reset_.load();
  if (!last_) {
    out["last_request"] = nullptr;
    return out;
  }
  json::object headers;
  for (const auto& [name, value] : last_->headers) headers[valid_utf8(name)] = valid_utf8(value);
  out["last_request"] = json::object{{"method", valid_utf8(last_->method)},
                                     {"path", valid_utf8(last_->path)},
                                     {"query", valid_utf8(last_->query)},
                                     {"headers", std::move(headers)},
                                     {"body", valid_utf8(last_->body)},
                                     // of the bytes as received: `body` is made valid UTF-8 to be shown
                                     {"body_sha256", core::sha256_hex(last_->body)}};
  return out;
}

void Stats::reset() {
  std::lock_guard lock(mutex_);
  requests_ = 0;
  by_path_.clear();
  faults_.clear();
  last_.reset();
  streams_started_ = 0;
  streams_completed_ = 0;
  streams_client_closed_ = 0;
  streams_reset_ = 0;
}

}  // namespace torii::mock_server
