#pragma once
// The contract between the HTTP server and whatever answers requests.
#include <functional>
#include <memory>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "http/message.hpp"

namespace torii::http {

// One response on one connection. A handler calls either send() once, or
// begin_stream(), any number of write_chunk(), then end_stream(). If it returns
// without answering, the server answers 500. Owned by the server; valid only
// during the handler call.
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;

  virtual boost::asio::awaitable<void> send(Response response) = 0;

  // Starts the answer. The head is sent with the first write_chunk() (or by
  // end_stream()), so callers begin once they have something to send. On
  // HTTP/1.1 the body uses chunked transfer encoding; on HTTP/1.0 it is
  // delimited by closing the connection. Returns false if already answered.
  virtual boost::asio::awaitable<bool> begin_stream(int status, Headers headers,
                                                    std::string_view content_type) = 0;
  // Writes immediately (TCP_NODELAY is set); false if the client is gone.
  virtual boost::asio::awaitable<bool> write_chunk(std::string_view data) = 0;
  virtual boost::asio::awaitable<void> end_stream() = 0;

  // While a stream is open, `callback` runs once if the client closes its side
  // (so the handler can cancel upstream work). Replaces any earlier callback.
  virtual void on_disconnect(std::function<void()> callback) = 0;
  virtual bool client_gone() const = 0;

  // Drops the connection with a TCP reset, without an answer (failure injection).
  virtual void abort() = 0;

  virtual const boost::asio::any_io_executor& executor() const = 0;
};

using Handler = std::function<boost::asio::awaitable<void>(Request&, ResponseWriter&)>;

// Builds one handler per worker thread; `worker` is 0..workers-1 and `executor`
// is that worker's event loop, so per-worker state (pools, caches) needs no locks.
using HandlerFactory = std::function<Handler(int worker, boost::asio::any_io_executor executor)>;

// Answers errors the server detects before a handler runs (malformed request,
// body too large, header too large, read timeout). `path` may be empty when the
// request line could not be parsed.
using ErrorResponder = std::function<Response(int status, std::string_view message, std::string_view path)>;

}  // namespace torii::http
