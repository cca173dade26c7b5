// Stream translators against event sequences the providers really send:
// tools called without input, and the orders their documentation allows.
#include <gtest/gtest.h>

#include "llm/anthropic_format.hpp"
#include "llm/bedrock_format.hpp"
#include "llm/cohere_format.hpp"
#include "openai_chunk_reader.hpp"

using namespace torii::llm;
using torii::testing::assemble;
namespace json = boost::json;

TEST(AnthropicStream, ToolWithoutInputEndsWithEmptyObjectArguments) {
  // Anthropic sends no input bytes, or one empty partial_json, for a tool
  // called without input; the client must still get parseable arguments.
  for (bool empty_delta : {false, true}) {
    AnthropicToOpenAIStream s("m", false);
    std::string out, err;
    ASSERT_TRUE(s.feed("message_start", R"({"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":3}}})", out, err));
    ASSERT_TRUE(s.feed("content_block_start", R"({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_1","name":"now","input":{}}})", out, err));
    if (empty_delta)
      ASSERT_TRUE(s.feed("content_block_delta", R"({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":""}})", out, err));
    ASSERT_TRUE(s.feed("content_block_stop", R"({"type":"content_block_stop","index":0})", out, err));
    ASSERT_TRUE(s.feed("content_block_start", R"({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_2","name":"add","input":{}}})", out, err));
    ASSERT_TRUE(s.feed("content_block_delta", R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a\":1}"}})", out, err));
    ASSERT_TRUE(s.feed("content_block_stop", R"({"type":"content_block_stop","index":1})", out, err));
    ASSERT_TRUE(s.feed("message_delta", R"({"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":9}})", out, err));
    ASSERT_TRUE(s.feed("message_stop", R"({"type":"message_stop"})", out, err));
    auto a = assemble(out);
    EXPECT_EQ(a.arguments[0], "{}") << "empty_delta=" << empty_delta;
    EXPECT_EQ(a.arguments[1], "{\"a\":1}");  // a call with input is left as it came
    EXPECT_EQ(a.finish_reason, "tool_calls");
    EXPECT_TRUE(a.done);
  }
}

TEST(AnthropicStream, UnstoppedToolBlockIsClosedByTheMessageDelta) {
  AnthropicToOpenAIStream s("m", false);
  std::string out, err;
  ASSERT_TRUE(s.feed("message_start", R"({"type":"message_start","message":{"id":"msg_1"}})", out, err));
  ASSERT_TRUE(s.feed("content_block_start", R"({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"now","input":{}}})", out, err));
  ASSERT_TRUE(s.feed("message_delta", R"({"type":"message_delta","delta":{"stop_reason":"tool_use"}})", out, err));
  EXPECT_EQ(assemble(out).arguments[0], "{}");
}

TEST(AnthropicToCanonical, MidConversationSystemMessagesStayInPlace) {
  std::string error;
  auto in = json::parse(R"({"model":"m","max_tokens":9,"system":"top","messages":[
    {"role":"user","content":"first"},
    {"role":"system","content":[{"type":"text","text":"be brief"},{"type":"text","text":"and kind"}]},
    {"role":"assistant","content":"ok"},
    {"role":"system","content":"now in French"},
    {"role":"user","content":"second"}]})").as_object();
  auto out = anthropic_to_openai_request(in, error);
  ASSERT_TRUE(error.empty()) << error;
  const auto& m = out.at("messages").as_array();
  ASSERT_EQ(m.size(), 6u);
  EXPECT_EQ(json::serialize(m[0]), R"({"role":"system","content":"top"})");
  EXPECT_EQ(m[1].at("role").as_string(), "user");
  EXPECT_EQ(json::serialize(m[2]), R"({"role":"system","content":"be brief\n\nand kind"})");
  EXPECT_EQ(m[3].at("role").as_string(), "assistant");
  EXPECT_EQ(json::serialize(m[4]), R"({"role":"system","content":"now in French"})");
  EXPECT_EQ(m[5].at("role").as_string(), "user");

  auto bad = json::parse(R"({"model":"m","max_tokens":9,"messages":[{"role":"robot","content":"x"}]})").as_object();
  anthropic_to_openai_request(bad, error);
  EXPECT_NE(error.find("'robot'"), std::string::npos) << error;
}

TEST(ConverseStreamOrder, MetadataBeforeMessageStopKeepsTheFinishReason) {
  ConverseToOpenAIStream s("m", true, "chatcmpl-b");
  std::string out, error;
  ASSERT_TRUE(s.feed("messageStart", R"({"role":"assistant"})", out, error));
  ASSERT_TRUE(s.feed("contentBlockStart", R"({"contentBlockIndex":0,"start":{"toolUse":{"toolUseId":"tu","name":"now"}}})", out, error));
  ASSERT_TRUE(s.feed("contentBlockStop", R"({"contentBlockIndex":0})", out, error));
  ASSERT_TRUE(s.feed("metadata", R"({"usage":{"inputTokens":4,"outputTokens":6,"totalTokens":10}})", out, error));
  EXPECT_FALSE(s.done());  // the message has not stopped yet
  ASSERT_TRUE(s.feed("messageStop", R"({"stopReason":"tool_use"})", out, error));
  EXPECT_TRUE(s.done());
  auto a = assemble(out);
  EXPECT_EQ(a.finish_reason, "tool_calls");
  EXPECT_EQ(a.arguments[0], "{}");
  EXPECT_EQ(a.usage.at("completion_tokens").as_int64(), 6);
  EXPECT_TRUE(a.done);
}

TEST(ConverseStreamOrder, MetadataFirstThenEndWithoutStopIsTruncated) {
  ConverseToOpenAIStream s("m", false, "id");
  std::string out, error;
  ASSERT_TRUE(s.feed("messageStart", R"({"role":"assistant"})", out, error));
  ASSERT_TRUE(s.feed("metadata", R"({"usage":{"inputTokens":1,"outputTokens":1}})", out, error));
  EXPECT_FALSE(s.finish(out, error));
  EXPECT_FALSE(error.empty());
}

TEST(CohereStream, ToolWithoutArgumentsCachedTokensAndCompletion) {
  CohereToOpenAIStream s("m", true);
  std::string out, err;
  ASSERT_TRUE(s.feed("message-start", R"({"type":"message-start","id":"c1","delta":{"message":{"role":"assistant"}}})", out, err));
  ASSERT_TRUE(s.feed("tool-call-start", R"({"type":"tool-call-start","index":0,"delta":{"message":{"tool_calls":{"id":"tc","type":"function","function":{"name":"now","arguments":""}}}}})", out, err));
  ASSERT_TRUE(s.feed("tool-call-end", R"({"type":"tool-call-end","index":0})", out, err));
  EXPECT_FALSE(s.finished());
  ASSERT_TRUE(s.feed("message-end", R"({"type":"message-end","delta":{"finish_reason":"TOOL_CALL","usage":{"billed_units":{"input_tokens":20,"output_tokens":3},"tokens":{"input_tokens":30,"output_tokens":3},"cached_tokens":12}}})", out, err));
  EXPECT_TRUE(s.finished());
  auto a = assemble(out);
  EXPECT_EQ(a.arguments[0], "{}");
  EXPECT_EQ(a.finish_reason, "tool_calls");
  EXPECT_EQ(a.usage.at("prompt_tokens").as_int64(), 30);
  EXPECT_EQ(a.usage.at("prompt_tokens_details").at("cached_tokens").as_int64(), 12);
  EXPECT_TRUE(a.done);
}

TEST(CohereAnswer, CachedTokensReachTheUsage) {
  auto in = json::parse(R"({"id":"c1","finish_reason":"COMPLETE","message":{"role":"assistant","content":[{"type":"text","text":"hi"}]},
    "usage":{"billed_units":{"input_tokens":5,"output_tokens":1},"tokens":{"input_tokens":40,"output_tokens":1},"cached_tokens":32}})").as_object();
  auto out = cohere_to_openai_response(in, "m");
  EXPECT_EQ(out.at("usage").at("prompt_tokens").as_int64(), 40);
  EXPECT_EQ(out.at("usage").at("prompt_tokens_details").at("cached_tokens").as_int64(), 32);
}
