// The router against a fake upstream: a real http::Server on a loopback port
// whose answer depends on the upstream model asked for (fail-503, bad-400,
// slow-*: 300 ms late, anything else: a chat completion naming that model).
// Retries, fallbacks and hedging checked here, not only end to end.
#include <gtest/gtest.h>

#include <thread>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "config/config.hpp"
#include "http/server.hpp"
#include "llm/json_scan.hpp"
#include "loopback.hpp"
#include "routing/health.hpp"
#include "routing/router.hpp"

using namespace torii;
namespace asio = boost::asio;

namespace {

asio::awaitable<void> answer(http::Request& req, http::ResponseWriter& out) {
  llm::RequestScan scan = llm::scan_request(req.body);
  http::Response r;
  if (scan.model == "fail-503") {
    r.status = 503;
    r.body = R"({"error":{"message":"overloaded","type":"server_error","param":null,"code":null}})";
  } else if (scan.model == "bad-400") {
    r.status = 400;
    r.body = R"({"error":{"message":"bad request","type":"invalid_request_error","param":null,"code":null}})";
  } else {
    if (scan.model.starts_with("slow-")) {
      asio::steady_timer t(out.executor(), std::chrono::milliseconds(300));
      co_await t.async_wait(asio::use_awaitable);
    }
    boost::json::object body{{"id", "chatcmpl-fake"}, {"object", "chat.completion"}, {"model", scan.model},
                              {"choices", boost::json::array{}},
                              {"usage", boost::json::object{{"prompt_tokens", 3}, {"completion_tokens", 2}}}};
    r.body = boost::json::serialize(body);
  }
  co_await out.send(std::move(r));
}

// The fake upstream, serving on its own thread.
struct FakeUpstream {
  http::Server server;
  uint16_t port = 0;
  std::thread thread;

  FakeUpstream()
      : server(options(), [](int, asio::any_io_executor) -> http::Handler { return answer; },
               [](int status, std::string_view, std::string_view) {
                 http::Response r;
                 r.status = status;
                 return r;
               }) {
    port = server.bind();
    thread = std::thread([this] { server.run(); });
  }
  ~FakeUpstream() {
    server.stop();
    thread.join();
  }
  static http::ServerOptions options() {
    http::ServerOptions o;
    o.port = 0;
    o.handle_signals = false;
    o.shutdown_grace = std::chrono::milliseconds(100);
    return o;
  }
};

// What the router wrote to the client.
class CapturedAnswer final : public http::ResponseWriter {
 public:
  explicit CapturedAnswer(asio::any_io_executor ex) : ex_(std::move(ex)) {}
  asio::awaitable<void> send(http::Response r) override {
    response = std::move(r);
    co_return;
  }
  asio::awaitable<bool> begin_stream(int, http::Headers, std::string_view) override { co_return false; }
  asio::awaitable<bool> write_chunk(std::string_view) override { co_return false; }
  asio::awaitable<void> end_stream() override { co_return; }
  void on_disconnect(std::function<void()>) override {}
  bool client_gone() const override { return false; }
  void abort() override {}
  const asio::any_io_executor& executor() const override { return ex_; }

  http::Response response;

 private:
  asio::any_io_executor ex_;
};

class RouterTest : public ::testing::Test {
 protected:
  FakeUpstream upstream;

  // Builds the config's gateway pieces and routes one chat request for `model`.
  http::Response route(const std::string& yaml_models, const std::string& model) {
    std::string yaml = "providers:\n  - { name: fake, type: openai-compatible, base_url: \"http://127.0.0.1:" +
                       std::to_string(upstream.port) + "/v1\", api_key: k }\n" + yaml_models;
    ConfigResult loaded = load_config_text(yaml, "router_test.yaml");
    EXPECT_TRUE(loaded.errors.empty()) << (loaded.errors.empty() ? "" : loaded.errors[0].to_string());
    std::string error;
    auto provider = providers::make_provider(loaded.config->providers[0], error);
    routing::ModelTable::ProviderMap map{{"fake", provider.get()}};
    routing::ModelTable models(*loaded.config, map);
    view = health.view_for(models);

    test::Loopback loop;  // its io_context runs the router
    http::UpstreamClient client(loop.ioc.get_executor());
    CapturedAnswer out(loop.ioc.get_executor());
    std::mt19937_64 rng(7);
    routing::RouterContext ctx{loop.ioc.get_executor(), client, *view, rng};
    providers::Exchange ex(client, out, "req-router-test");
    std::string body = R"({"model":")" + model + R"(","messages":[{"role":"user","content":"hi"}]})";
    llm::RequestScan scan = llm::scan_request(body);
    routing::RouteInput in;
    in.model = models.find(model);
    EXPECT_NE(in.model, nullptr);
    in.scan = &scan;
    in.body = std::make_shared<const std::string>(body);
    loop.run([&]() -> asio::awaitable<void> { co_await routing::route_request(ctx, ex, std::move(in)); });
    usage = ex.usage;
    return std::move(out.response);
  }

  routing::WorkerHealth health;
  std::shared_ptr<const routing::HealthView> view;
  llm::Usage usage;
};

std::string answered_model(const http::Response& r) {
  return std::string(boost::json::parse(r.body).at("model").as_string());
}

}  // namespace

TEST_F(RouterTest, RetriesTheNextTargetAfterA5xxAndRecordsTheFailure) {
  auto r = route("models:\n  - name: m\n    targets:\n      - { provider: fake, model: fail-503 }\n"
                 "      - { provider: fake, model: ok-b }\n",
                 "m");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(answered_model(r), "ok-b");
  EXPECT_EQ(r.headers.get("x-torii-attempts"), "2");
  EXPECT_EQ(r.headers.get("x-torii-model"), "ok-b");
  EXPECT_EQ(view->at(0)->failures.load(), 1u);
  EXPECT_EQ(view->at(1)->requests.load(), 1u);
  EXPECT_EQ(usage.input, 3);  // the delivered answer's usage reaches the exchange
  EXPECT_EQ(usage.output, 2);
}

TEST_F(RouterTest, AClientErrorIsNotRetried) {
  auto r = route("models:\n  - name: m\n    targets:\n      - { provider: fake, model: bad-400 }\n"
                 "      - { provider: fake, model: ok-b }\n",
                 "m");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.headers.get("x-torii-attempts"), "1");
  EXPECT_EQ(view->at(1)->requests.load(), 0u);
}

TEST_F(RouterTest, FallsBackToTheNextModelOnceEveryTargetFailed) {
  auto r = route("models:\n  - name: m\n    fallbacks: [spare]\n    targets:\n      - { provider: fake, model: fail-503 }\n"
                 "  - name: spare\n    targets:\n      - { provider: fake, model: ok-spare }\n",
                 "m");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(answered_model(r), "ok-spare");
  EXPECT_EQ(r.headers.get("x-torii-fallback"), "spare");
  EXPECT_EQ(r.headers.get("x-torii-attempts"), "2");
}

TEST_F(RouterTest, AHedgeWinsOverASlowFirstAttempt) {
  auto r = route("models:\n  - name: m\n    hedge: { after_ms: 30 }\n    targets:\n"
                 "      - { provider: fake, model: slow-first }\n      - { provider: fake, model: ok-hedge }\n",
                 "m");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(answered_model(r), "ok-hedge");
  EXPECT_EQ(r.headers.get("x-torii-hedged"), "true");
  EXPECT_EQ(r.headers.get("x-torii-attempts"), "2");
}

TEST_F(RouterTest, HealthRecordsSurviveANewSnapshotOfTheSameTargets) {
  const std::string models = "models:\n  - name: m\n    targets:\n      - { provider: fake, model: fail-503 }\n"
                             "      - { provider: fake, model: ok-b }\n";
  route(models, "m");
  const routing::TargetHealth* first = view->at(0);
  route(models, "m");  // a new ModelTable, as a reload builds
  EXPECT_EQ(view->at(0), first);
  EXPECT_EQ(first->failures.load(), 2u);
}
