#pragma once
// Shared-nothing HTTP/1.1 server: one event loop per worker thread, each with its
// own SO_REUSEPORT acceptor. Beast is an implementation detail of server.cpp.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/handler.hpp"

namespace torii::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 4000;                       // 0 = pick an ephemeral port
  int workers = 1;
  size_t max_header_bytes = 64 * 1024;
  size_t max_body_bytes = 32 * 1024 * 1024;
  std::chrono::milliseconds idle_timeout{60'000};    // keep-alive connection with no request
  std::chrono::milliseconds read_timeout{30'000};    // one request, first byte to full body
  std::chrono::milliseconds shutdown_grace{10'000};  // in-flight requests on SIGTERM
  std::string server_name = "torii";
  // SIGINT/SIGTERM start the graceful shutdown. Installed by bind(), so a
  // signal that arrives as soon as the port is announced is not lost.
  bool handle_signals = true;
  // With handle_signals: SIGHUP calls this (on the signal thread), e.g. to
  // reload the config. Unset: SIGHUP keeps its default action.
  std::function<void()> on_hangup;
};

class Server {
 public:
  Server(ServerOptions options, HandlerFactory factory, ErrorResponder errors);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every worker's acceptor and installs the signal handlers; returns
  // the bound port (useful with port 0). Throws std::system_error on failure.
  uint16_t bind();
  // Runs the workers until stop() or SIGINT/SIGTERM, then drains in-flight
  // requests for up to shutdown_grace. Returns when every worker has exited.
  void run();
  // Thread-safe; starts the graceful shutdown.
  void stop();
  bool draining() const;

  struct Impl;  // public only so server.cpp's helpers can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace torii::http
