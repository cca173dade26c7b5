#include "http/client.hpp"

#include <sys/socket.h>

#include <array>
#include <charconv>
#include <optional>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "core/log.hpp"
#include "http/deadline.hpp"
#include "http/wire.hpp"

namespace torii::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr size_t kMaxIdlePerOrigin = 256;
// Upstreams commonly drop idle keep-alive connections after 60 s or more; we
// retire ours earlier so we rarely race their close.
constexpr auto kIdleLifetime = std::chrono::seconds(45);
// A connection idle for less than this is reused without first checking for
// an EOF (a system call): upstreams do not close keep-alive connections that
// quickly, and a request that meets a closed one is retried on a fresh one anyway.
constexpr auto kCheckIdleAfter = std::chrono::milliseconds(250);
constexpr size_t kMaxResponseHeaderBytes = 64 * 1024;
constexpr size_t kReadSize = 16 * 1024;
}  // namespace

bool parse_url(std::string_view text, Url& out, std::string& error) {
  Url u;
  std::string_view rest;
  if (text.starts_with("https://")) {
    u.tls = true;
    rest = text.substr(8);
  } else if (text.starts_with("http://")) {
    rest = text.substr(7);
  } else {
    error = "URL must start with http:// or https://";
    return false;
  }
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    error = "credentials in URLs are not supported";
    return false;
  }
  std::string_view host = authority, port_text;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) {
      error = "unterminated IPv6 address";
      return false;
    }
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') {
        error = "bad authority";
        return false;
      }
      port_text = after.substr(1);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port_text = authority.substr(colon + 1);
  }
  if (host.empty()) {
    error = "missing host";
    return false;
  }
  u.port = u.tls ? 443 : 80;
  if (!port_text.empty()) {
    unsigned p = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), p);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || p == 0 || p > 65535) {
      error = "bad port";
      return false;
    }
    u.port = uint16_t(p);
  }
  u.host = std::string(host);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  u.path = std::string(path);
  bool v6 = u.host.find(':') != std::string::npos;
  u.host_header = v6 ? "[" + u.host + "]" : u.host;
  if (u.port != (u.tls ? 443 : 80)) u.host_header += ":" + std::to_string(u.port);
  out = std::move(u);
  return true;
}

struct PooledConnection {
  std::string key;
  std::optional<tcp::socket> plain;
  std::optional<beast::ssl_stream<tcp::socket>> tls;
  beast::flat_buffer buffer;
  Clock::time_point idle_since;
  bool reused = false;
  // Connect, head and body deadlines of the exchange in progress; passing one
  // closes the socket (the connection cannot be reused after a timeout).
  LazyDeadline deadline;

  explicit PooledConnection(const asio::any_io_executor& ex) : deadline(ex, [this] { close(); }) {}

  tcp::socket& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  void close() {
    error_code ec;
    if (tls || plain) lowest().close(ec);
  }
  // An operation that failed because the deadline closed the socket reports a timeout.
  error_code explain(error_code ec) const {
    if (ec && deadline.expired()) return beast::error::timeout;
    return ec;
  }

  // True when an idle connection can still carry a request: nothing readable
  // (no EOF, no stray bytes such as a TLS close_notify) and not too old.
  bool healthy(Clock::time_point now) {
    if (now - idle_since > kIdleLifetime) return false;
    if (buffer.size() != 0) return false;
    if (now - idle_since < kCheckIdleAfter) return true;
    char byte;
    ssize_t n = ::recv(lowest().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
};

class ConnectionPool {
 public:
  explicit ConnectionPool(asio::any_io_executor ex) : executor(ex), tls_context(ssl::context::tls_client) {
    // Honours SSL_CERT_FILE / SSL_CERT_DIR through OpenSSL's defaults.
    tls_context.set_default_verify_paths();
    tls_context.set_verify_mode(ssl::verify_peer);
    tls_context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                            ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  }

  std::unique_ptr<PooledConnection> take(const std::string& key) {
    auto it = idle.find(key);
    if (it == idle.end()) return nullptr;
    auto now = Clock::now();
    auto& list = it->second;
    while (!list.empty()) {
      auto conn = std::move(list.back());
      list.pop_back();
      if (conn->healthy(now)) {
        conn->reused = true;
        return conn;
      }
    }
    return nullptr;
  }

  void give_back(std::unique_ptr<PooledConnection> conn) {
    auto& list = idle[conn->key];
    if (list.size() >= kMaxIdlePerOrigin) return;
    conn->idle_since = Clock::now();
    conn->deadline.clear();
    list.push_back(std::move(conn));
  }

  size_t idle_count() const {
    size_t n = 0;
    for (const auto& [k, v] : idle) n += v.size();
    return n;
  }

  asio::any_io_executor executor;
  ssl::context tls_context;
  std::unordered_map<std::string, std::vector<std::unique_ptr<PooledConnection>>> idle;
};

struct UpstreamResponse::State {
  std::shared_ptr<ConnectionPool> pool;
  std::unique_ptr<PooledConnection> conn;
  Clock::time_point deadline;
  Clock::time_point read_limit = Clock::time_point::max();
  wire::ResponseParser parser;
  bool done = false;
  bool cancelled = false;

  // Reads until at least one more body byte is in `out` or the body is complete.
  template <class Stream>
  asio::awaitable<error_code> read_body_from(Stream& s, std::string& out) {
    const size_t before = out.size();
    parser.sink = &out;
    auto got_more = [&out, before] { return out.size() > before; };
    error_code ec = co_await wire::parse_until(s, conn->buffer, parser, kReadSize, got_more);
    parser.sink = &parser.pending;
    co_return ec;
  }

  void finish_exchange() {
    done = true;
    if (conn && parser.is_done() && parser.keep_alive() && !cancelled) pool->give_back(std::move(conn));
    conn.reset();
  }
};

namespace {

UpstreamError classify(const error_code& ec, bool cancelled, std::string_view during) {
  UpstreamError e;
  if (cancelled || ec == asio::error::operation_aborted) {
    e.kind = UpstreamFailure::cancelled;
  } else if (ec == beast::error::timeout) {
    e.kind = UpstreamFailure::timeout;
  } else if (ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category() && ec != bhttp::error::end_of_stream &&
             ec != bhttp::error::partial_message) {
    e.kind = UpstreamFailure::protocol;
  } else {
    e.kind = UpstreamFailure::io;
  }
  e.message = std::string(during) + ": " + ec.message();
  return e;
}

void append_request_head(std::string& out, const UpstreamRequest& r) {
  out.reserve(256 + r.target.size() + r.fixed_headers.size());
  out += r.method;
  out += ' ';
  out += r.target.empty() ? std::string_view("/") : std::string_view(r.target);
  out += " HTTP/1.1\r\nHost: ";
  out += r.origin->host_header;
  out += "\r\n";
  out += r.fixed_headers;
  // Per-request values (forwarded client headers, request ids) that could
  // end their line early are dropped rather than injected upstream.
  for (const auto& h : r.headers)
    if (!append_header_line(out, h.name, h.value)) log::warn("upstream header '{}' not sent: invalid name or value", h.name);
  if (!r.body.empty() || r.method == "POST" || r.method == "PUT" || r.method == "PATCH") {
    char num[24];
    auto [end, ec] = std::to_chars(num, num + sizeof num, r.body.size());
    (void)ec;
    out += "Content-Length: ";
    out.append(num, end);
    out += "\r\n";
  }
  out += "\r\n";
}

template <class Stream>
asio::awaitable<error_code> write_and_read_head(Stream& s, PooledConnection& conn, const std::string& head,
                                                std::string_view body, wire::ResponseParser& parser) {
  std::array<asio::const_buffer, 2> bufs{asio::buffer(head), asio::buffer(body.data(), body.size())};
  error_code wec;
  if constexpr (std::is_same_v<Stream, tcp::socket>) {
    size_t written = 0;
    if (!wire::write_now(s, bufs, written, wec)) wec = co_await wire::write_rest(s, bufs, written);
  } else {
    wec = co_await wire::write_all(s, bufs);
  }
  if (wec) co_return wec;
  auto head_done = [&parser] { return parser.is_header_done(); };
  co_return co_await wire::parse_until(s, conn.buffer, parser, kReadSize, head_done);
}

}  // namespace

UpstreamResponse::UpstreamResponse(std::shared_ptr<ConnectionPool> pool, std::unique_ptr<PooledConnection> conn,
                                   Clock::time_point deadline)
    : state_(std::make_unique<State>()) {
  state_->pool = std::move(pool);
  state_->conn = std::move(conn);
  state_->deadline = deadline;
}

UpstreamResponse::~UpstreamResponse() = default;

int UpstreamResponse::status() const { return state_->parser.status; }
const Headers& UpstreamResponse::headers() const { return state_->parser.headers; }

asio::awaitable<bool> UpstreamResponse::read_some(std::string& out, UpstreamError& error) {
  auto& S = *state_;
  if (!S.parser.pending.empty()) {  // body bytes that came with the head
    out.append(S.parser.pending);
    S.parser.pending.clear();
    if (S.parser.is_done()) S.finish_exchange();
    co_return true;
  }
  while (!S.done) {
    if (S.parser.is_done()) {
      S.finish_exchange();
      co_return false;
    }
    if (S.cancelled || !S.conn) {
      error = {UpstreamFailure::cancelled, "cancelled"};
      S.done = true;
      co_return false;
    }
    S.conn->deadline.expires_at(std::min(S.deadline, S.read_limit));
    const size_t before = out.size();
    error_code ec;
    if (S.conn->tls) ec = co_await S.read_body_from(*S.conn->tls, out);
    else ec = co_await S.read_body_from(*S.conn->plain, out);
    const bool got = out.size() > before;
    if (ec) {
      error = classify(S.conn->explain(ec), S.cancelled, "reading upstream body");
      S.done = true;
      S.conn.reset();
      co_return got;  // hand over what arrived; the error shows on the next call
    }
    if (S.parser.is_done()) S.finish_exchange();
    if (got) co_return true;
  }
  co_return false;
}

asio::awaitable<bool> UpstreamResponse::read_all(std::string& out, size_t limit, UpstreamError& error) {
  for (;;) {
    bool more = co_await read_some(out, error);
    if (error) co_return false;
    if (out.size() > limit) {
      error = {UpstreamFailure::protocol, "upstream response body exceeds " + std::to_string(limit) + " bytes"};
      cancel();
      co_return false;
    }
    if (!more) co_return true;
  }
}

void UpstreamResponse::limit_reads_until(Clock::time_point until) { state_->read_limit = until; }
void UpstreamResponse::clear_read_limit() { state_->read_limit = Clock::time_point::max(); }

void UpstreamResponse::cancel() {
  auto& S = *state_;
  S.cancelled = true;
  if (S.conn) {
    S.conn->close();
  }
}

UpstreamClient::UpstreamClient(asio::any_io_executor executor)
    : pool_(std::make_shared<ConnectionPool>(std::move(executor))) {}

UpstreamClient::~UpstreamClient() = default;

size_t UpstreamClient::idle_connections() const { return pool_->idle_count(); }

namespace {

asio::awaitable<std::unique_ptr<PooledConnection>> open_connection(ConnectionPool& pool, const Url& origin,
                                                                   std::string key, Clock::time_point deadline,
                                                                   std::chrono::milliseconds connect_timeout,
                                                                   UpstreamError& error) {
  auto conn = std::make_unique<PooledConnection>(pool.executor);
  conn->key = std::move(key);
  auto connect_deadline = std::min(deadline, Clock::now() + connect_timeout);

  std::vector<tcp::endpoint> endpoints;
  error_code aec;
  auto addr = asio::ip::make_address(origin.host, aec);
  if (!aec) {
    endpoints.emplace_back(addr, origin.port);
  } else {
    tcp::resolver resolver(pool.executor);
    const std::string port = std::to_string(origin.port);
    auto [rec, results] = co_await resolver.async_resolve(origin.host, port, nothrow);
    if (rec) {
      error = {UpstreamFailure::connect, "resolving " + origin.host + ": " + rec.message()};
      co_return nullptr;
    }
    for (const auto& r : results) endpoints.push_back(r.endpoint());
  }

  conn->plain.emplace(pool.executor);
  conn->deadline.expires_at(connect_deadline);
  auto [cec, ep] = co_await asio::async_connect(*conn->plain, endpoints, nothrow);
  cec = conn->explain(cec);
  if (cec) {
    error = classify(cec, false, "connecting to " + origin.host_header);
    if (error.kind != UpstreamFailure::timeout) error.kind = UpstreamFailure::connect;
    co_return nullptr;
  }
  error_code ignored;
  conn->plain->set_option(tcp::no_delay(true), ignored);
  conn->plain->non_blocking(true, ignored);  // lets wire::write_now write directly

  if (origin.tls) {
    conn->tls.emplace(std::move(*conn->plain), pool.tls_context);
    conn->plain.reset();
    // SNI is required by most TLS front ends; hostname verification by us.
    if (!SSL_set_tlsext_host_name(conn->tls->native_handle(), origin.host.c_str())) {
      error = {UpstreamFailure::connect, "cannot set TLS SNI for " + origin.host};
      co_return nullptr;
    }
    conn->tls->set_verify_callback(ssl::host_name_verification(origin.host));
    auto [hec] = co_await conn->tls->async_handshake(ssl::stream_base::client, nothrow);
    hec = conn->explain(hec);
    if (hec) {
      error = classify(hec, false, "TLS handshake with " + origin.host_header);
      if (error.kind != UpstreamFailure::timeout) error.kind = UpstreamFailure::connect;
      co_return nullptr;
    }
  }
  co_return conn;
}

}  // namespace

asio::awaitable<std::unique_ptr<UpstreamResponse>> UpstreamClient::send(const UpstreamRequest& req,
                                                                         UpstreamError& error) {
  const Url& origin = *req.origin;
  auto deadline = Clock::now() + req.total_timeout;
  std::string key;
  key.reserve(origin.host.size() + 16);
  key += origin.tls ? "https://" : "http://";
  key += origin.host_header;

  std::string head;
  append_request_head(head, req);

  // A reused connection the upstream closed while it sat idle fails before any
  // response byte; that request never reached the upstream, so one retry on a
  // fresh connection is safe.
  auto head_deadline = req.head_timeout.count() > 0 ? std::min(deadline, Clock::now() + req.head_timeout) : deadline;
  auto cancelled = [&] { return req.cancel && req.cancel->requested(); };
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (cancelled()) break;
    auto conn = pool_->take(key);
    if (!conn) {
      conn = co_await open_connection(*pool_, origin, key, head_deadline, req.connect_timeout, error);
      if (!conn) {
        if (cancelled()) error = {UpstreamFailure::cancelled, "cancelled"};
        co_return nullptr;
      }
    }
    if (req.cancel) {
      // Closing the socket completes the pending write/read with an error.
      req.cancel->set_closer([c = conn.get()] { c->close(); });
    }
    auto resp = std::make_unique<UpstreamResponse>(pool_, nullptr, deadline);
    auto& S = *resp->state_;
    S.parser.header_limit(kMaxResponseHeaderBytes);
    S.parser.body_limit(boost::none);
    S.parser.eager(true);
    S.parser.headers.reserve(16);
    conn->deadline.expires_at(head_deadline);
    bool reused = conn->reused;
    error_code ec;
    if (conn->tls) ec = co_await write_and_read_head(*conn->tls, *conn, head, req.body, S.parser);
    else ec = co_await write_and_read_head(*conn->plain, *conn, head, req.body, S.parser);
    ec = conn->explain(ec);
    if (req.cancel) req.cancel->set_closer(nullptr);
    if (cancelled()) {
      error = {UpstreamFailure::cancelled, "cancelled"};
      co_return nullptr;
    }
    if (ec) {
      bool stale = reused && (ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset ||
                              ec == asio::error::broken_pipe || ec == asio::error::eof ||
                              ec == ssl::error::stream_truncated);
      if (stale && attempt == 0) continue;
      error = classify(ec, false, "waiting for upstream response");
      co_return nullptr;
    }
    S.conn = std::move(conn);
    co_return resp;
  }
  error = cancelled() ? UpstreamError{UpstreamFailure::cancelled, "cancelled"}
                     : UpstreamError{UpstreamFailure::io, "upstream closed the connection"};
  co_return nullptr;
}

}  // namespace torii::http
