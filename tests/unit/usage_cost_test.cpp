// Typed usage from each wire format, the price catalogue and cost arithmetic.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "llm/pricing.hpp"
#include "llm/usage.hpp"
#include "providers/usage_meter.hpp"

using namespace torii;
using namespace torii::llm;
namespace json = boost::json;

namespace {
json::object parse(std::string_view s) { return json::parse(s).as_object(); }
}  // namespace

TEST(Usage, OpenAIPromptTokensIncludeCachedOnes) {
  Usage u = usage_from_openai(R"({"prompt_tokens":1000,"completion_tokens":300,"total_tokens":1300,
    "prompt_tokens_details":{"cached_tokens":800,"audio_tokens":5},
    "completion_tokens_details":{"reasoning_tokens":120,"audio_tokens":2}})");
  EXPECT_TRUE(u.reported);
  EXPECT_EQ(u.input, 200);
  EXPECT_EQ(u.cached_read, 800);
  EXPECT_EQ(u.output, 300);
  EXPECT_EQ(u.reasoning, 120);
  EXPECT_EQ(u.audio, 7);
  EXPECT_EQ(u.prompt_total(), 1000);
  // Torii's canonical form of Anthropic/Bedrock answers carries cache writes too.
  Usage w = usage_from_openai(R"({"prompt_tokens":50,"completion_tokens":1,"prompt_tokens_details":{"cached_tokens":10},"cache_creation_input_tokens":30})");
  EXPECT_EQ(w.input, 10);
  EXPECT_EQ(w.cache_write, 30);
}

TEST(Usage, AnthropicInputExcludesCacheAndLaterReportsReplace) {
  Usage u = usage_from_anthropic(R"({"input_tokens":12,"cache_read_input_tokens":900,"cache_creation_input_tokens":40,"output_tokens":1})");
  EXPECT_EQ(u.input, 12);
  EXPECT_EQ(u.cached_read, 900);
  EXPECT_EQ(u.cache_write, 40);
  update_from_anthropic(u, R"({"output_tokens":77})");  // message_delta
  EXPECT_EQ(u.output, 77);
  EXPECT_EQ(u.input, 12);
}

TEST(Pricing, CatalogueResolvesSnapshotsAndProviderForms) {
  EXPECT_EQ(catalogue_key("gpt-4o-2024-08-06"), "gpt-4o");
  EXPECT_EQ(catalogue_key("claude-sonnet-4-5-20250929"), "claude-sonnet-4-5");
  EXPECT_EQ(catalogue_key("anthropic.claude-haiku-4-5-20251001-v1:0"), "claude-haiku-4-5");
  EXPECT_EQ(catalogue_key("us.anthropic.claude-sonnet-4-20250514-v1:0"), "claude-sonnet-4");
  EXPECT_EQ(catalogue_key("claude-sonnet-4-5@20250929"), "claude-sonnet-4-5");
  EXPECT_EQ(catalogue_key("models/gemini-2.5-pro"), "gemini-2.5-pro");
  EXPECT_EQ(catalogue_key("amazon.nova-pro-v1:0"), "amazon.nova-pro-v1");
  EXPECT_EQ(catalogue_key("cohere.embed-english-v3"), "cohere.embed-english-v3");
  ASSERT_NE(catalogue_price("gpt-4o-mini-2024-07-18"), nullptr);
  EXPECT_DOUBLE_EQ(*catalogue_price("gpt-4o-mini-2024-07-18")->base.input, 0.15);
  EXPECT_NE(catalogue_price("command-a-03-2025"), nullptr);  // a name that looks dated, found as is
  EXPECT_EQ(catalogue_price("mock-1"), nullptr);
  EXPECT_FALSE(catalogue_priced_at().empty());
}

TEST(Pricing, UnknownPriceHasNoCostNeverZero) {
  Usage u;
  u.reported = true;
  u.input = 100;
  EXPECT_FALSE(cost_usd(u, resolve_price("some-local-model", {})).has_value());
  // Half a price is no price either.
  EXPECT_FALSE(cost_usd(u, resolve_price("some-local-model", {.input = 1.0})).has_value());
  // A usage the upstream never reported has no cost, even at a known price.
  EXPECT_FALSE(cost_usd(Usage{}, resolve_price("gpt-4o", {})).has_value());
  // Free is a price too, when configured.
  EXPECT_EQ(cost_usd(u, resolve_price("some-local-model", {.input = 0.0, .output = 0.0})), 0.0);
}

TEST(Pricing, CostArithmeticWithCachesReasoningTiersAndOverrides) {
  Usage u;
  u.reported = true;
  u.input = 1'000'000;
  u.cached_read = 2'000'000;
  u.cache_write = 1'000'000;
  u.output = 500'000;
  // claude-sonnet-4-5: 3 in, 15 out, 0.3 cached, 3.75 write; above 200k tokens of prompt: 6 / 22.5 / 0.6 / 7.5.
  auto p = resolve_price("claude-sonnet-4-5-20250929", {});
  ASSERT_TRUE(p);
  EXPECT_DOUBLE_EQ(*cost_usd(u, p), 6 * 1 + 0.6 * 2 + 7.5 * 1 + 22.5 * 0.5);
  Usage small = u;
  small.input = 1000;
  small.cached_read = 0;
  small.cache_write = 0;
  small.output = 1000;
  EXPECT_DOUBLE_EQ(*cost_usd(small, p), (3.0 * 1000 + 15.0 * 1000) / 1e6);
  // An override replaces one field and keeps the rest of the catalogue's.
  auto cheaper = resolve_price("gpt-4o", {.output = 5.0});
  Usage g;
  g.reported = true;
  g.input = 1'000'000;
  g.cached_read = 1'000'000;
  g.output = 1'000'000;
  EXPECT_DOUBLE_EQ(*cost_usd(g, cheaper), 2.5 + 1.25 + 5.0);
  // Reasoning billed apart only where a rate says so; else it is output.
  Usage r = g;
  r.reasoning = 400'000;
  EXPECT_DOUBLE_EQ(*cost_usd(r, cheaper), 2.5 + 1.25 + 5.0);
  EXPECT_DOUBLE_EQ(*cost_usd(r, resolve_price("gpt-4o", {.output = 5.0, .reasoning = 20.0})),
                   2.5 + 1.25 + 5.0 * 0.6 + 20.0 * 0.4);
  // Cached reads without a rate of their own pay the input rate.
  EXPECT_DOUBLE_EQ(*cost_usd(g, resolve_price("x", {.input = 1.0, .output = 2.0})), 1.0 + 1.0 + 2.0);
}

TEST(Pricing, CostTextIsTheShortestRoundTrip) {
  EXPECT_EQ(format_cost(0.000123), "0.000123");
  EXPECT_EQ(format_cost(0), "0");
  EXPECT_EQ(format_cost(1.5), "1.5");
  double v = (3.0 * 17 + 15.0 * 9) / 1e6;
  EXPECT_EQ(std::stod(format_cost(v)), v);
}

TEST(UsageMeter, ReadsBodiesAndStreamsOfBothFormats) {
  providers::UsageMeter body(providers::WireFormat::openai);
  body.observe(R"({"id":"x","choices":[{"message":{"content":"the word \"usage\": {} in text"}}],"usage": {"prompt_tokens":9,"completion_tokens":4,"total_tokens":13}})");
  EXPECT_EQ(body.usage().input, 9);
  EXPECT_EQ(body.usage().output, 4);

  providers::UsageMeter stream(providers::WireFormat::openai);
  stream.observe("data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}],\"usage\":null}\n\n");
  EXPECT_FALSE(stream.usage().reported);
  stream.observe("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}\n\ndata: [DONE]\n\n");
  EXPECT_TRUE(stream.usage().reported);
  EXPECT_EQ(stream.usage().output, 2);

  providers::UsageMeter anthropic(providers::WireFormat::anthropic);
  anthropic.observe("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"usage\":{\"input_tokens\":5,\"cache_read_input_tokens\":100,\"output_tokens\":1}}}\n\n");
  anthropic.observe("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{},\"usage\":{\"output_tokens\":42}}\n\n");
  EXPECT_EQ(anthropic.usage().input, 5);
  EXPECT_EQ(anthropic.usage().cached_read, 100);
  EXPECT_EQ(anthropic.usage().output, 42);
}

TEST(UsageMeter, ReadsWhyTheAnswerEndedInOpenAIsWords) {
  using providers::UsageMeter;
  using providers::WireFormat;
  UsageMeter body(WireFormat::openai);
  body.observe(R"({"choices":[{"index":0,"finish_reason":"stop"},{"index":1,"finish_reason" : "length"},
    {"index":2,"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1}})");
  EXPECT_EQ(body.finish_reasons(), (std::vector<std::string>{"stop", "length"}));

  UsageMeter stream(WireFormat::openai);
  stream.observe("data: {\"choices\":[{\"delta\":{\"content\":\"finish_reason\"},\"finish_reason\":null}]}\n\n");
  EXPECT_TRUE(stream.finish_reasons().empty());
  stream.observe("data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\ndata: [DONE]\n\n");
  EXPECT_EQ(stream.finish_reasons(), (std::vector<std::string>{"tool_calls"}));

  UsageMeter anthropic(WireFormat::anthropic);
  anthropic.observe("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"stop_reason\":null}}\n\n");
  anthropic.observe("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\"}}\n\n");
  EXPECT_EQ(anthropic.finish_reasons(), (std::vector<std::string>{"length"}));

  UsageMeter done(WireFormat::responses);
  done.observe(R"({"object":"response","status":"completed","output":[{"type":"function_call","status":"completed"}]})");
  EXPECT_EQ(done.finish_reasons(), (std::vector<std::string>{"tool_calls"}));
  UsageMeter cut(WireFormat::responses);
  cut.observe(R"({"object":"response","status":"incomplete","incomplete_details":{"reason":"max_output_tokens"}})");
  EXPECT_EQ(cut.finish_reasons(), (std::vector<std::string>{"length"}));
  // A stream says so only in its last event.
  UsageMeter events(WireFormat::responses);
  events.observe("event: response.output_item.done\ndata: {\"type\":\"response.output_item.done\",\"sequence_number\":5,"
                 "\"item\":{\"type\":\"message\",\"status\":\"completed\"}}\n\n");
  EXPECT_TRUE(events.finish_reasons().empty());
  events.observe("event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":6,"
                 "\"response\":{\"status\":\"completed\",\"output\":[{\"type\":\"message\"}]}}\n\n");
  EXPECT_EQ(events.finish_reasons(), (std::vector<std::string>{"stop"}));
}

TEST(UsageMeter, StripTakesOutOnlyWhatTheClientDidNotAskFor) {
  std::string events =
      "data: {\"id\":\"a\",\"choices\":[{\"delta\":{\"content\":\"hi\"}}],\"usage\":null}\r\n\r\n"
      "data: {\"id\":\"a\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}\n\n"
      "data: [DONE]\n\n";
  providers::strip_stream_usage(events);
  EXPECT_EQ(events, "data: {\"id\":\"a\",\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\r\n\r\ndata: [DONE]\n\n");
}

TEST(UsageMeter, AStreamCutShortIsEstimatedFromWhatWasGenerated) {
  providers::UsageMeter stream(providers::WireFormat::openai, /*estimate=*/true);
  // 16 characters of content and 8 of tool arguments, then the stream stops.
  stream.observe("data: {\"choices\":[{\"delta\":{\"content\":\"0123456789abcdef\"}}]}\n\n");
  stream.observe("data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"a\\\":12}\"}}]}}]}\n\n");
  llm::Usage u = stream.usage();
  EXPECT_FALSE(u.reported);
  EXPECT_TRUE(u.estimated);
  EXPECT_EQ(u.output, 6);  // 24 characters, about 4 a token
  EXPECT_TRUE(cost_usd(u, resolve_price("gpt-4o", {})).has_value());  // charged for what was generated

  providers::UsageMeter anthropic(providers::WireFormat::anthropic, true);
  anthropic.observe("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"12345678\"}}\n\n");
  EXPECT_EQ(anthropic.usage().output, 2);

  // A reported usage replaces any estimate; a complete body is never estimated.
  stream.observe("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":9}}\n\n");
  EXPECT_TRUE(stream.usage().reported);
  EXPECT_FALSE(stream.usage().estimated);
  EXPECT_EQ(stream.usage().output, 9);
  providers::UsageMeter body(providers::WireFormat::openai);
  body.observe(R"({"choices":[{"message":{"content":"no usage here"}}]})");
  EXPECT_FALSE(body.usage().reported);
  EXPECT_FALSE(body.usage().estimated);
}
