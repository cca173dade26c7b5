#include "http/server.hpp"

#include <sys/socket.h>

#include <array>
#include <csignal>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <span>
#include <thread>
#include <unordered_set>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>

#include "core/log.hpp"
#include "http/deadline.hpp"
#include "http/wire.hpp"

namespace torii::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr size_t kReadSize = 16 * 1024;      // per read while idle or reading a head
constexpr size_t kBodyReadSize = 64 * 1024;  // per read of a large body

// Appends "HTTP/1.1 <status> <reason>\r\n" plus the headers every answer has.
void append_status_line(std::string& out, unsigned version, int status) {
  out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  char num[8];
  auto [end, ec] = std::to_chars(num, num + sizeof num, status);
  (void)ec;
  out.append(num, end);
  out += ' ';
  out += reason_phrase(status);
  out += "\r\n";
}

// Lines whose name and value the server itself fixes (framing, its name):
// nothing from a request or an upstream, so nothing to check.
void append_fixed(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

// Every other line: checked, since its value may come from a request or an upstream.
void append_header(std::string& out, std::string_view name, std::string_view value) {
  if (!append_header_line(out, name, value)) log::warn("response header '{}' not sent: invalid name or value", name);
}

void append_number_header(std::string& out, std::string_view name, size_t value) {
  char num[24];
  auto [end, ec] = std::to_chars(num, num + sizeof num, value);
  (void)ec;
  append_fixed(out, name, std::string_view(num, size_t(end - num)));
}

}  // namespace

struct Connection;

// One event loop thread. See Server::run for the teardown order.
struct Worker {
  int index = 0;
  // Requests being answered on this worker. Per worker, on its own cache
  // line, so the workers never write to a shared counter per request.
  alignas(64) std::atomic<int> in_flight{0};
  std::unordered_set<Connection*> connections;
  Handler handler;
  std::unique_ptr<asio::io_context> ioc = std::make_unique<asio::io_context>(1);
  std::unique_ptr<tcp::acceptor> acceptor;
  std::thread thread;
};

struct Server::Impl {
  ServerOptions opt;
  HandlerFactory factory;
  ErrorResponder errors;
  std::vector<std::unique_ptr<Worker>> workers;
  std::atomic<bool> draining{false};
  std::mutex stop_mutex;
  std::condition_variable stop_cv;
  bool stop_requested = false;
  std::unique_ptr<asio::io_context> signal_ioc;
  std::unique_ptr<asio::signal_set> signals;

  asio::awaitable<void> accept_loop(Worker& w);
  // SIGINT/SIGTERM drain and stop; SIGHUP calls on_hangup and waits again.
  void wait_for_signal(Server& server) {
    signals->async_wait([this, &server](const error_code& ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        log::info("SIGHUP received");
        opt.on_hangup();
        wait_for_signal(server);
        return;
      }
      log::info("signal {} received, draining", sig);
      server.stop();
    });
  }
  asio::awaitable<void> session(Worker& w, tcp::socket socket);
  void begin_drain();
  int requests_in_flight() const {
    int n = 0;
    for (const auto& w : workers) n += w->in_flight.load();
    return n;
  }
};

// State shared between a streaming response and the watcher that notices the
// client hanging up; shared because the watcher's completion may outlive both.
struct DisconnectWatch {
  bool active = true;
  bool gone = false;
  std::function<void()> callback;
};

struct Connection final : ResponseWriter {
  Server::Impl& server;
  Worker& worker;
  tcp::socket socket;
  asio::any_io_executor exec;
  unsigned version = 11;
  bool keep_alive = true;
  bool answered = false;
  bool streaming = false;
  bool failed = false;  // a write failed: the connection is unusable
  bool head_request = false;  // HEAD: same head as GET, no body
  bool head_pending = false;  // a stream's head, built but not yet written
  std::shared_ptr<DisconnectWatch> watch;
  std::string head;  // reused buffer for response heads
  bool idle = true;  // between requests: a drain may close it at once
  // Both deadlines only cancel the pending operation, so a request read that
  // runs out of time can still be answered with 408. Two of them because the
  // idle wait and the request read alternate with different lengths; each
  // one's timer is then re-armed only when its period runs out.
  LazyDeadline io_deadline;    // idle wait between requests, and every write
  LazyDeadline read_deadline;  // reading one request, head and body

  Connection(Server::Impl& s, Worker& w, tcp::socket sock)
      : server(s),
        worker(w),
        socket(std::move(sock)),
        exec(socket.get_executor()),
        io_deadline(exec, [this] { cancel_io(); }),
        read_deadline(exec, [this] { cancel_io(); }) {
    worker.connections.insert(this);
  }
  ~Connection() override { worker.connections.erase(this); }

  void cancel_io() {
    error_code ignored;
    socket.cancel(ignored);
  }

  bool closing() const { return !keep_alive || server.draining.load(std::memory_order_relaxed); }

  void build_head(int status, const Headers& headers, std::string_view content_type) {
    head.clear();
    append_status_line(head, version, status);
    append_fixed(head, "Server", server.opt.server_name);
    if (!content_type.empty()) append_header(head, "Content-Type", content_type);
    // A value carrying CR, LF or NUL never reaches the wire (it would inject
    // headers of its own): the line is dropped, the rest of the answer stands.
    for (const auto& h : headers) append_header(head, h.name, h.value);
  }

  // True when the socket took everything at once (or failed, which sets
  // `failed`); otherwise write_rest() must send what follows `written`.
  bool write_now(std::span<const asio::const_buffer> buffers, size_t& written) {
    if (failed) return true;
    error_code ec;
    bool settled = wire::write_now(socket, buffers, written, ec);
    if (ec) failed = true;
    return settled;
  }

  asio::awaitable<bool> write_rest(std::span<const asio::const_buffer> buffers, size_t written) {
    io_deadline.expires_after(server.opt.idle_timeout);
    error_code ec = co_await wire::write_rest(socket, buffers, written);
    io_deadline.clear();
    if (ec) failed = true;
    co_return !ec;
  }

  // Writes now when possible, else waits (under the idle deadline) for the rest.
  // The hot paths (send, write_chunk) inline write_now to skip this frame.
  asio::awaitable<bool> write_buffers(std::span<const asio::const_buffer> buffers) {
    size_t written = 0;
    if (write_now(buffers, written)) co_return !failed;
    co_return co_await write_rest(buffers, written);
  }

  asio::awaitable<void> send(Response r) override {
    if (answered) co_return;
    answered = true;
    build_head(r.status, r.headers, r.content_type);
    append_number_header(head, "Content-Length", r.body.size());
    if (closing()) append_fixed(head, "Connection", "close");
    else if (version == 10) append_fixed(head, "Connection", "keep-alive");
    head += "\r\n";
    std::array<asio::const_buffer, 2> bufs{asio::buffer(head),
                                          asio::buffer(r.body.data(), head_request ? 0 : r.body.size())};
    size_t written = 0;
    if (!write_now(bufs, written)) co_await write_rest(bufs, written);
  }

  asio::awaitable<bool> begin_stream(int status, Headers headers, std::string_view content_type) override {
    if (answered) co_return false;
    answered = true;
    streaming = true;
    build_head(status, headers, content_type);
    if (version == 11) {
      append_fixed(head, "Transfer-Encoding", "chunked");
      if (closing()) append_fixed(head, "Connection", "close");
    } else {
      keep_alive = false;  // HTTP/1.0: the body ends when the connection does
      append_fixed(head, "Connection", "close");
    }
    head += "\r\n";
    // The head leaves with the first chunk (streaming answers begin once
    // their first events are ready): one write instead of two, and the
    // client is woken once.
    head_pending = true;
    start_watch();
    co_return true;
  }

  asio::awaitable<bool> write_chunk(std::string_view data) override {
    if (!streaming || failed || (watch && watch->gone)) co_return false;
    if (data.empty()) co_return true;  // an empty chunk would end the body
    std::array<asio::const_buffer, 4> bufs;
    size_t n = 0;
    if (head_pending) bufs[n++] = asio::buffer(head);
    head_pending = false;
    char size_line[20];
    if (version == 10) {
      bufs[n++] = asio::buffer(data);
    } else {
      auto [end, ec] = std::to_chars(size_line, size_line + 16, data.size(), 16);
      (void)ec;
      *end++ = '\r';
      *end++ = '\n';
      bufs[n++] = asio::buffer(size_line, size_t(end - size_line));
      bufs[n++] = asio::buffer(data);
      bufs[n++] = asio::buffer("\r\n", 2);
    }
    std::span<const asio::const_buffer> out(bufs.data(), n);
    size_t written = 0;
    if (write_now(out, written)) co_return !failed;
    co_return co_await write_rest(out, written);
  }

  asio::awaitable<void> end_stream() override {
    if (!streaming) co_return;
    streaming = false;
    stop_watch();
    std::array<asio::const_buffer, 2> bufs;
    size_t n = 0;
    if (head_pending) bufs[n++] = asio::buffer(head);
    head_pending = false;
    if (version == 11) bufs[n++] = asio::buffer("0\r\n\r\n", 5);
    std::span<const asio::const_buffer> out(bufs.data(), n);
    if (n > 0 && !failed) co_await write_buffers(out);
  }

  void on_disconnect(std::function<void()> callback) override {
    if (!watch) watch = std::make_shared<DisconnectWatch>();
    watch->callback = std::move(callback);
    if (watch->gone && watch->callback) {
      auto cb = std::move(watch->callback);
      cb();
    }
  }

  bool client_gone() const override { return failed || (watch && watch->gone); }

  void abort() override {
    error_code ec;
    socket.set_option(asio::socket_base::linger(true, 0), ec);
    socket.close(ec);
    failed = true;
    answered = true;
    keep_alive = false;
  }

  const asio::any_io_executor& executor() const override { return exec; }

  // Waits for the socket to become readable while a stream is open: a client
  // that hung up shows as a zero-byte peek. Data instead (a pipelined request)
  // stops the watch without consuming it.
  void start_watch() {
    if (!watch) watch = std::make_shared<DisconnectWatch>();
    watch->active = true;
    arm_watch(watch);
  }

  void arm_watch(std::shared_ptr<DisconnectWatch> w) {
    int fd = socket.native_handle();
    socket.async_wait(tcp::socket::wait_read, [w, fd](const error_code& ec) {
      if (ec || !w->active) return;
      char byte;
      ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n > 0) return;  // pipelined data: leave it for the parser
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      w->gone = true;
      if (w->callback) {
        auto cb = std::move(w->callback);
        cb();
      }
    });
  }

  void stop_watch() {
    if (watch) {
      watch->active = false;
      error_code ec;
      socket.cancel(ec);  // completes the pending wait with operation_aborted
      watch.reset();
    }
  }
};

Server::Server(ServerOptions options, HandlerFactory factory, ErrorResponder errors)
    : impl_(std::make_unique<Impl>()) {
  impl_->opt = std::move(options);
  impl_->factory = std::move(factory);
  impl_->errors = std::move(errors);
  if (impl_->opt.workers < 1) impl_->opt.workers = 1;
}

Server::~Server() {
  // Threads are joined in run(); if run() was never called, nothing is running.
  for (auto& w : impl_->workers)
    if (w->thread.joinable()) w->thread.join();
}

uint16_t Server::bind() {
  auto& I = *impl_;
  auto address = asio::ip::make_address(I.opt.host);
  uint16_t port = I.opt.port;
  for (int i = 0; i < I.opt.workers; ++i) {
    auto w = std::make_unique<Worker>();
    w->index = i;
    // Every worker gets its own acceptor on the same port (SO_REUSEPORT): the
    // kernel spreads connections, and no accept lock is shared between threads.
    w->acceptor = std::make_unique<tcp::acceptor>(*w->ioc);
    tcp::endpoint ep(address, port);
    w->acceptor->open(ep.protocol());
    w->acceptor->set_option(asio::socket_base::reuse_address(true));
    int one = 1;
    if (::setsockopt(w->acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
      throw std::system_error(errno, std::generic_category(), "SO_REUSEPORT");
    w->acceptor->bind(ep);
    w->acceptor->listen(asio::socket_base::max_listen_connections);
    // With port 0 the first bind picks the port; the others join it.
    port = w->acceptor->local_endpoint().port();
    w->handler = I.factory(i, w->ioc->get_executor());
    I.workers.push_back(std::move(w));
  }
  if (I.opt.handle_signals && !I.signals) {
    // asio queues signals that arrive before the wait runs, so nothing
    // between here and run() can lose a SIGTERM.
    I.signal_ioc = std::make_unique<asio::io_context>(1);
    I.signals = std::make_unique<asio::signal_set>(*I.signal_ioc, SIGINT, SIGTERM);
    if (I.opt.on_hangup) I.signals->add(SIGHUP);
    I.wait_for_signal(*this);
  }
  return port;
}

void Server::run() {
  auto& I = *impl_;
  if (I.workers.empty()) bind();
  for (auto& wp : I.workers) {
    Worker& w = *wp;
    asio::co_spawn(*w.ioc, I.accept_loop(w), asio::detached);
    w.thread = std::thread([&w] {
      try {
        w.ioc->run();
      } catch (const std::exception& e) {
        log::error("worker {} stopped: {}", w.index, e.what());
      }
    });
  }

  std::thread signal_thread;
  if (I.signals) signal_thread = std::thread([&] { I.signal_ioc->run(); });

  {
    std::unique_lock lock(I.stop_mutex);
    I.stop_cv.wait(lock, [&] { return I.stop_requested; });
  }
  I.begin_drain();

  // Requests already being answered get up to the grace period.
  auto deadline = std::chrono::steady_clock::now() + I.opt.shutdown_grace;
  while (I.requests_in_flight() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (int n = I.requests_in_flight(); n > 0) log::warn("shutdown grace period over with {} request(s) in flight", n);

  for (auto& w : I.workers) w->ioc->stop();
  for (auto& w : I.workers)
    if (w->thread.joinable()) w->thread.join();
  if (I.signals) {
    I.signal_ioc->stop();
    signal_thread.join();
  }
  // Teardown order: per-worker handler state first, while its io_context
  // still exists (its idle upstream sockets must close on a live reactor);
  // then the io_context, which destroys the suspended sessions. Those only
  // hold references into handler state, never dereferenced on destruction.
  for (auto& w : I.workers) {
    w->handler = nullptr;
    w->acceptor.reset();
    w->ioc.reset();
  }
}

void Server::stop() {
  std::lock_guard lock(impl_->stop_mutex);
  impl_->stop_requested = true;
  impl_->stop_cv.notify_all();
}

bool Server::draining() const { return impl_->draining.load(); }

void Server::Impl::begin_drain() {
  draining.store(true);
  for (auto& wp : workers) {
    Worker& w = *wp;
    asio::post(*w.ioc, [&w] {
      error_code ec;
      if (w.acceptor) w.acceptor->close(ec);
      // Idle keep-alive connections are closed now; busy ones close after
      // their current response (Connection::closing()).
      for (Connection* conn : w.connections)
        if (conn->idle) conn->socket.cancel(ec);
    });
  }
}

asio::awaitable<void> Server::Impl::accept_loop(Worker& w) {
  for (;;) {
    auto [ec, socket] = co_await w.acceptor->async_accept(nothrow);
    if (ec == asio::error::operation_aborted || draining.load()) co_return;
    if (ec) {
      // Out of descriptors or similar: back off briefly instead of spinning.
      log::warn("accept failed: {}", ec.message());
      asio::steady_timer t(*w.ioc, std::chrono::milliseconds(20));
      co_await t.async_wait(nothrow);
      continue;
    }
    asio::co_spawn(*w.ioc, session(w, std::move(socket)), asio::detached);
  }
}

namespace {

int status_for_parse_error(const error_code& ec) {
  if (ec == bhttp::error::header_limit) return 431;
  if (ec == bhttp::error::body_limit) return 413;
  if (ec == beast::error::timeout) return 408;
  return 400;
}

std::string message_for_status(int status, const error_code& ec) {
  switch (status) {
    case 431: return "request headers are too large";
    case 413: return "request body is too large";
    case 408: return "timed out reading the request";
    default: return "malformed HTTP request: " + ec.message();
  }
}

// A tracker so every request that reached a handler is counted until answered,
// which is what the graceful shutdown waits for.
struct InFlight {
  std::atomic<int>& n;
  explicit InFlight(std::atomic<int>& c) : n(c) { n.fetch_add(1, std::memory_order_relaxed); }
  ~InFlight() { n.fetch_sub(1, std::memory_order_relaxed); }
};

}  // namespace

asio::awaitable<void> Server::Impl::session(Worker& w, tcp::socket socket) {
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  std::string remote;
  {
    auto ep = socket.remote_endpoint(ignored);
    if (!ignored) remote = ep.address().to_string() + ":" + std::to_string(ep.port());
  }
  socket.non_blocking(true, ignored);  // lets wire::write_now write directly
  Connection c(*this, w, std::move(socket));
  beast::flat_buffer buffer;

  // Answers an error the server found itself, then closes politely: the
  // client may still be sending, so read and discard for a moment before the
  // close, or its unread data would turn our answer into a TCP reset.
  auto fail = [&](int status, std::string message, std::string_view path) -> asio::awaitable<void> {
    c.keep_alive = false;
    Response r = errors(status, message, path);
    co_await c.send(std::move(r));
    error_code ec;
    c.socket.shutdown(tcp::socket::shutdown_send, ec);
    c.io_deadline.expires_after(std::chrono::seconds(2));
    std::array<char, 16384> sink;
    for (;;) {
      auto [rec, n] = co_await c.socket.async_read_some(asio::buffer(sink), nothrow);
      if (rec) break;
    }
  };

  while (!draining.load(std::memory_order_relaxed)) {
    // Idle phase: wait for the first byte of the next request.
    if (buffer.size() == 0) {
      c.idle = true;
      c.io_deadline.expires_after(opt.idle_timeout);
      auto [ec, n] = co_await c.socket.async_read_some(buffer.prepare(kReadSize), nothrow);
      c.io_deadline.clear();
      if (ec) co_return;  // closed, idle timeout or shutdown: no answer owed
      buffer.commit(n);
    }
    c.idle = false;
    // A new request: nothing answered yet on it (error paths below use send()).
    c.answered = false;
    c.streaming = false;
    c.head_pending = false;
    c.head_request = false;  // until this request's line says HEAD (an earlier HEAD must not hide this body)

    Request req;
    req.remote = remote;
    req.headers.reserve(16);
    wire::RequestParser parser(req);
    parser.eager(true);
    parser.header_limit(static_cast<std::uint32_t>(std::min<size_t>(opt.max_header_bytes, UINT32_MAX)));
    parser.body_limit(opt.max_body_bytes);
    c.read_deadline.expires_after(opt.read_timeout);
    // Usually the whole request came with the first read: parsed at once.
    // Predicates are named locals: GCC 12 can miscompile a lambda built
    // inside a co_await operand.
    auto whole_message = [] { return false; };
    auto head_done = [&parser] { return parser.is_header_done(); };
    error_code ec = wire::parse_buffered(buffer, parser, whole_message);
    if (!ec && !parser.is_header_done())
      ec = co_await wire::parse_until(c.socket, buffer, parser, kReadSize, head_done);
    if (!ec && parser.is_header_done() && !parser.is_done()) {
      if (iequals(req.headers.get("expect"), "100-continue")) {
        static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
        auto [wec, n] = co_await asio::async_write(c.socket, asio::buffer(cont), nothrow);
        if (wec) co_return;
      }
      ec = co_await wire::parse_until(c.socket, buffer, parser, kBodyReadSize, whole_message);
    }
    if (ec == asio::error::operation_aborted && c.read_deadline.expired()) ec = beast::error::timeout;
    c.read_deadline.clear();
    if (ec) {
      if (ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset ||
          ec == asio::error::operation_aborted)
        co_return;
      int status = status_for_parse_error(ec);
      std::string path = parser.is_header_done() ? req.target : std::string();
      std::string message = message_for_status(status, ec);
      co_await fail(status, std::move(message), path);
      co_return;
    }
    c.version = req.version;
    c.keep_alive = parser.keep_alive();
    c.head_request = parser.head_request();

    {
      InFlight guard(w.in_flight);
      try {
        co_await w.handler(req, c);
      } catch (const std::exception& e) {
        log::error("handler failed on {} {}: {}", req.method, req.target, e.what());
        if (c.streaming) {
          c.keep_alive = false;  // a half-sent body cannot be finished cleanly
        }
      }
      if (!c.answered) {
        Response r = errors(500, "internal error: no response produced", req.path());
        co_await c.send(std::move(r));
      } else if (c.streaming) {
        co_await c.end_stream();
      }
    }
    if (c.failed || c.closing()) break;
  }
  error_code ec;
  c.socket.shutdown(tcp::socket::shutdown_send, ec);
  c.socket.close(ec);
}

}  // namespace torii::http
