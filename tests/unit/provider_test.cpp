#include "providers/provider.hpp"

#include <gtest/gtest.h>

#include "routing/model_table.hpp"

using namespace torii;
using providers::Endpoint;

namespace {
ProviderConfig provider(std::string name, std::string type, std::string base_url, std::string key = "k") {
  ProviderConfig c;
  c.name = std::move(name);
  c.type = std::move(type);
  c.base_url = std::move(base_url);
  c.api_key = std::move(key);
  return c;
}
}  // namespace

TEST(Provider, OpenAiTargetsAndBearer) {
  std::string err;
  auto p = providers::make_provider(provider("oa", "openai", "https://api.openai.com/v1"), err);
  ASSERT_TRUE(p) << err;
  EXPECT_TRUE(p->origin.tls);
  EXPECT_EQ(p->origin.port, 443);
  EXPECT_EQ(p->origin.host_header, "api.openai.com");
  EXPECT_EQ(p->target(Endpoint::chat, "gpt-4o"), "/v1/chat/completions");
  EXPECT_EQ(p->target(Endpoint::embeddings, "x"), "/v1/embeddings");
  EXPECT_EQ(p->upstream_headers.get("authorization"), "Bearer k");
  EXPECT_TRUE(p->passthrough());
}

TEST(Provider, AzureDeploymentUrlAndApiKeyHeader) {
  auto cfg = provider("az", "azure", "http://127.0.0.1:8080");
  cfg.api_version = "2024-10-21";
  std::string err;
  auto p = providers::make_provider(cfg, err);
  ASSERT_TRUE(p) << err;
  EXPECT_EQ(p->target(Endpoint::chat, "my deploy"),
            "/openai/deployments/my%20deploy/chat/completions?api-version=2024-10-21");
  EXPECT_EQ(p->upstream_headers.get("api-key"), "k");
  EXPECT_EQ(p->upstream_headers.find("authorization"), nullptr);
  EXPECT_EQ(p->origin.host_header, "127.0.0.1:8080");
}

TEST(Provider, ExtraHeadersOverrideDefaults) {
  auto cfg = provider("x", "openai-compatible", "http://[::1]:9000/api/v1/");
  cfg.headers = {{"OpenAI-Organization", "org-1"}, {"Authorization", "Custom abc"}};
  std::string err;
  auto p = providers::make_provider(cfg, err);
  ASSERT_TRUE(p) << err;
  EXPECT_EQ(p->origin.host, "::1");
  EXPECT_EQ(p->origin.host_header, "[::1]:9000");
  EXPECT_EQ(p->target(Endpoint::completions, "m"), "/api/v1/completions");
  EXPECT_EQ(p->upstream_headers.get("openai-organization"), "org-1");
  EXPECT_EQ(p->upstream_headers.get("authorization"), "Custom abc");
}

TEST(Provider, BadBaseUrl) {
  std::string err;
  EXPECT_FALSE(providers::make_provider(provider("x", "openai-compatible", "ftp://h"), err));
  EXPECT_NE(err.find("base_url"), std::string::npos);
  EXPECT_FALSE(providers::make_provider(provider("x", "openai-compatible", "http://h:99999"), err));
}

TEST(Provider, AnthropicServesChatOnly) {
  std::string err;
  auto p = providers::make_provider(provider("c", "anthropic", "https://api.anthropic.com"), err);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->supports(Endpoint::chat));
  EXPECT_FALSE(p->supports(Endpoint::embeddings));
  EXPECT_FALSE(p->passthrough());
  EXPECT_EQ(p->target(Endpoint::chat, "claude"), "/v1/messages");
  EXPECT_EQ(p->upstream_headers.get("x-api-key"), "k");
  EXPECT_NE(p->header_block.find("x-api-key: k\r\n"), std::string::npos);
}

TEST(Provider, GeminiServesChatAndEmbeddings) {
  std::string err;
  auto g = providers::make_provider(provider("g", "gemini", "https://generativelanguage.googleapis.com"), err);
  ASSERT_TRUE(g);
  EXPECT_TRUE(g->supports(Endpoint::chat));
  EXPECT_TRUE(g->supports(Endpoint::embeddings));
  EXPECT_FALSE(g->supports(Endpoint::completions));
  EXPECT_FALSE(g->passthrough());
  EXPECT_EQ(g->target(Endpoint::chat, "gemini-2.5-flash"), "/v1beta/models/gemini-2.5-flash:generateContent");
  EXPECT_EQ(g->target(Endpoint::chat, "gemini-2.5-flash", true),
            "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
  EXPECT_EQ(g->target(Endpoint::embeddings, "text-embedding-004"), "/v1beta/models/text-embedding-004:batchEmbedContents");
  EXPECT_EQ(g->upstream_headers.get("x-goog-api-key"), "k");
  EXPECT_NE(g->header_block.find("x-goog-api-key: k\r\n"), std::string::npos);
}

TEST(Provider, BedrockServesChatAndEmbeddings) {
  std::string err;
  auto b = providers::make_provider(provider("b", "bedrock", "https://bedrock-runtime.us-east-1.amazonaws.com"), err);
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->supports(Endpoint::chat));
  EXPECT_TRUE(b->supports(Endpoint::embeddings));
  EXPECT_FALSE(b->supports(Endpoint::completions));
  EXPECT_EQ(b->target(Endpoint::chat, "amazon.nova-lite-v1:0"), "/model/amazon.nova-lite-v1%3A0/converse");
  EXPECT_EQ(b->target(Endpoint::embeddings, "amazon.titan-embed-text-v2:0"),
            "/model/amazon.titan-embed-text-v2%3A0/invoke");
}

TEST(ModelTable, RoutesMatchHeadersAndRequestedModel) {
  Config cfg;
  cfg.providers.push_back(provider("oa", "openai", "https://api.openai.com/v1"));
  for (const char* name : {"main", "cheap"}) {
    ModelConfig m;
    m.name = name;
    m.targets = {{"oa", name}};
    cfg.models.push_back(m);
  }
  RouteConfig only_main;
  only_main.headers = {{"x-tier", "free"}};
  only_main.requested_model = "main";
  only_main.model = "cheap";
  cfg.routes.push_back(only_main);

  std::string err;
  auto p = providers::make_provider(cfg.providers[0], err);
  routing::ModelTable::ProviderMap map{{"oa", p.get()}};
  routing::ModelTable table(cfg, map);

  http::Headers free_tier;
  free_tier.add("X-Tier", "free");
  http::Headers paid;
  paid.add("x-tier", "paid");
  ASSERT_TRUE(table.route(free_tier, "main"));
  EXPECT_EQ(table.route(free_tier, "main")->name, "cheap");
  EXPECT_FALSE(table.route(free_tier, "other"));
  EXPECT_FALSE(table.route(paid, "main"));
  EXPECT_FALSE(table.route(http::Headers{}, "main"));
}

TEST(ModelTable, ConfiguredNameThenDirectProviderForm) {
  Config cfg;
  cfg.providers.push_back(provider("oa", "openai", "https://api.openai.com/v1"));
  ModelConfig m;
  m.name = "workhorse";
  m.targets = {{"oa", "gpt-5.1"}};
  cfg.models.push_back(m);
  ModelConfig slashed;
  slashed.name = "oa/alias";  // a configured name wins over the provider/model form
  slashed.targets = {{"oa", "gpt-4o"}};
  cfg.models.push_back(slashed);

  std::string err;
  auto p = providers::make_provider(cfg.providers[0], err);
  routing::ModelTable::ProviderMap map{{"oa", p.get()}};
  routing::ModelTable table(cfg, map);

  const routing::Model* wh = table.find("workhorse");
  ASSERT_TRUE(wh);
  ASSERT_EQ(wh->targets.size(), 1u);
  EXPECT_EQ(wh->targets[0].provider, p.get());
  EXPECT_EQ(wh->targets[0].model, "gpt-5.1");
  EXPECT_NE(wh->targets[0].slot, routing::kNoSlot);
  const routing::Model* alias = table.find("oa/alias");
  ASSERT_TRUE(alias);
  EXPECT_EQ(alias->targets[0].model, "gpt-4o");

  routing::Model d;
  ASSERT_TRUE(table.direct("oa/gpt-4o-mini", d));
  EXPECT_EQ(d.targets[0].model, "gpt-4o-mini");
  EXPECT_EQ(d.targets[0].slot, routing::kNoSlot);
  ASSERT_TRUE(table.direct("oa/org/model:tag", d));
  EXPECT_EQ(d.targets[0].model, "org/model:tag");
  EXPECT_FALSE(table.find("unknown"));
  EXPECT_FALSE(table.direct("unknown", d));
  EXPECT_FALSE(table.direct("other/gpt-4o", d));
  EXPECT_FALSE(table.direct("oa/", d));
  EXPECT_FALSE(table.direct("/x", d));
  EXPECT_EQ(table.slot_count(), 2u);
  EXPECT_EQ(table.model_names(), (std::vector<std::string>{"workhorse", "oa/alias"}));
}
