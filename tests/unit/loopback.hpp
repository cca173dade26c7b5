#pragma once
// A connected pair of loopback TCP sockets for tests that need a real socket.
#include <gtest/gtest.h>

#include <chrono>
#include <exception>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace torii::test {

// Two connected sockets (127.0.0.1, ephemeral port) and the io_context they
// run on. `client` plays the peer that sends requests (or receives
// responses), `server` the socket under test, or the other way round.
struct Loopback {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket client{ioc};
  boost::asio::ip::tcp::socket server{ioc};

  Loopback() {
    using boost::asio::ip::tcp;
    tcp::acceptor acceptor(ioc, tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0));
    client.connect(acceptor.local_endpoint());
    acceptor.accept(server);
  }

  // Runs the coroutine `f` (a callable returning awaitable<void>) to its end,
  // with a generous limit so that a hang fails the test instead of blocking it.
  template <class F>
  void run(F f) {
    bool done = false;
    std::exception_ptr error;
    boost::asio::co_spawn(ioc, std::move(f), [&](std::exception_ptr e) {
      done = true;
      error = e;
    });
    const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!done && std::chrono::steady_clock::now() < limit) {
      if (ioc.run_one_until(limit) == 0 && ioc.stopped()) break;
    }
    ASSERT_TRUE(done) << "the test coroutine did not finish (hung?)";
    if (error) std::rethrow_exception(error);
  }
};

}  // namespace torii::test
