#include "store/redis/redis_client.hpp"

#include <hiredis/hiredis.h>

#include <deque>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "core/log.hpp"

namespace torii::store {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

void encode_command(const std::vector<std::string>& args, std::string& out) {
  out += '*';
  out += std::to_string(args.size());
  out += "\r\n";
  for (const auto& a : args) {
    out += '$';
    out += std::to_string(a.size());
    out += "\r\n";
    out += a;
    out += "\r\n";
  }
}

namespace {

RedisReply convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::string;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::status;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_NIL:
      out.type = RedisReply::Type::nil;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::array;
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
      break;
    default:  // REDIS_REPLY_ERROR and anything newer than RESP2
      out.type = RedisReply::Type::error;
      if (r->str) out.text.assign(r->str, r->len);
      break;
  }
  return out;
}

RedisReply failure(std::string message) {
  RedisReply r;
  r.type = RedisReply::Type::error;
  r.text = std::move(message);
  return r;
}

}  // namespace

struct RedisClient::Impl : std::enable_shared_from_this<Impl> {
  struct Pending {
    explicit Pending(asio::any_io_executor ex) : signal(ex) {}
    asio::steady_timer signal;  // cancelled when the reply (or a failure) is in
    RedisReply reply;
    bool done = false;
    bool transport = false;
    bool internal = false;  // AUTH/SELECT on connect: no caller waits
  };

  Impl(asio::any_io_executor ex, RedisEndpoint ep) : executor(ex), endpoint(std::move(ep)), socket(ex) {}
  ~Impl() {
    if (reader) redisReaderFree(reader);
  }

  enum class State { down, connecting, up };

  asio::any_io_executor executor;
  RedisEndpoint endpoint;
  tcp::socket socket;
  State state = State::down;
  Clock::time_point retry_at{};
  uint64_t generation = 0;  // bumps on each connection, so a stale reader stops
  std::deque<std::shared_ptr<Pending>> pending;
  std::vector<std::shared_ptr<Pending>> waiting_for_connection;
  std::string out;
  bool writing = false;
  redisReader* reader = nullptr;

  void finish(Pending& p, RedisReply r, bool transport) {
    if (p.done) return;
    p.reply = std::move(r);
    p.transport = transport;
    p.done = true;
    p.signal.cancel();
  }

  void fail_all(const std::string& why) {
    boost::system::error_code ignored;
    socket.close(ignored);
    state = State::down;
    retry_at = Clock::now() + std::chrono::milliseconds(250);
    ++generation;
    auto all = std::move(pending);
    pending.clear();
    out.clear();
    for (auto& p : all) finish(*p, failure("Redis connection failed: " + why), true);
    for (auto& p : waiting_for_connection) finish(*p, failure("cannot connect to Redis: " + why), true);
    waiting_for_connection.clear();
  }

  void send(std::vector<std::string> args, std::shared_ptr<Pending> p) {
    encode_command(args, out);
    pending.push_back(std::move(p));
    if (!writing) {
      writing = true;
      asio::co_spawn(executor, write_loop(shared_from_this(), generation), asio::detached);
    }
  }

  static asio::awaitable<void> write_loop(std::shared_ptr<Impl> self, uint64_t gen) {
    while (!self->out.empty() && self->generation == gen) {
      std::string buffer;
      buffer.swap(self->out);
      auto [ec, n] = co_await asio::async_write(self->socket, asio::buffer(buffer), asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (self->generation == gen) self->fail_all(ec.message());
        break;
      }
    }
    if (self->generation == gen) self->writing = false;
  }

  static asio::awaitable<void> read_loop(std::shared_ptr<Impl> self, uint64_t gen) {
    char buf[16384];
    while (self->generation == gen) {
      auto [ec, n] = co_await self->socket.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
      if (self->generation != gen) co_return;
      if (ec) {
        self->fail_all(ec.message());
        co_return;
      }
      if (redisReaderFeed(self->reader, buf, n) != REDIS_OK) {
        self->fail_all("unreadable reply");
        co_return;
      }
      for (;;) {
        void* raw = nullptr;
        if (redisReaderGetReply(self->reader, &raw) != REDIS_OK) {
          self->fail_all("unreadable reply");
          co_return;
        }
        if (!raw) break;
        RedisReply reply = convert(static_cast<redisReply*>(raw));
        freeReplyObject(raw);
        if (self->pending.empty()) {
          self->fail_all("a reply nobody asked for");
          co_return;
        }
        auto p = std::move(self->pending.front());
        self->pending.pop_front();
        if (p->internal && reply.failed()) {
          log::error("redis: {}", reply.text);
          self->fail_all(reply.text);
          co_return;
        }
        self->finish(*p, std::move(reply), false);
      }
    }
  }

  static asio::awaitable<void> connect(std::shared_ptr<Impl> self) {
    self->state = State::connecting;
    tcp::resolver resolver(self->executor);
    const std::string port = std::to_string(self->endpoint.port);
    auto [rec, endpoints] =
        co_await resolver.async_resolve(self->endpoint.host, port, asio::as_tuple(asio::use_awaitable));
    boost::system::error_code ec = rec;
    if (!ec) {
      // A connect that hangs (dropped SYNs) is given up after a second, so
      // the next command tries again instead of waiting on the kernel.
      auto s = std::make_shared<tcp::socket>(self->executor);
      auto watchdog = std::make_shared<asio::steady_timer>(self->executor, std::chrono::seconds(1));
      watchdog->async_wait([s](boost::system::error_code wec) {
        if (wec) return;  // cancelled: the connect finished first
        boost::system::error_code ignored;
        s->close(ignored);
      });
      auto [cec, ep] = co_await asio::async_connect(*s, endpoints, asio::as_tuple(asio::use_awaitable));
      watchdog->cancel();
      ec = cec;
      if (!ec) {
        s->set_option(tcp::no_delay(true), ec);
        ec = {};
        self->socket = std::move(*s);
      }
    }
    if (ec) {
      self->fail_all(ec.message());
      co_return;
    }
    if (self->reader) redisReaderFree(self->reader);
    self->reader = redisReaderCreate();
    self->state = State::up;
    ++self->generation;
    self->writing = false;
    asio::co_spawn(self->executor, read_loop(self, self->generation), asio::detached);
    // AUTH and SELECT go first on the connection; their replies are checked by the reader.
    if (!self->endpoint.password.empty()) {
      std::vector<std::string> auth{"AUTH"};
      if (!self->endpoint.user.empty()) auth.push_back(self->endpoint.user);
      auth.push_back(self->endpoint.password);
      auto p = std::make_shared<Pending>(self->executor);
      p->internal = true;
      self->send(std::move(auth), p);
    }
    if (self->endpoint.db != 0) {
      auto p = std::make_shared<Pending>(self->executor);
      p->internal = true;
      self->send({"SELECT", std::to_string(self->endpoint.db)}, p);
    }
    auto waiting = std::move(self->waiting_for_connection);
    self->waiting_for_connection.clear();
    for (auto& p : waiting) p->signal.cancel();  // they send their command now
  }
};

RedisClient::RedisClient(asio::any_io_executor executor, RedisEndpoint endpoint)
    : impl_(std::make_shared<Impl>(executor, std::move(endpoint))) {}

RedisClient::~RedisClient() {
  boost::system::error_code ignored;
  impl_->socket.close(ignored);
}

asio::awaitable<RedisReply> RedisClient::call(std::vector<std::string> args, std::chrono::milliseconds timeout,
                                              bool* transport_error, bool* sent) {
  std::shared_ptr<Impl> self = impl_;
  const auto deadline = Clock::now() + timeout;
  if (transport_error) *transport_error = false;
  if (sent) *sent = false;
  if (self->state != Impl::State::up) {
    if (self->state == Impl::State::down && Clock::now() < self->retry_at) {
      if (transport_error) *transport_error = true;
      co_return failure("Redis is unreachable (reconnecting)");
    }
    auto wait = std::make_shared<Impl::Pending>(self->executor);
    self->waiting_for_connection.push_back(wait);
    if (self->state == Impl::State::down) asio::co_spawn(self->executor, Impl::connect(self), asio::detached);
    wait->signal.expires_at(deadline);
    [[maybe_unused]] auto [ec] = co_await wait->signal.async_wait(asio::as_tuple(asio::use_awaitable));
    if (wait->done || self->state != Impl::State::up) {
      if (transport_error) *transport_error = true;
      co_return wait->done ? wait->reply : failure("no connection to Redis within the timeout");
    }
  }
  auto p = std::make_shared<Impl::Pending>(self->executor);
  self->send(std::move(args), p);
  if (sent) *sent = true;
  p->signal.expires_at(deadline);
  [[maybe_unused]] auto [ec] = co_await p->signal.async_wait(asio::as_tuple(asio::use_awaitable));
  if (!p->done) {
    // No reply in time: the connection is not to be trusted (a reply may
    // still come for this command), so it is dropped and opened again.
    self->fail_all("no reply within " + std::to_string(timeout.count()) + " ms");
    if (transport_error) *transport_error = true;
    co_return failure("Redis did not answer within " + std::to_string(timeout.count()) + " ms");
  }
  if (transport_error) *transport_error = p->transport;
  co_return p->reply;
}

RedisClient& RedisClient::for_this_thread(asio::any_io_executor executor, const RedisEndpoint& endpoint, int lane) {
  struct Slot {
    RedisEndpoint endpoint;
    int lane;
    std::unique_ptr<RedisClient> client;
  };
  // Compared field by field: this runs on every metered request.
  thread_local std::vector<Slot> slots;
  for (auto& s : slots)
    if (s.lane == lane && s.endpoint.port == endpoint.port && s.endpoint.db == endpoint.db &&
        s.endpoint.host == endpoint.host && s.endpoint.user == endpoint.user && s.endpoint.password == endpoint.password)
      return *s.client;
  slots.push_back({endpoint, lane, std::make_unique<RedisClient>(executor, endpoint)});
  return *slots.back().client;
}

}  // namespace torii::store
