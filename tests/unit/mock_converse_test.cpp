// The Bedrock Converse envelope of the mock: same words, tool decisions and
// token counts as the OpenAI mock, in Bedrock's shapes.
#include "formats/mock_converse.hpp"

#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace json = boost::json;
using namespace torii::mock;

namespace {

json::object parse_object(std::string_view text) { return json::parse(text).as_object(); }

json::object user_text(std::string_view text) {
  return json::object{
      {"messages", json::array{json::object{{"role", "user"}, {"content", json::array{json::object{{"text", text}}}}}}}};
}

json::object weather_request() {
  return parse_object(R"({"messages":[{"role":"user","content":[{"text":"What is the weather in Paris?"}]}],
    "toolConfig":{"tools":[{"toolSpec":{"name":"get_weather","description":"Weather","inputSchema":{"json":
      {"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},
       "required":["city","unit"]}}}}]}})");
}

std::string openai_text(std::string_view text, int max_tokens = 0) {
  json::object req{{"messages", json::array{json::object{{"role", "user"}, {"content", text}}}}};
  if (max_tokens) req["max_tokens"] = max_tokens;
  json::object o = parse_object(chat_completion(req, "m").body);
  return std::string(o.at("choices").as_array()[0].at("message").at("content").as_string());
}

TEST(MockConverse, TextReplyMatchesTheOpenAiMock) {
  ConverseAnswer a = converse(user_text("Hello there, what is the weather like today?"), "anthropic.claude-v2:1", {}, 7);
  ASSERT_EQ(a.status, 200) << a.body;
  json::object o = parse_object(a.body);
  const auto& message = o.at("output").at("message").as_object();
  EXPECT_EQ(message.at("role").as_string(), "assistant");
  ASSERT_EQ(message.at("content").as_array().size(), 1u);
  EXPECT_EQ(message.at("content").as_array()[0].at("text").as_string(),
            openai_text("Hello there, what is the weather like today?"));
  EXPECT_EQ(o.at("stopReason").as_string(), "end_turn");
  EXPECT_EQ(o.at("usage").at("inputTokens").as_int64(), 8);
  EXPECT_EQ(o.at("usage").at("outputTokens").as_int64(), 11);
  EXPECT_EQ(o.at("usage").at("totalTokens").as_int64(), 19);
  EXPECT_EQ(o.at("metrics").at("latencyMs").as_int64(), 7);
  // Deterministic: equal requests, equal bytes.
  EXPECT_EQ(converse(user_text("Hello there, what is the weather like today?"), "anthropic.claude-v2:1", {}, 7).body,
            a.body);
}

TEST(MockConverse, MaxTokensAndReplyWords) {
  json::object req = user_text("one two three four five");
  req["inferenceConfig"] = json::object{{"maxTokens", 3}};
  json::object o = parse_object(converse(req, "m").body);
  EXPECT_EQ(o.at("stopReason").as_string(), "max_tokens");
  EXPECT_EQ(o.at("output").at("message").at("content").as_array()[0].at("text").as_string(),
            openai_text("one two three four five", 3));
  EXPECT_EQ(o.at("usage").at("outputTokens").as_int64(), 3);

  GenerateOptions gen;
  gen.reply_words = 20;
  o = parse_object(converse(user_text("hi"), "m", gen).body);
  EXPECT_EQ(o.at("usage").at("outputTokens").as_int64(), 20);
}

TEST(MockConverse, StopSequenceCutsTheReply) {
  json::object req = user_text("one two three four five");
  req["inferenceConfig"] = json::object{{"stopSequences", json::array{"four", "three"}}};
  json::object o = parse_object(converse(req, "m").body);
  EXPECT_EQ(o.at("stopReason").as_string(), "stop_sequence");
  EXPECT_EQ(o.at("output").at("message").at("content").as_array()[0].at("text").as_string(), "Mock reply to: one two ");
  EXPECT_EQ(o.at("usage").at("outputTokens").as_int64(), 5);
}

TEST(MockConverse, ToolUseFollowsTheOpenAiRule) {
  json::object o = parse_object(converse(weather_request(), "m").body);
  EXPECT_EQ(o.at("stopReason").as_string(), "tool_use");
  const auto& use = o.at("output").at("message").at("content").as_array()[0].at("toolUse").as_object();
  EXPECT_TRUE(use.at("toolUseId").as_string().starts_with("tooluse_mock_"));
  EXPECT_EQ(use.at("name").as_string(), "get_weather");
  EXPECT_EQ(use.at("input"), json::parse(R"({"city":"mock_city","unit":"celsius"})"));

  json::object none = weather_request();
  none["toolConfig"].as_object()["toolChoice"] = json::object{{"tool", json::object{{"name", "get_weather"}}}};
  EXPECT_EQ(parse_object(converse(none, "m").body).at("stopReason").as_string(), "tool_use");
}

TEST(MockConverse, ToolResultGetsATextReply) {
  json::object req = parse_object(R"({"messages":[
    {"role":"user","content":[{"text":"What is the weather in Paris?"}]},
    {"role":"assistant","content":[{"text":"Let me check."},{"toolUse":{"toolUseId":"t1","name":"get_weather","input":{"city":"Paris"}}}]},
    {"role":"user","content":[{"toolResult":{"toolUseId":"t1","content":[{"json":{"temp":21}},{"text":"sunny"}],"status":"success"}}]}],
    "system":[{"text":"Be brief."}],
    "toolConfig":{"tools":[{"toolSpec":{"name":"get_weather","inputSchema":{"json":{"type":"object"}}}}]}})");
  ConverseAnswer a = converse(req, "m");
  ASSERT_EQ(a.status, 200) << a.body;
  json::object o = parse_object(a.body);
  EXPECT_EQ(o.at("stopReason").as_string(), "end_turn");
  EXPECT_EQ(o.at("output").at("message").at("content").as_array()[0].at("text").as_string(),
            "Mock reply to tool result: {\"temp\":21} sunny");
  // system 2 + user 6 + assistant 3 + arguments 1 + tool result 2
  EXPECT_EQ(o.at("usage").at("inputTokens").as_int64(), 14);
}

TEST(MockConverse, StreamEventsCarryTheSameAnswer) {
  ConverseStreamAnswer s = converse_stream(user_text("Hello there"), "m", {}, 3);
  ASSERT_EQ(s.error.status, 200);
  std::vector<std::string> types;
  std::string text;
  for (const auto& e : s.events) {
    types.push_back(e.type);
    json::object p = parse_object(e.payload);
    EXPECT_TRUE(p.contains("p")) << e.payload;
    if (e.type == "contentBlockDelta") {
      EXPECT_TRUE(e.content);
      EXPECT_EQ(p.at("contentBlockIndex").as_int64(), 0);
      text += p.at("delta").at("text").as_string();
    } else {
      EXPECT_FALSE(e.content);
    }
    if (e.type == "messageStop") EXPECT_EQ(p.at("stopReason").as_string(), "end_turn");
    if (e.type == "metadata") {
      EXPECT_EQ(p.at("usage").at("totalTokens").as_int64(), 2 + 5);
      EXPECT_EQ(p.at("metrics").at("latencyMs").as_int64(), 3);
    }
  }
  EXPECT_EQ(text, openai_text("Hello there"));
  ASSERT_GE(types.size(), 5u);
  EXPECT_EQ(types.front(), "messageStart");
  EXPECT_EQ(types[types.size() - 3], "contentBlockStop");
  EXPECT_EQ(types[types.size() - 2], "messageStop");
  EXPECT_EQ(types.back(), "metadata");
}

TEST(MockConverse, StreamedToolInputReassembles) {
  ConverseStreamAnswer s = converse_stream(weather_request(), "m");
  ASSERT_EQ(s.error.status, 200);
  ASSERT_GE(s.events.size(), 6u);
  EXPECT_EQ(s.events[1].type, "contentBlockStart");
  json::object start = parse_object(s.events[1].payload);
  EXPECT_EQ(start.at("start").at("toolUse").at("name").as_string(), "get_weather");
  std::string input;
  for (const auto& e : s.events)
    if (e.type == "contentBlockDelta") input += parse_object(e.payload).at("delta").at("toolUse").at("input").as_string();
  EXPECT_EQ(json::parse(input), json::parse(R"({"city":"mock_city","unit":"celsius"})"));
}

TEST(MockConverse, InvalidRequestsAreValidationExceptions) {
  auto rejected = [](std::string_view body) {
    ConverseAnswer a = converse(parse_object(body), "m");
    EXPECT_EQ(a.status, 400) << body;
    EXPECT_EQ(a.error_type, "ValidationException") << body;
    return std::string(parse_object(a.body).at("message").as_string());
  };
  EXPECT_NE(rejected(R"({})").find("must start with a user message"), std::string::npos);
  EXPECT_NE(rejected(R"({"messages":[{"role":"assistant","content":[{"text":"x"}]}]})").find("start with a user"),
            std::string::npos);
  EXPECT_NE(rejected(R"({"messages":[{"role":"user","content":[{"text":"a"}]},{"role":"user","content":[{"text":"b"}]}]})")
                .find("alternate"),
            std::string::npos);
  EXPECT_NE(rejected(R"({"messages":[{"role":"user","content":[]}]})").find("is empty"), std::string::npos);
  EXPECT_NE(rejected(R"({"messages":[{"role":"user","content":[{"text":"a"}]}],"inferenceConfig":{"temperature":1.5}})")
                .find("Value '1.5' at 'inferenceConfig.temperature'"),
            std::string::npos);
  EXPECT_NE(rejected(R"({"messages":[{"role":"user","content":[{"text":"a"}]},{"role":"assistant","content":[{"toolUse":{"toolUseId":"t","name":"f","input":{}}}]}]})")
                .find("toolConfig field must be defined"),
            std::string::npos);
  ConverseStreamAnswer s = converse_stream(parse_object(R"({"messages":[]})"), "m");
  EXPECT_EQ(s.error.status, 400);
  EXPECT_TRUE(s.events.empty());
}

TEST(MockConverse, ErrorsForInjectedStatuses) {
  EXPECT_EQ(bedrock_error(429).type, "ThrottlingException");
  EXPECT_EQ(bedrock_error(503).type, "ServiceUnavailableException");
  EXPECT_EQ(bedrock_error(500).type, "InternalServerException");
  EXPECT_EQ(bedrock_error(424).type, "ModelErrorException");
  EXPECT_EQ(bedrock_error(400, "context_length_exceeded").message, "Input is too long for requested model.");
  EXPECT_EQ(bedrock_error(400, "ModelNotReadyException").type, "ModelNotReadyException");
  EXPECT_EQ(stream_exception_type("ThrottlingException"), "throttlingException");
  EXPECT_EQ(stream_exception_type("ModelErrorException"), "modelStreamErrorException");
  EXPECT_EQ(stream_exception_type("InternalServerException"), "internalServerException");
  json::object p = parse_object(stream_exception_payload(bedrock_error(424)));
  EXPECT_EQ(p.at("originalStatusCode").as_int64(), 424);
}

}  // namespace
