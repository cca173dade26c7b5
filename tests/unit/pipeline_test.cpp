// The route table and the filter chain: dispatch, 404/405, filter order,
// local answers and completion.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "filters/auth/auth_section.hpp"

#include "http/client.hpp"
#include "pipeline/filter_chain.hpp"
#include "pipeline/route_table.hpp"
#include "providers/family.hpp"

using namespace torii;
using namespace torii::pipeline;

TEST(RouteTable, MatchesMethodAndPathOnce) {
  RouteTable t = RouteTable::standard();
  auto chat = t.match("POST", "/v1/chat/completions");
  ASSERT_NE(chat.route, nullptr);
  EXPECT_EQ(chat.route->handler, Handler::chat);
  EXPECT_TRUE(chat.route->filtered);
  EXPECT_EQ(t.match("POST", "/chat/completions").route->handler, Handler::chat);  // without /v1
  EXPECT_EQ(t.match("HEAD", "/health").route->handler, Handler::health);        // HEAD answers like GET
  EXPECT_FALSE(t.match("GET", "/health").route->filtered);

  auto wrong = t.match("GET", "/v1/messages");
  EXPECT_EQ(wrong.route, nullptr);
  EXPECT_TRUE(wrong.path_known);
  EXPECT_EQ(wrong.allow, "POST");
  EXPECT_EQ(wrong.surface, Surface::anthropic);

  auto unknown = t.match("GET", "/v2/nothing");
  EXPECT_EQ(unknown.route, nullptr);
  EXPECT_FALSE(unknown.path_known);
  EXPECT_EQ(t.match("POST", "/v1/messages/other").surface, Surface::anthropic);  // a 404 in Anthropic's shape
}

namespace {

// Records the hooks it sees into a shared journal.
class JournalFilter final : public Filter {
 public:
  JournalFilter(std::string name, std::vector<std::string>& journal, bool refuse)
      : name_(std::move(name)), journal_(journal), refuse_(refuse) {}
  std::string_view name() const override { return name_; }
  std::optional<ApiError> on_request(RequestContext&) const override {
    journal_.push_back(name_ + ".request");
    if (refuse_) return make_error(429, name_ + " says no", "rate_limit_exceeded");
    return std::nullopt;
  }
  void on_head(RequestContext&, int status, http::Headers& h) const override {
    journal_.push_back(name_ + ".head " + std::to_string(status));
    h.add("x-" + name_, "seen");
  }
  void on_complete(RequestContext&) const override { journal_.push_back(name_ + ".complete"); }

 private:
  std::string name_;
  std::vector<std::string>& journal_;
  bool refuse_;
};

FilterRegistry registry_of(std::vector<std::string>& journal, bool second_refuses) {
  FilterRegistry r;
  // Registered out of order: the chain sorts by `order`.
  r.add({"second", 200, [&journal, second_refuses](const Config&, size_t) -> std::unique_ptr<Filter> {
           return std::make_unique<JournalFilter>("second", journal, second_refuses);
         }});
  r.add({"first", 100, [&journal](const Config&, size_t) -> std::unique_ptr<Filter> {
           return std::make_unique<JournalFilter>("first", journal, false);
         }});
  r.add({"off", 150, [](const Config&, size_t) -> std::unique_ptr<Filter> { return nullptr; }});
  return r;
}

}  // namespace

TEST(FilterChain, RunsInOrderStopsAtALocalAnswerAndCompletesInReverse) {
  std::vector<std::string> journal;
  FilterChain chain(registry_of(journal, true), Config{});
  EXPECT_EQ(chain.size(), 2u);  // a factory that returns nothing adds no filter
  EXPECT_NE(chain.find("first"), nullptr);
  EXPECT_EQ(chain.find("off"), nullptr);

  boost::asio::io_context io;
  http::UpstreamClient client(io.get_executor());
  http::Request req;
  // The context only needs an Exchange to exist; nothing is written here.
  class Unused final : public http::ResponseWriter {
   public:
    boost::asio::awaitable<void> send(http::Response) override { co_return; }
    boost::asio::awaitable<bool> begin_stream(int, http::Headers, std::string_view) override { co_return false; }
    boost::asio::awaitable<bool> write_chunk(std::string_view) override { co_return false; }
    boost::asio::awaitable<void> end_stream() override { co_return; }
    void on_disconnect(std::function<void()>) override {}
    bool client_gone() const override { return false; }
    void abort() override {}
    const boost::asio::any_io_executor& executor() const override { return ex_; }
    boost::asio::any_io_executor ex_;
  } unused;
  providers::Exchange ex(client, unused, "req-1");
  RequestContext ctx(req, Surface::openai, ex);

  auto refused = chain.on_request(ctx);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 429);
  http::Headers h;
  chain.on_head(ctx, 429, h);
  EXPECT_EQ(h.get("x-first"), "seen");
  EXPECT_EQ(h.get("x-second"), "seen");
  chain.on_complete(ctx);
  EXPECT_EQ(journal, (std::vector<std::string>{"first.request", "second.request", "first.head 429", "second.head 429",
                                               "second.complete", "first.complete"}));
}

TEST(FilterChain, BuiltinRegistryHasAuthFirstAndOnlyWhenConfigured) {
  Config open;
  EXPECT_EQ(FilterChain(FilterRegistry::builtin(), open).find("auth"), nullptr);
  Config keyed;
  keyed.sections["auth"] = filters::AuthSection{{"k"}};
  FilterChain chain(FilterRegistry::builtin(), keyed);
  ASSERT_NE(chain.find("auth"), nullptr);
  EXPECT_EQ(FilterRegistry::builtin().entries().front().name, "auth");
}

// Every provider type the config accepts is served by a registered family
// (the folders under src/providers/), and each family's type names are its own.
TEST(ProviderFamilies, EveryConfigTypeHasItsFamily) {
  const auto& registry = torii::providers::FamilyRegistry::builtin();
  for (const auto& type : torii::provider_types()) {
    const torii::providers::Family* f = registry.find(type);
    ASSERT_NE(f, nullptr) << type;
    EXPECT_NE(f->prepare, nullptr) << type;
    EXPECT_NE(f->target, nullptr) << type;
  }
  EXPECT_EQ(registry.find("azure")->name, "azure");
  EXPECT_EQ(registry.find("openai-compatible")->name, "openai");
  EXPECT_EQ(registry.find("no-such-type"), nullptr);
}
