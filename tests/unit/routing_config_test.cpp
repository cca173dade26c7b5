#include <gtest/gtest.h>

#include "config/config.hpp"

using namespace torii;

namespace {
ConfigResult load(const std::string& text) { return load_config_text(text, "r.yaml"); }

bool has_error(const ConfigResult& r, int line, const std::string& key, const std::string& part) {
  for (const auto& e : r.errors)
    if (e.line == line && e.key == key && e.message.find(part) != std::string::npos) return true;
  return false;
}

std::string dump(const ConfigResult& r) {
  std::string s;
  for (const auto& e : r.errors) s += e.to_string() + "\n";
  return s;
}

const char* kProviders =
    "providers:\n"
    "  - { name: a, type: mock }\n"
    "  - { name: b, type: mock }\n";
}  // namespace

TEST(RoutingConfig, FullModelPolicy) {
  auto r = load(std::string(kProviders) +
                "models:\n"
                "  - name: workhorse\n"
                "    strategy: weighted\n"
                "    targets:\n"
                "      - { provider: a, model: x, weight: 3, price: { input: 3, output: 15 } }\n"
                "      - { provider: b, model: y, weight: 1 }\n"
                "    fallbacks: [cheap]\n"
                "    context_window_fallbacks: [cheap]\n"
                "    content_policy_fallbacks: [cheap]\n"
                "    retry: { attempts: 3, backoff_ms: 100, max_backoff_ms: 5000, on: [429, 500, timeout] }\n"
                "    timeout: { connect_ms: 2000, first_token_ms: 15000, total_ms: 120000 }\n"
                "    circuit_breaker: { failures: 5, window_ms: 30000, cooldown_ms: 30000 }\n"
                "    hedge: { after_ms: 3000 }\n"
                "    default_max_tokens: 8192\n"
                "  - name: cheap\n"
                "    targets: [ { provider: b, model: z } ]\n"
                "routes:\n"
                "  - when: { header: { x-tenant-tier: free } }\n"
                "    model: cheap\n");
  ASSERT_TRUE(r.config) << dump(r);
  const auto& m = r.config->models[0];
  EXPECT_EQ(m.strategy, "weighted");
  EXPECT_EQ(m.targets[0].weight, 3u);
  EXPECT_DOUBLE_EQ(*m.targets[0].price.input, 3);
  EXPECT_DOUBLE_EQ(*m.targets[0].price.output, 15);
  EXPECT_EQ(m.fallbacks, std::vector<std::string>{"cheap"});
  EXPECT_TRUE(m.retry.configured);
  EXPECT_EQ(m.retry.attempts, 3u);
  EXPECT_EQ(m.retry.statuses, (std::vector<int>{429, 500}));
  EXPECT_TRUE(m.retry.on_timeout);
  EXPECT_FALSE(m.retry.on_connect);
  EXPECT_EQ(m.timeout.first_token_ms, 15000u);
  EXPECT_EQ(m.breaker.failures, 5u);
  EXPECT_EQ(m.hedge_after_ms, 3000u);
  EXPECT_EQ(m.default_max_tokens, 8192u);
  ASSERT_EQ(r.config->routes.size(), 1u);
  EXPECT_EQ(r.config->routes[0].model, "cheap");
  EXPECT_EQ(r.config->routes[0].headers[0].first, "x-tenant-tier");
  EXPECT_EQ(r.config->routes[0].headers[0].second, "free");
}

TEST(RoutingConfig, Defaults) {
  auto r = load(std::string(kProviders) + "models:\n  - { name: m, targets: [ { provider: a, model: x } ] }\n");
  ASSERT_TRUE(r.config) << dump(r);
  const auto& m = r.config->models[0];
  EXPECT_EQ(m.strategy, "priority");
  EXPECT_FALSE(m.retry.configured);
  EXPECT_TRUE(m.breaker.enabled);
  EXPECT_EQ(m.hedge_after_ms, 0u);
  EXPECT_EQ(m.targets[0].weight, 1u);
}

TEST(RoutingConfig, Errors) {
  auto r = load(std::string(kProviders) +
                "models:\n"                                                        // 4
                "  - name: m\n"                                                    // 5
                "    strategy: fastest\n"                                          // 6
                "    targets: [ { provider: a, model: x, weight: -1 } ]\n"         // 7
                "    fallbacks: [nope]\n"                                          // 8
                "    retry: { attempts: 0, on: [418, banana], max_backoff_ms: 1, backoff_ms: 10 }\n"  // 9
                "    hedge: {}\n"                                                  // 10
                "    circuit_breaker: { failures: 0 }\n"                           // 11
                "routes:\n"                                                        // 12
                "  - when: {}\n"                                                   // 13
                "    model: ghost\n");                                             // 14
  ASSERT_FALSE(r.config);
  EXPECT_TRUE(has_error(r, 6, "models[0].strategy", "unknown strategy 'fastest'")) << dump(r);
  EXPECT_TRUE(has_error(r, 7, "models[0].targets[0].weight", "negative")) << dump(r);
  EXPECT_TRUE(has_error(r, 8, "models[0].fallbacks[0]", "unknown model 'nope'")) << dump(r);
  EXPECT_TRUE(has_error(r, 9, "models[0].retry.attempts", "greater than 0")) << dump(r);
  EXPECT_TRUE(has_error(r, 9, "models[0].retry.on[1]", "'banana'")) << dump(r);
  EXPECT_TRUE(has_error(r, 9, "models[0].retry.max_backoff_ms", "below backoff_ms")) << dump(r);
  EXPECT_TRUE(has_error(r, 10, "models[0].hedge.after_ms", "is required")) << dump(r);
  EXPECT_TRUE(has_error(r, 11, "models[0].circuit_breaker.failures", "greater than 0")) << dump(r);
  EXPECT_TRUE(has_error(r, 13, "routes[0].when", "at least one condition")) << dump(r);
  EXPECT_TRUE(has_error(r, 14, "routes[0].model", "unknown model 'ghost'")) << dump(r);
}

TEST(RoutingConfig, RetryStatusOutOfRange) {
  auto r = load(std::string(kProviders) +
                "models:\n  - name: m\n    targets: [ { provider: a, model: x } ]\n    retry: { on: [302] }\n");
  ASSERT_FALSE(r.config);
  EXPECT_TRUE(has_error(r, 7, "models[0].retry.on[0]", "400-599")) << dump(r);
}

TEST(RoutingConfig, AllZeroWeights) {
  auto r = load(std::string(kProviders) +
                "models:\n  - name: m\n    strategy: weighted\n    targets: [ { provider: a, model: x, weight: 0 } ]\n");
  ASSERT_FALSE(r.config);
  EXPECT_TRUE(has_error(r, 5, "models[0].targets", "weight 0")) << dump(r);
}
