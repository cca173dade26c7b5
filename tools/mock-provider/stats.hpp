#pragma once
// What torii-mock has seen, for tests to assert on (GET /mock/stats). Shared by
// every worker thread.
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "http/message.hpp"

namespace torii::mock_server {

class Stats {
 public:
  void record(const http::Request& req);

  void stream_started() { streams_started_.fetch_add(1, std::memory_order_relaxed); }
  void stream_completed() { streams_completed_.fetch_add(1, std::memory_order_relaxed); }
  void stream_client_closed() { streams_client_closed_.fetch_add(1, std::memory_order_relaxed); }
  void stream_reset() { streams_reset_.fetch_add(1, std::memory_order_relaxed); }
  // A fault chaos drew for a request (App::behaviour).
  void fault(std::string_view kind);

  boost::json::object to_json() const;
  void reset();

 private:
  struct SeenRequest {
    std::string method, path, query, body;
    std::vector<std::pair<std::string, std::string>> headers;  // lower-cased names
  };

  std::atomic<std::uint64_t> streams_started_{0};
  std::atomic<std::uint64_t> streams_completed_{0};
  std::atomic<std::uint64_t> streams_client_closed_{0};
  std::atomic<std::uint64_t> streams_reset_{0};

  mutable std::mutex mutex_;
  std::uint64_t requests_ = 0;
  std::map<std::string, std::uint64_t, std::less<>> by_path_;
  std::map<std::string, std::uint64_t, std::less<>> faults_;
  std::optional<SeenRequest> last_;
};

}  // namespace torii::mock_server
