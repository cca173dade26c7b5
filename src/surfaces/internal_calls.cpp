#include "surfaces/internal_calls.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "llm/json_scan.hpp"
#include "providers/exchange.hpp"

namespace torii::surfaces {

namespace {

// Keeps what an internal call answered, in place of a client connection.
class CapturingWriter final : public http::ResponseWriter {
 public:
  explicit CapturingWriter(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}
  boost::asio::awaitable<void> send(http::Response response) override {
    status = response.status;
    body = std::move(response.body);
    co_return;
  }
  boost::asio::awaitable<bool> begin_stream(int s, http::Headers, std::string_view) override {
    status = s;
    co_return true;
  }
  boost::asio::awaitable<bool> write_chunk(std::string_view data) override {
    body.append(data);
    co_return true;
  }
  boost::asio::awaitable<void> end_stream() override { co_return; }
  void on_disconnect(std::function<void()>) override {}
  bool client_gone() const override { return false; }
  void abort() override {}
  const boost::asio::any_io_executor& executor() const override { return executor_; }

  int status = 0;
  std::string body;

 private:
  boost::asio::any_io_executor executor_;
};

struct Pending {
  explicit Pending(const boost::asio::any_io_executor& e) : timer(e) {}
  boost::asio::steady_timer timer;
  bool done = false;
  pipeline::InternalCalls::Result result;
};

// Everything by value or by what outlives it: the worker (executor,
// client, rng) and the config snapshot the context keeps alive.
boost::asio::awaitable<void> run(boost::asio::any_io_executor executor, http::UpstreamClient* client,
                                 const routing::HealthView* health, std::mt19937_64* rng,
                                 std::shared_ptr<const void> snapshot, const routing::Model* model,
                                 providers::Endpoint endpoint, std::string body, std::shared_ptr<Pending> pending) {
  routing::RouterContext rc{executor, *client, *health, *rng, std::move(snapshot)};
  CapturingWriter writer(executor);
  providers::Exchange ex(*client, writer, "internal");
  const llm::RequestScan scan = llm::scan_request(body);
  routing::RouteInput in;
  in.model = model;
  in.endpoint = endpoint;
  in.scan = &scan;
  in.body = std::make_shared<const std::string>(std::move(body));
  co_await routing::route_request(rc, ex, std::move(in));
  pending->result.status = writer.status;
  pending->result.body = std::move(writer.body);
  pending->done = true;
  pending->timer.cancel();
}

}  // namespace

boost::asio::awaitable<pipeline::InternalCalls::Result> InternalRouter::call(std::string model,
                                                                            providers::Endpoint endpoint,
                                                                            std::string body,
                                                                            std::chrono::milliseconds timeout) const {
  const routing::Model* m = models_.find(model);
  if (!m) co_return Result{404, "the model '" + model + "' is not configured"};
  auto pending = std::make_shared<Pending>(ctx_.executor);
  boost::asio::co_spawn(ctx_.executor,
                        run(ctx_.executor, &ctx_.client, &ctx_.health, &ctx_.rng, ctx_.snapshot, m, endpoint,
                            std::move(body), pending),
                        boost::asio::detached);
  pending->timer.expires_after(timeout);
  boost::system::error_code ec;
  auto waiting = pending->timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  co_await std::move(waiting);
  if (!pending->done) co_return Result{};
  co_return std::move(pending->result);
}

}  // namespace torii::surfaces
