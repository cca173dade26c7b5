#pragma once
// Upstream HTTP/1.1 client with per-worker keep-alive pools, TLS (verified, SNI)
// and deadlines. One UpstreamClient per worker thread: it is not thread-safe,
// and needs no locks because nothing else touches it.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "http/message.hpp"

namespace torii::http {

struct Url {
  bool tls = false;
  std::string host;      // without brackets for IPv6
  uint16_t port = 0;
  std::string path;      // "" or "/v1" — never ends with '/'
  std::string host_header;  // "host" or "host:port" as sent in Host
};
// Accepts http:// and https:// URLs. Returns false with a reason on bad input.
bool parse_url(std::string_view text, Url& out, std::string& error);

enum class UpstreamFailure {
  none,
  connect,    // DNS, TCP or TLS handshake failed
  timeout,    // connect or total deadline passed
  io,         // connection broke mid-exchange
  protocol,   // the upstream spoke broken HTTP
  cancelled,  // cancel() was called (client went away)
};

struct UpstreamError {
  UpstreamFailure kind = UpstreamFailure::none;
  std::string message;
  explicit operator bool() const { return kind != UpstreamFailure::none; }
};

// Lets another coroutine abort an exchange that is still connecting or
// waiting for its head (a hedged attempt that lost, a client that left).
class UpstreamCancel {
 public:
  void cancel() {
    requested_ = true;
    if (closer_) closer_();
  }
  bool requested() const { return requested_; }
  void set_closer(std::function<void()> closer) { closer_ = std::move(closer); }

 private:
  bool requested_ = false;
  std::function<void()> closer_;
};

struct UpstreamRequest {
  std::string_view method = "POST";
  const Url* origin = nullptr;  // scheme, host, port; must outlive the exchange
  std::string target;           // path and query
  // Pre-rendered "Name: value\r\n" lines sent first, verbatim: headers that
  // are the same for every request to an upstream are rendered once, not per request.
  std::string_view fixed_headers;
  Headers headers;              // Host and Content-Length are added by the client
  std::string_view body;        // must outlive send()
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{600'000};
  // Deadline for the response head (0 = only total_timeout applies).
  std::chrono::milliseconds head_timeout{0};
  std::shared_ptr<UpstreamCancel> cancel;  // optional
};

struct PooledConnection;
class ConnectionPool;

// One exchange in progress: head received, body being read.
class UpstreamResponse {
 public:
  UpstreamResponse(std::shared_ptr<ConnectionPool> pool, std::unique_ptr<PooledConnection> conn,
                   std::chrono::steady_clock::time_point deadline);
  ~UpstreamResponse();

  int status() const;
  const Headers& headers() const;

  // Appends the next piece of the (de-chunked) body to `out` as soon as it is
  // available. Returns false at the end of the body or on error (then `error`
  // is set). The connection returns to the pool once the body is complete.
  boost::asio::awaitable<bool> read_some(std::string& out, UpstreamError& error);
  // Reads the whole remaining body, failing with `protocol` past `limit` bytes.
  boost::asio::awaitable<bool> read_all(std::string& out, size_t limit, UpstreamError& error);
  // Aborts the exchange; pending reads complete with `cancelled`.
  void cancel();
  // Reads until `until` (if earlier than the total deadline) fail with
  // `timeout`; clear_read_limit() lifts it again. For first-token deadlines.
  void limit_reads_until(std::chrono::steady_clock::time_point until);
  void clear_read_limit();

  struct State;

 private:
  friend class UpstreamClient;
  std::unique_ptr<State> state_;
};

class UpstreamClient {
 public:
  explicit UpstreamClient(boost::asio::any_io_executor executor);
  ~UpstreamClient();

  // Sends the request and waits for the response head. On failure returns
  // nullptr and fills `error`. A pooled connection that turns out to have been
  // closed by the upstream is replaced transparently, once.
  boost::asio::awaitable<std::unique_ptr<UpstreamResponse>> send(const UpstreamRequest& request,
                                                                  UpstreamError& error);
  size_t idle_connections() const;

 private:
  std::shared_ptr<ConnectionPool> pool_;
};

}  // namespace torii::http
