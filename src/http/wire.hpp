#pragma once
// HTTP/1.1 message parsing for the server and the upstream client (internal to
// src/http: it includes Beast, so only their .cpp files include it).
//
// Beast's parser, but not its message containers or composed read operations:
// the parsers below write the request line, the fields and the body straight
// into torii's own types (no per-field node allocations, no copy afterwards),
// and parse_until() feeds a parser from a buffer with plain reads. Beast's
// async_read, by comparison, posts a completion even when the whole message
// is already buffered, which costs a trip through the event loop per call.
#include <span>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include "http/message.hpp"

namespace torii::http::wire {

namespace bhttp = boost::beast::http;
using boost::system::error_code;
using string_view = boost::core::string_view;

inline std::string to_string(string_view s) { return std::string(s.data(), s.size()); }

// A request, parsed into `out` (method, target, version, headers, body).
class RequestParser final : public bhttp::basic_parser<true> {
 public:
  explicit RequestParser(Request& out) : out_(out) {}
  bool head_request() const { return head_; }

 private:
  void on_request_impl(bhttp::verb method, string_view method_str, string_view target, int version,
                       error_code&) override {
    out_.method = to_string(method_str);
    out_.target = to_string(target);
    out_.version = version == 10 ? 10 : 11;
    head_ = method == bhttp::verb::head;
  }
  void on_response_impl(int, string_view, int, error_code&) override {}
  void on_field_impl(bhttp::field, string_view name, string_view value, error_code&) override {
    out_.headers.add(to_string(name), to_string(value));
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    // The parser has already checked the length against the body limit.
    if (length) out_.body.reserve(size_t(*length));
  }
  size_t on_body_impl(string_view body, error_code&) override {
    out_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override {
    out_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(error_code&) override {}

  Request& out_;
  bool head_ = false;
};

// A response: status and headers kept here, the (de-chunked) body appended to
// *sink, which the reader points at its own output while it reads.
class ResponseParser final : public bhttp::basic_parser<false> {
 public:
  ResponseParser() = default;
  int status = 0;
  Headers headers;
  std::string pending;           // body bytes that arrived with the head
  std::string* sink = &pending;  // where body bytes go

 private:
  void on_request_impl(bhttp::verb, string_view, string_view, int, error_code&) override {}
  void on_response_impl(int code, string_view, int, error_code&) override { status = code; }
  void on_field_impl(bhttp::field, string_view name, string_view value, error_code&) override {
    headers.add(to_string(name), to_string(value));
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  size_t on_body_impl(string_view body, error_code&) override {
    sink->append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override {
    sink->append(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(error_code&) override {}
};

// Parses what `buffer` already holds, without reading, until `enough()`, the
// message is complete or the parser needs more input (not an error). A
// request that arrived whole is parsed here, with no coroutine of parse_until.
template <class Parser, class Enough>
error_code parse_buffered(boost::beast::flat_buffer& buffer, Parser& parser, Enough enough) {
  while (buffer.size() > 0 && !parser.is_done() && !enough()) {
    error_code ec;
    size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == bhttp::error::need_more) return {};
    if (ec) return ec;
    if (used == 0) break;
  }
  return {};
}

// Parses what `buffer` holds and reads from `stream` (at most `read_size`
// bytes at a time) until `enough()` or the message is complete. Bytes past the
// message stay in `buffer` (a pipelined request, say). A clean EOF before any
// byte of the message is end_of_stream; within one, partial_message (unless
// the body is delimited by the EOF).
template <class Stream, class Parser, class Enough>
boost::asio::awaitable<error_code> parse_until(Stream& stream, boost::beast::flat_buffer& buffer, Parser& parser,
                                               size_t read_size, Enough enough) {
  for (;;) {
    if (error_code ec = parse_buffered(buffer, parser, enough)) co_return ec;
    if (parser.is_done() || enough()) co_return error_code{};
    auto [rec, got] =
        co_await stream.async_read_some(buffer.prepare(read_size), boost::asio::as_tuple(boost::asio::use_awaitable));
    buffer.commit(got);
    if (rec == boost::asio::error::eof) {
      if (!parser.got_some()) co_return error_code(bhttp::error::end_of_stream);
      error_code ec;
      parser.put_eof(ec);
      if (ec) co_return ec;
    } else if (rec) {
      co_return rec;
    }
  }
}

// One direct write to a socket set to non-blocking mode. True when that
// settled it: everything written, or a hard error in `ec`. Otherwise
// `written` says how much the socket took, and write_rest() sends the rest.
// A whole answer, or a request head plus a small body, usually fits the
// socket buffer: then the coroutine goes on without a trip through the event loop.
inline bool write_now(boost::asio::ip::tcp::socket& socket, std::span<const boost::asio::const_buffer> buffers,
                      size_t& written, error_code& ec) {
  written = 0;
  ec = {};
  if (!socket.non_blocking()) return false;  // a direct write could block the event loop
  written = socket.write_some(buffers, ec);
  if (ec == boost::asio::error::would_block) ec = {};
  return ec || written == boost::asio::buffer_size(buffers);
}

// Writes what follows the first `written` bytes of `buffers`, asynchronously.
inline boost::asio::awaitable<error_code> write_rest(boost::asio::ip::tcp::socket& socket,
                                                     std::span<const boost::asio::const_buffer> buffers,
                                                     size_t written) {
  std::vector<boost::asio::const_buffer> rest;
  for (const auto& b : buffers) {
    if (written >= b.size()) {
      written -= b.size();
      continue;
    }
    rest.push_back(b + written);
    written = 0;
  }
  auto [ec, n] = co_await boost::asio::async_write(socket, rest, boost::asio::as_tuple(boost::asio::use_awaitable));
  co_return ec;
}

// write_now, then write_rest if needed.
inline boost::asio::awaitable<error_code> write_all(boost::asio::ip::tcp::socket& socket,
                                                    std::span<const boost::asio::const_buffer> buffers) {
  size_t written = 0;
  error_code ec;
  if (write_now(socket, buffers, written, ec)) co_return ec;
  co_return co_await write_rest(socket, buffers, written);
}

// Any other stream (TLS): Asio's composed write.
template <class Stream>
boost::asio::awaitable<error_code> write_all(Stream& stream, std::span<const boost::asio::const_buffer> buffers) {
  auto [ec, n] = co_await boost::asio::async_write(stream, buffers, boost::asio::as_tuple(boost::asio::use_awaitable));
  co_return ec;
}

}  // namespace torii::http::wire
