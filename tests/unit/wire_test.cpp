#include "http/wire.hpp"

#include "loopback.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace wire = torii::http::wire;
using boost::system::error_code;
using tcp = asio::ip::tcp;
using torii::http::Request;
using torii::test::Loopback;
using namespace std::chrono_literals;

namespace {

constexpr size_t kReadSize = 4096;

// Runs `f` alongside the test coroutine; an exception in it fails the test.
template <class F>
void spawn_side(asio::io_context& ioc, F f) {
  asio::co_spawn(ioc, std::move(f), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      ADD_FAILURE() << "side coroutine failed: " << x.what();
    }
  });
}

asio::awaitable<void> send(tcp::socket& s, std::string_view data) {
  co_await asio::async_write(s, asio::buffer(data.data(), data.size()), asio::use_awaitable);
}

asio::awaitable<void> pause(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
}

// Writes `pieces` one by one with a short pause after each, then optionally
// closes the sending side.
asio::awaitable<void> send_pieces(tcp::socket& s, std::vector<std::string> pieces, bool shutdown_after = false) {
  for (const auto& p : pieces) {
    co_await send(s, p);
    co_await pause(15ms);
  }
  if (shutdown_after) s.shutdown(tcp::socket::shutdown_send);
}

// Everything the peer sends until it closes.
asio::awaitable<std::string> read_to_eof(tcp::socket& s) {
  std::string out;
  std::vector<char> buf(65536);
  for (;;) {
    auto [ec, n] = co_await s.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
    out.append(buf.data(), n);
    if (ec) {
      if (ec != asio::error::eof) ADD_FAILURE() << "read: " << ec.message();
      break;
    }
  }
  co_return out;
}

// Reads one request the way the server does: the head first, then the body.
asio::awaitable<error_code> read_request(tcp::socket& s, beast::flat_buffer& buffer, wire::RequestParser& parser,
                                         size_t read_size = kReadSize) {
  auto header_done = [&] { return parser.is_header_done(); };
  auto whole_message = [] { return false; };
  error_code ec = co_await wire::parse_until(s, buffer, parser, read_size, header_done);
  if (!ec && parser.is_header_done() && !parser.is_done())
    ec = co_await wire::parse_until(s, buffer, parser, read_size, whole_message);
  co_return ec;
}

// Reads one whole response on `lb.client` into `parser` (eager, as the
// upstream client sets it).
error_code read_response(Loopback& lb, wire::ResponseParser& parser, beast::flat_buffer& buffer) {
  parser.eager(true);
  error_code ec;
  lb.run([&]() -> asio::awaitable<void> {
    auto whole_message = [] { return false; };
    ec = co_await wire::parse_until(lb.client, buffer, parser, kReadSize, whole_message);
  });
  return ec;
}

std::string buffer_text(const beast::flat_buffer& b) {
  auto d = b.data();
  return std::string(static_cast<const char*>(d.data()), d.size());
}

// Deterministic bytes that differ at every offset within a period of 251.
std::string pattern(size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 7 + seed + i / 251) % 251);
  return s;
}

}  // namespace

// ---------------------------------------------------------------- requests

TEST(WireRequest, SplitAcrossSeveralWritesWithDelays) {
  Loopback lb;
  const std::string body = R"({"model":"m","messages":[{"role":"user","content":"hi"}]})";
  const std::string head = "POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: example.test\r\n"
                           "Content-Type: application/json\r\nX-Dup: a\r\nx-dup: b\r\n"
                           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  const std::string all = head + body;
  // Cut inside the method, a field name, the blank line and the body.
  std::vector<std::string> pieces;
  const size_t cuts[] = {2, 20, 45, head.size() - 3, head.size() - 1, head.size() + 10, all.size()};
  size_t from = 0;
  for (size_t c : cuts) {
    pieces.push_back(all.substr(from, c - from));
    from = c;
  }
  spawn_side(lb.ioc, [&]() -> asio::awaitable<void> { co_await send_pieces(lb.client, pieces); });

  Request req;
  wire::RequestParser parser(req);
  parser.eager(true);
  beast::flat_buffer buffer;
  error_code ec;
  lb.run([&]() -> asio::awaitable<void> { ec = co_await read_request(lb.server, buffer, parser); });
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/v1/chat/completions?x=1");
  EXPECT_EQ(req.path(), "/v1/chat/completions");
  EXPECT_EQ(req.query(), "x=1");
  EXPECT_EQ(req.version, 11u);
  EXPECT_EQ(req.headers.get("host"), "example.test");
  EXPECT_EQ(req.headers.get("CONTENT-TYPE"), "application/json");
  EXPECT_EQ(req.headers.get("content-length"), std::to_string(body.size()));
  // Every field, in order, names as sent (duplicates kept).
  std::vector<std::pair<std::string, std::string>> fields;
  for (const auto& h : req.headers) fields.emplace_back(h.name, h.value);
  std::vector<std::pair<std::string, std::string>> expected = {{"Host", "example.test"},
                                                               {"Content-Type", "application/json"},
                                                               {"X-Dup", "a"},
                                                               {"x-dup", "b"},
                                                               {"Content-Length", std::to_string(body.size())}};
  EXPECT_EQ(fields, expected);
  EXPECT_EQ(req.body, body);
  EXPECT_TRUE(parser.keep_alive());
  EXPECT_FALSE(parser.head_request());
  EXPECT_EQ(buffer.size(), 0u);
}

TEST(WireRequest, ReadsAtMostReadSizeAtATime) {
  // With a tiny read size the head still parses, and no more than one short
  // read past the end of the head is taken from the socket.
  Loopback lb;
  const std::string head = "GET /models HTTP/1.1\r\nHost: h\r\nAccept: */*\r\n\r\n";
  const std::string next = "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";
  asio::write(lb.client, asio::buffer(head + next));

  Request req;
  wire::RequestParser parser(req);  // not eager: stops after the head
  beast::flat_buffer buffer;
  error_code ec;
  lb.run([&]() -> asio::awaitable<void> {
    auto header_done = [&] { return parser.is_header_done(); };
    ec = co_await wire::parse_until(lb.server, buffer, parser, 5, header_done);
  });
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(req.target, "/models");
  EXPECT_EQ(req.headers.get("accept"), "*/*");
  EXPECT_LT(buffer.size(), 5u);
  EXPECT_EQ(buffer_text(buffer), next.substr(0, buffer.size()));
  EXPECT_EQ(lb.server.available(), next.size() - buffer.size());
}

TEST(WireRequest, TwoPipelinedRequestsInOneWrite) {
  Loopback lb;
  const std::string first = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n";
  const std::string second = "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz";
  asio::write(lb.client, asio::buffer(first + second));
  // Closed at once: the second request must come from the buffer, not the socket.
  lb.client.shutdown(tcp::socket::shutdown_send);

  beast::flat_buffer buffer;
  Request r1, r2, r3;
  wire::RequestParser p1(r1), p2(r2), p3(r3);
  p1.eager(true);
  p2.eager(true);
  p3.eager(true);
  error_code ec1, ec2, ec3;
  std::string left_after_first;
  lb.run([&]() -> asio::awaitable<void> {
    ec1 = co_await read_request(lb.server, buffer, p1);
    left_after_first = buffer_text(buffer);
    ec2 = co_await read_request(lb.server, buffer, p2);
    ec3 = co_await read_request(lb.server, buffer, p3);
  });
  ASSERT_FALSE(ec1) << ec1.message();
  EXPECT_EQ(r1.method, "GET");
  EXPECT_EQ(r1.target, "/a");
  EXPECT_EQ(r1.body, "");
  EXPECT_EQ(left_after_first, second);

  ASSERT_FALSE(ec2) << ec2.message();
  EXPECT_TRUE(p2.is_done());
  EXPECT_EQ(r2.method, "POST");
  EXPECT_EQ(r2.target, "/b");
  EXPECT_EQ(r2.body, "xyz");
  EXPECT_EQ(buffer.size(), 0u);

  // Then the clean close, before any byte of a third request.
  EXPECT_EQ(ec3, bhttp::error::end_of_stream);
}

TEST(WireRequest, ChunkedBody) {
  Loopback lb;
  const std::string msg =
      "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n"
      "2;ext=1\r\n, \r\n"
      "A\r\nworld 0123\r\n"
      "0\r\n\r\n";
  const size_t body_start = msg.find("\r\n\r\n") + 4;
  std::vector<std::string> pieces = {msg.substr(0, body_start + 2), msg.substr(body_start + 2, 9),
                                     msg.substr(body_start + 11, 12), msg.substr(body_start + 23)};
  spawn_side(lb.ioc, [&]() -> asio::awaitable<void> { co_await send_pieces(lb.client, pieces); });

  Request req;
  wire::RequestParser parser(req);
  parser.eager(true);
  beast::flat_buffer buffer;
  error_code ec;
  lb.run([&]() -> asio::awaitable<void> { ec = co_await read_request(lb.server, buffer, parser); });
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser.is_done());
  EXPECT_TRUE(parser.chunked());
  EXPECT_EQ(req.body, "hello, world 0123");
  EXPECT_EQ(buffer.size(), 0u);
}

TEST(WireRequest, HeaderOverTheLimit) {
  Loopback lb;
  const std::string msg = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n";
  asio::write(lb.client, asio::buffer(msg));

  Request req;
  wire::RequestParser parser(req);
  parser.header_limit(256);
  beast::flat_buffer buffer;
  error_code ec;
  lb.run([&]() -> asio::awaitable<void> { ec = co_await read_request(lb.server, buffer, parser); });
  EXPECT_EQ(ec, bhttp::error::header_limit) << ec.message();
  EXPECT_FALSE(parser.is_header_done());
}

TEST(WireRequest, UnterminatedHeaderOverTheLimitFailsWithoutWaitingForMore) {
  // The peer keeps the connection open and never finishes the head.
  Loopback lb;
  const std::string msg = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + std::string(1000, 'a');
  asio::write(lb.client, asio::buffer(msg));

  Request req;
  wire::RequestParser parser(req);
  parser.header_limit(256);
  beast::flat_buffer buffer;
  error_code ec;
  lb.run([&]() -> asio::awaitable<void> { ec = co_await read_request(lb.server, buffer, parser, 64); });
  EXPECT_EQ(ec, bhttp::error::header_limit) << ec.message();
}

TEST(WireRequest, ContentLengthOverTheBodyLimit) {
  // Only the head is sent: the limit must be reported without waiting for the body.
  Loopback lb;
  asio::write(lb.client, asio::buffer(std::string("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n")));

  Request req;
  wire::RequestParser parser(req);
  parser.eager(true);
  parser.body_limit(100);
  beast::flat_buffer buffer;
  error_code ec;
  lb.run([&]() -> asio::awaitable<void> { ec = co_await read_request(lb.server, buffer, parser); });
  EXPECT_EQ(ec, bhttp::error::body_limit) << ec.message();
  EXPECT_EQ(req.body, "");
}

TEST(WireRequest, ChunkedBodyOverTheBodyLimit) {
  Loopback lb;
  asio::write(lb.client, asio::buffer("POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                                      "C8\r\n" +
                                      std::string(200, 'b') + "\r\n0\r\n\r\n"));

  Request req;
  wire::RequestParser parser(req);
  parser.eager(true);
  parser.body_limit(100);
  beast::flat_buffer buffer;
  error_code ec;
  lb.run([&]() -> asio::awaitable<void> { ec = co_await read_request(lb.server, buffer, parser); });
  EXPECT_EQ(ec, bhttp::error::body_limit) << ec.message();
  EXPECT_LE(req.body.size(), 100u);
}

TEST(WireRequest, PeerClosesMidBody) {
  Loopback lb;
  std::vector<std::string> pieces = {"POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n", "0123456789"};
  spawn_side(lb.ioc, [&]() -> asio::awaitable<void> { co_await send_pieces(lb.client, pieces, true); });

  Request req;
  wire::RequestParser parser(req);
  parser.eager(true);
  beast::flat_buffer buffer;
  error_code ec;
  lb.run([&]() -> asio::awaitable<void> { ec = co_await read_request(lb.server, buffer, parser); });
  EXPECT_EQ(ec, bhttp::error::partial_message) << ec.message();
  EXPECT_TRUE(parser.is_header_done());
  EXPECT_FALSE(parser.is_done());
  EXPECT_EQ(req.body, "0123456789");
}

TEST(WireRequest, PeerClosesMidHead) {
  Loopback lb;
  asio::write(lb.client, asio::buffer(std::string("GET /x HTTP/1.1\r\nHost: ")));
  lb.client.shutdown(tcp::socket::shutdown_send);

  Request req;
  wire::RequestParser parser(req);
  beast::flat_buffer buffer;
  error_code ec;
  lb.run([&]() -> asio::awaitable<void> { ec = co_await read_request(lb.server, buffer, parser); });
  EXPECT_EQ(ec, bhttp::error::partial_message) << ec.message();
}

TEST(WireRequest, PeerClosesBeforeAnyByte) {
  Loopback lb;
  lb.client.close();

  Request req;
  wire::RequestParser parser(req);
  beast::flat_buffer buffer;
  error_code ec;
  lb.run([&]() -> asio::awaitable<void> { ec = co_await read_request(lb.server, buffer, parser); });
  EXPECT_EQ(ec, bhttp::error::end_of_stream) << ec.message();
  EXPECT_FALSE(parser.got_some());
}

TEST(WireRequest, KeepAliveHeadRequestAndVersionFlags) {
  Loopback lb;
  const std::string msgs =
      "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
      "HEAD /2 HTTP/1.1\r\nHost: h\r\n\r\n"
      "GET /3 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
      "GET /4 HTTP/1.0\r\n\r\n"
      "GET /5 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
  asio::write(lb.client, asio::buffer(msgs));

  struct Seen {
    error_code ec;
    std::string method, target;
    unsigned version = 0;
    bool keep_alive = false, head = false;
  };
  std::vector<Seen> seen;
  beast::flat_buffer buffer;
  lb.run([&]() -> asio::awaitable<void> {
    for (int i = 0; i < 5; ++i) {
      Request req;
      wire::RequestParser parser(req);
      parser.eager(true);
      Seen s;
      s.ec = co_await read_request(lb.server, buffer, parser);
      s.method = req.method;
      s.target = req.target;
      s.version = req.version;
      s.keep_alive = parser.keep_alive();
      s.head = parser.head_request();
      seen.push_back(s);
    }
  });
  ASSERT_EQ(seen.size(), 5u);
  for (const auto& s : seen) EXPECT_FALSE(s.ec) << s.target << ": " << s.ec.message();

  EXPECT_EQ(seen[0].target, "/1");
  EXPECT_EQ(seen[0].version, 11u);
  EXPECT_TRUE(seen[0].keep_alive);
  EXPECT_FALSE(seen[0].head);

  EXPECT_EQ(seen[1].method, "HEAD");
  EXPECT_EQ(seen[1].target, "/2");
  EXPECT_TRUE(seen[1].head);
  EXPECT_TRUE(seen[1].keep_alive);

  EXPECT_EQ(seen[2].target, "/3");
  EXPECT_FALSE(seen[2].keep_alive);
  EXPECT_FALSE(seen[2].head);

  EXPECT_EQ(seen[3].target, "/4");
  EXPECT_EQ(seen[3].version, 10u);
  EXPECT_FALSE(seen[3].keep_alive);

  EXPECT_EQ(seen[4].target, "/5");
  EXPECT_EQ(seen[4].version, 10u);
  EXPECT_TRUE(seen[4].keep_alive);
  EXPECT_EQ(buffer.size(), 0u);
}

// --------------------------------------------------------------- responses

TEST(WireResponse, ContentLengthBody) {
  Loopback lb;
  asio::write(lb.server,
              asio::buffer(std::string("HTTP/1.1 201 Created\r\nContent-Length: 11\r\nX-Id: 7\r\n\r\nhello world")));

  wire::ResponseParser parser;
  beast::flat_buffer buffer;
  error_code ec = read_response(lb, parser, buffer);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(parser.status, 201);
  EXPECT_EQ(parser.headers.get("x-id"), "7");
  EXPECT_EQ(parser.headers.get("content-length"), "11");
  EXPECT_EQ(parser.pending, "hello world");
  EXPECT_TRUE(parser.keep_alive());
  EXPECT_EQ(buffer.size(), 0u);
}

TEST(WireResponse, NoContentIsCompleteWithoutWaitingForTheClose) {
  Loopback lb;
  asio::write(lb.server, asio::buffer(std::string("HTTP/1.1 204 No Content\r\nX-A: b\r\n\r\n")));

  wire::ResponseParser parser;
  beast::flat_buffer buffer;
  error_code ec = read_response(lb, parser, buffer);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(parser.status, 204);
  EXPECT_EQ(parser.headers.get("x-a"), "b");
  EXPECT_EQ(parser.pending, "");
}

TEST(WireResponse, ChunkedBody) {
  Loopback lb;
  const std::string msg =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
      "6\r\ndata: \r\n"
      "10\r\n{\"a\":1234567890}\r\n"
      "2\r\n\n\n\r\n"
      "0\r\n\r\n";
  std::vector<std::string> pieces = {msg.substr(0, 30), msg.substr(30, 60), msg.substr(90, 7), msg.substr(97)};
  spawn_side(lb.ioc, [&]() -> asio::awaitable<void> { co_await send_pieces(lb.server, pieces); });

  wire::ResponseParser parser;
  beast::flat_buffer buffer;
  error_code ec = read_response(lb, parser, buffer);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(parser.status, 200);
  EXPECT_EQ(parser.headers.get("content-type"), "text/event-stream");
  EXPECT_EQ(parser.pending, "data: {\"a\":1234567890}\n\n");
  EXPECT_TRUE(parser.keep_alive());
}

TEST(WireResponse, BodyDelimitedByTheClose) {
  Loopback lb;
  std::vector<std::string> pieces = {"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\npart one, ", "part two"};
  spawn_side(lb.ioc, [&]() -> asio::awaitable<void> { co_await send_pieces(lb.server, pieces, true); });

  wire::ResponseParser parser;
  beast::flat_buffer buffer;
  error_code ec = read_response(lb, parser, buffer);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(parser.status, 200);
  EXPECT_EQ(parser.pending, "part one, part two");
  EXPECT_FALSE(parser.keep_alive());
}

TEST(WireResponse, PeerClosesMidContentLengthBody) {
  Loopback lb;
  asio::write(lb.server, asio::buffer(std::string("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort")));
  lb.server.shutdown(tcp::socket::shutdown_send);

  wire::ResponseParser parser;
  beast::flat_buffer buffer;
  error_code ec = read_response(lb, parser, buffer);
  EXPECT_EQ(ec, bhttp::error::partial_message) << ec.message();
  EXPECT_EQ(parser.pending, "short");
}

TEST(WireResponse, BodyWithTheHeadLandsInPendingLaterBytesInTheSink) {
  // The upstream client's pattern: read the head, then point `sink` at the
  // caller's output and read until at least one more byte arrived.
  Loopback lb;
  asio::write(lb.server, asio::buffer(std::string("HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n01234")));

  wire::ResponseParser parser;
  parser.eager(true);
  beast::flat_buffer buffer;
  error_code ec_head, ec_1, ec_2;
  std::string pending_after_head, out_after_1;
  std::string out;
  lb.run([&]() -> asio::awaitable<void> {
    auto header_done = [&] { return parser.is_header_done(); };
    ec_head = co_await wire::parse_until(lb.client, buffer, parser, kReadSize, header_done);
    pending_after_head = parser.pending;

    // The peer has sent nothing more yet: the first read returns as soon as
    // some bytes arrived, not when the body is complete.
    co_await send(lb.server, "56789");
    parser.sink = &out;
    size_t before = out.size();
    auto out_grew = [&] { return out.size() > before; };
    ec_1 = co_await wire::parse_until(lb.client, buffer, parser, kReadSize, out_grew);
    out_after_1 = out;

    co_await send(lb.server, "abcde");
    before = out.size();
    ec_2 = co_await wire::parse_until(lb.client, buffer, parser, kReadSize, out_grew);
    parser.sink = &parser.pending;
  });
  ASSERT_FALSE(ec_head) << ec_head.message();
  EXPECT_EQ(parser.status, 200);
  EXPECT_EQ(pending_after_head, "01234");
  ASSERT_FALSE(ec_1) << ec_1.message();
  EXPECT_EQ(out_after_1, "56789");
  ASSERT_FALSE(ec_2) << ec_2.message();
  EXPECT_EQ(out, "56789abcde");
  EXPECT_EQ(parser.pending, "01234");  // nothing after the head went there
  EXPECT_TRUE(parser.is_done());
}

TEST(WireResponse, ChunkedBodyReadIncrementallyIntoAnotherSink) {
  Loopback lb;
  asio::write(lb.server, asio::buffer(std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")));

  wire::ResponseParser parser;
  parser.eager(true);
  beast::flat_buffer buffer;
  std::string out;
  std::vector<std::string> steps;
  std::vector<error_code> errors;
  lb.run([&]() -> asio::awaitable<void> {
    auto header_done = [&] { return parser.is_header_done(); };
    errors.push_back(co_await wire::parse_until(lb.client, buffer, parser, kReadSize, header_done));
    steps.push_back(parser.pending);
    parser.sink = &out;
    for (std::string_view next : {"4\r\ndefg\r\n", "2\r\nhi\r\n0\r\n\r\n"}) {
      co_await send(lb.server, next);
      size_t before = out.size();
      auto out_grew = [&] { return out.size() > before; };
      errors.push_back(co_await wire::parse_until(lb.client, buffer, parser, kReadSize, out_grew));
      steps.push_back(out);
    }
    // Until the end of the message (the last chunk may follow the data).
    auto whole_message = [] { return false; };
    errors.push_back(co_await wire::parse_until(lb.client, buffer, parser, kReadSize, whole_message));
  });
  for (const auto& e : errors) EXPECT_FALSE(e) << e.message();
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[0], "abc");
  EXPECT_EQ(steps[1], "defg");
  EXPECT_EQ(steps[2], "defghi");
  EXPECT_EQ(out, "defghi");
  EXPECT_TRUE(parser.is_done());
}

// --------------------------------------------------------------- write_all

TEST(WireWriteAll, SmallBuffersGoOutInOneDirectWrite) {
  Loopback lb;
  lb.server.non_blocking(true);
  const std::string a = "HTTP/1.1 200 OK\r\n", c = "Content-Length: 2\r\n\r\n", d = "ok";
  std::array<asio::const_buffer, 4> bufs{asio::buffer(a), asio::const_buffer(), asio::buffer(c), asio::buffer(d)};

  error_code ec;
  bool posted_ran_before_return = false;
  std::string received;
  lb.run([&]() -> asio::awaitable<void> {
    bool posted_ran = false;
    asio::post(lb.ioc, [&] { posted_ran = true; });
    ec = co_await wire::write_all(lb.server, bufs);
    // The coroutine went on without a trip through the event loop.
    posted_ran_before_return = posted_ran;
    received.resize(a.size() + c.size() + d.size());
    co_await asio::async_read(lb.client, asio::buffer(received), asio::use_awaitable);
  });
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_FALSE(posted_ran_before_return);
  EXPECT_EQ(received, a + c + d);
  EXPECT_EQ(lb.client.available(), 0u);
}

TEST(WireWriteAll, LargeWriteLargerThanTheSocketBuffersArrivesWholeAndInOrder) {
  Loopback lb;
  lb.server.non_blocking(true);
  lb.server.set_option(asio::socket_base::send_buffer_size(64 * 1024));
  lb.client.set_option(asio::socket_base::receive_buffer_size(64 * 1024));
  // Many buffers of uneven sizes, some empty, about 6 MiB in all: the direct
  // write stops somewhere inside one of them and the rest goes asynchronously.
  std::vector<std::string> parts;
  size_t total = 0;
  for (unsigned i = 0; total < 6 * 1024 * 1024; ++i) {
    size_t n = (i % 7 == 3) ? 0 : 1 + (i * 7919u) % 150000;
    parts.push_back(pattern(n, i));
    total += n;
  }
  std::vector<asio::const_buffer> bufs;
  std::string expected;
  expected.reserve(total);
  for (const auto& p : parts) {
    bufs.push_back(asio::buffer(p));
    expected += p;
  }

  error_code ec;
  bool write_done = false;
  spawn_side(lb.ioc, [&]() -> asio::awaitable<void> {
    ec = co_await wire::write_all(lb.server, bufs);
    write_done = true;
    lb.server.shutdown(tcp::socket::shutdown_send);
  });
  std::string received;
  lb.run([&]() -> asio::awaitable<void> {
    co_await pause(50ms);  // let the writer fill the socket buffers first
    received = co_await read_to_eof(lb.client);
  });
  EXPECT_TRUE(write_done);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_EQ(received.size(), expected.size());
  EXPECT_TRUE(received == expected) << "bytes differ or out of order";
}

TEST(WireWriteAll, SocketWithAFullSendBufferWaitsInsteadOfFailing) {
  // The direct write finds no room at all (would_block): not an error, the
  // whole message goes asynchronously once the peer reads.
  Loopback lb;
  lb.server.non_blocking(true);
  lb.server.set_option(asio::socket_base::send_buffer_size(64 * 1024));
  lb.client.set_option(asio::socket_base::receive_buffer_size(64 * 1024));
  std::string filler;
  {
    const std::string chunk = pattern(65536, 7);
    for (int i = 0; i < 100000; ++i) {
      error_code wec;
      size_t n = lb.server.write_some(asio::buffer(chunk), wec);
      if (wec == asio::error::would_block) break;
      ASSERT_FALSE(wec) << wec.message();
      filler.append(chunk, 0, n);
    }
  }
  error_code probe;
  lb.server.write_some(asio::buffer("x", 1), probe);
  ASSERT_EQ(probe, asio::error::would_block) << "could not fill the send buffer";

  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n";
  const std::string body = pattern(100000, 3);
  std::array<asio::const_buffer, 2> bufs{asio::buffer(head), asio::buffer(body)};
  error_code ec;
  bool write_done = false;
  spawn_side(lb.ioc, [&]() -> asio::awaitable<void> {
    ec = co_await wire::write_all(lb.server, bufs);
    write_done = true;
    lb.server.shutdown(tcp::socket::shutdown_send);
  });
  std::string received;
  lb.run([&]() -> asio::awaitable<void> {
    co_await pause(30ms);
    received = co_await read_to_eof(lb.client);
  });
  EXPECT_TRUE(write_done);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_EQ(received.size(), filler.size() + head.size() + body.size());
  EXPECT_TRUE(received == filler + head + body) << "bytes differ or out of order";
}

TEST(WireWriteAll, BlockingModeSocketUsesTheAsynchronousPath) {
  Loopback lb;
  ASSERT_FALSE(lb.server.non_blocking());
  const std::string head = "POST /x HTTP/1.1\r\nContent-Length: 3145728\r\n\r\n";
  const std::string body = pattern(3 * 1024 * 1024, 42);
  std::array<asio::const_buffer, 2> bufs{asio::buffer(head), asio::buffer(body)};

  error_code ec;
  bool write_done = false;
  spawn_side(lb.ioc, [&]() -> asio::awaitable<void> {
    ec = co_await wire::write_all(lb.server, bufs);
    write_done = true;
    lb.server.shutdown(tcp::socket::shutdown_send);
  });
  std::string received;
  lb.run([&]() -> asio::awaitable<void> { received = co_await read_to_eof(lb.client); });
  EXPECT_TRUE(write_done);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_EQ(received.size(), head.size() + body.size());
  EXPECT_TRUE(received == head + body) << "bytes differ or out of order";
  EXPECT_FALSE(lb.server.non_blocking());  // left as it was
}

TEST(WireWriteAll, BlockingModeSmallWrite) {
  Loopback lb;
  const std::string a = "GET / HTTP/1.1\r\n", b = "Host: h\r\n\r\n";
  std::array<asio::const_buffer, 2> bufs{asio::buffer(a), asio::buffer(b)};
  error_code ec;
  std::string received(a.size() + b.size(), '\0');
  lb.run([&]() -> asio::awaitable<void> {
    ec = co_await wire::write_all(lb.server, bufs);
    co_await asio::async_read(lb.client, asio::buffer(received), asio::use_awaitable);
  });
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(received, a + b);
}

TEST(WireWriteAll, ReportsAnErrorOnceThePeerIsGone) {
  Loopback lb;
  lb.server.non_blocking(true);
  lb.client.close();
  const std::string data(1024, 'x');
  std::array<asio::const_buffer, 1> bufs{asio::buffer(data)};
  error_code ec;
  int attempts = 0;
  lb.run([&]() -> asio::awaitable<void> {
    // The first write may still be accepted; the peer's reset fails a later one.
    while (!ec && attempts < 100) {
      ++attempts;
      ec = co_await wire::write_all(lb.server, bufs);
      if (!ec) co_await pause(10ms);
    }
  });
  EXPECT_TRUE(ec == asio::error::broken_pipe || ec == asio::error::connection_reset) << ec.message();
}
