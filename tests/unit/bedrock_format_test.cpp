#include "llm/bedrock_format.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "http/sse.hpp"

using namespace torii::llm;
namespace json = boost::json;

namespace {
json::object parse(std::string_view s) { return json::parse(s).as_object(); }

// The data payloads of "data: ..." SSE text, in order.
std::vector<std::string> data_of(const std::string& text) {
  torii::http::SseSplitter splitter;
  splitter.feed(text);
  std::vector<std::string> out;
  std::string raw;
  while (splitter.next(raw)) {
    torii::http::SseEvent ev;
    if (torii::http::parse_sse_event(raw, ev)) out.push_back(ev.data);
  }
  return out;
}
}  // namespace

TEST(OpenAIToConverse, MessagesSystemImagesToolsAndMerging) {
  auto in = parse(R"({
    "model":"alias","max_completion_tokens":300,"temperature":0.2,"top_p":0.9,"stop":"END",
    "messages":[
      {"role":"system","content":"Be brief."},
      {"role":"developer","content":[{"type":"text","text":"Use metric."}]},
      {"role":"user","content":"Weather?"},
      {"role":"user","content":[{"type":"text","text":"In Paris."},
                                {"type":"image_url","image_url":{"url":"data:image/jpg;base64,AAAA"}}]},
      {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
          "function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
      {"role":"tool","tool_call_id":"call_1","content":"Sunny"},
      {"role":"tool","tool_call_id":"call_2","content":"{\"temp\":21}"},
      {"role":"user","content":"Thanks"}
    ],
    "tools":[{"type":"function","function":{"name":"get_weather","description":"d",
        "parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
    "tool_choice":"required"})");
  std::string error;
  auto out = openai_to_converse_request(in, error);
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_FALSE(out.contains("model"));
  EXPECT_EQ(json::serialize(out.at("system")), R"([{"text":"Be brief."},{"text":"Use metric."}])");
  const auto& inf = out.at("inferenceConfig").as_object();
  EXPECT_EQ(inf.at("maxTokens").as_int64(), 300);
  EXPECT_DOUBLE_EQ(inf.at("temperature").as_double(), 0.2);
  EXPECT_DOUBLE_EQ(inf.at("topP").as_double(), 0.9);
  EXPECT_EQ(json::serialize(inf.at("stopSequences")), R"(["END"])");

  const auto& msgs = out.at("messages").as_array();
  ASSERT_EQ(msgs.size(), 3u);  // user turns merged; tool results and the next user turn merged
  EXPECT_EQ(json::serialize(msgs[0]),
            R"({"role":"user","content":[{"text":"Weather?"},{"text":"In Paris."},)"
            R"({"image":{"format":"jpeg","source":{"bytes":"AAAA"}}}]})");
  EXPECT_EQ(json::serialize(msgs[1]),
            R"({"role":"assistant","content":[{"toolUse":{"toolUseId":"call_1","name":"get_weather",)"
            R"("input":{"city":"Paris"}}}]})");
  const auto& last = msgs[2].as_object();
  EXPECT_EQ(last.at("role").as_string(), "user");
  const auto& blocks = last.at("content").as_array();
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(json::serialize(blocks[0]),
            R"({"toolResult":{"toolUseId":"call_1","content":[{"text":"Sunny"}]}})");
  EXPECT_EQ(json::serialize(blocks[1].at("toolResult").at("content")), R"([{"json":{"temp":21}}])");
  EXPECT_EQ(json::serialize(blocks[2]), R"({"text":"Thanks"})");

  const auto& tc = out.at("toolConfig").as_object();
  EXPECT_EQ(json::serialize(tc.at("tools")),
            R"([{"toolSpec":{"name":"get_weather","description":"d","inputSchema":{"json":)"
            R"({"type":"object","properties":{"city":{"type":"string"}}}}}}])");
  EXPECT_EQ(json::serialize(tc.at("toolChoice")), R"({"any":{}})");
}

TEST(OpenAIToConverse, ToolChoices) {
  auto with = [](std::string_view choice) {
    std::string error;
    auto in = parse(std::string(R"({"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function",)") +
                    R"("function":{"name":"f"}}],"tool_choice":)" + std::string(choice) + "}");
    return openai_to_converse_request(in, error);
  };
  EXPECT_EQ(json::serialize(with(R"("auto")").at("toolConfig").at("toolChoice")), R"({"auto":{}})");
  EXPECT_EQ(json::serialize(with(R"({"type":"function","function":{"name":"f"}})").at("toolConfig").at("toolChoice")),
            R"({"tool":{"name":"f"}})");
  EXPECT_FALSE(with(R"("none")").contains("toolConfig"));
  // No parameters: Converse still needs a schema.
  EXPECT_EQ(json::serialize(with(R"("auto")").at("toolConfig").at("tools").at(0).at("toolSpec").at("inputSchema")),
            R"({"json":{"type":"object","properties":{}}})");
}

TEST(OpenAIToConverse, RefusesWhatConverseCannotCarry) {
  std::string error;
  openai_to_converse_request(
      parse(R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]})"),
      error);
  EXPECT_NE(error.find("data URL"), std::string::npos) << error;
  error.clear();
  openai_to_converse_request(
      parse(R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/bmp;base64,AA"}}]}]})"),
      error);
  EXPECT_NE(error.find("image/bmp"), std::string::npos) << error;
  error.clear();
  openai_to_converse_request(parse(R"({"messages":[{"role":"narrator","content":"x"}]})"), error);
  EXPECT_FALSE(error.empty());
  error.clear();
  openai_to_converse_request(parse(R"({"n":2,"messages":[{"role":"user","content":"x"}]})"), error);
  EXPECT_FALSE(error.empty());
}

TEST(ConverseToOpenAI, TextToolsStopReasonsAndUsage) {
  auto in = parse(R"({"output":{"message":{"role":"assistant","content":[
      {"text":"Let me check. "},{"text":"One moment."},
      {"toolUse":{"toolUseId":"tooluse_1","name":"get_weather","input":{"city":"Paris"}}}]}},
    "stopReason":"tool_use",
    "usage":{"inputTokens":10,"outputTokens":5,"totalTokens":19,"cacheReadInputTokens":4},
    "metrics":{"latencyMs":3}})");
  auto out = converse_to_openai_response(in, "anthropic.claude-v2", "chatcmpl-req_1");
  EXPECT_EQ(out.at("id").as_string(), "chatcmpl-req_1");
  EXPECT_EQ(out.at("object").as_string(), "chat.completion");
  EXPECT_EQ(out.at("model").as_string(), "anthropic.claude-v2");
  const auto& choice = out.at("choices").at(0).as_object();
  EXPECT_EQ(choice.at("finish_reason").as_string(), "tool_calls");
  const auto& msg = choice.at("message").as_object();
  EXPECT_EQ(msg.at("content").as_string(), "Let me check. One moment.");
  const auto& call = msg.at("tool_calls").at(0).as_object();
  EXPECT_EQ(call.at("id").as_string(), "tooluse_1");
  EXPECT_EQ(call.at("type").as_string(), "function");
  EXPECT_EQ(call.at("function").at("name").as_string(), "get_weather");
  EXPECT_EQ(call.at("function").at("arguments").as_string(), R"({"city":"Paris"})");
  EXPECT_EQ(json::serialize(out.at("usage")),
            R"({"prompt_tokens":14,"completion_tokens":5,"total_tokens":19,"prompt_tokens_details":{"cached_tokens":4}})");

  EXPECT_EQ(openai_finish_from_converse("end_turn"), "stop");
  EXPECT_EQ(openai_finish_from_converse("stop_sequence"), "stop");
  EXPECT_EQ(openai_finish_from_converse("max_tokens"), "length");
  EXPECT_EQ(openai_finish_from_converse("guardrail_intervened"), "content_filter");
  EXPECT_EQ(openai_finish_from_converse("content_filtered"), "content_filter");

  auto only_tools = converse_to_openai_response(
      parse(R"({"output":{"message":{"content":[{"toolUse":{"toolUseId":"t","name":"f","input":{}}}]}},"stopReason":"tool_use"})"),
      "m", "id");
  EXPECT_TRUE(only_tools.at("choices").at(0).at("message").at("content").is_null());
}

TEST(ConverseStream, TextAndToolsBecomeOpenAIChunks) {
  ConverseToOpenAIStream s("m", true, "chatcmpl-x");
  std::string out, error;
  ASSERT_TRUE(s.feed("messageStart", R"({"role":"assistant","p":"abc"})", out, error));
  ASSERT_TRUE(s.feed("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"Hi"},"p":"x"})", out, error));
  ASSERT_TRUE(s.feed("contentBlockStop", R"({"contentBlockIndex":0})", out, error));
  ASSERT_TRUE(s.feed("contentBlockStart",
                     R"({"contentBlockIndex":1,"start":{"toolUse":{"toolUseId":"tooluse_9","name":"f"}}})", out, error));
  ASSERT_TRUE(s.feed("contentBlockDelta", R"({"contentBlockIndex":1,"delta":{"toolUse":{"input":"{\"a\":"}}})", out,
                     error));
  ASSERT_TRUE(s.feed("contentBlockDelta", R"({"contentBlockIndex":1,"delta":{"toolUse":{"input":"1}"}}})", out, error));
  ASSERT_TRUE(s.feed("contentBlockStop", R"({"contentBlockIndex":1})", out, error));
  ASSERT_TRUE(s.feed("messageStop", R"({"stopReason":"tool_use"})", out, error));
  EXPECT_FALSE(s.done());
  ASSERT_TRUE(s.feed("metadata", R"({"usage":{"inputTokens":3,"outputTokens":7,"totalTokens":10},"metrics":{}})", out,
                     error));
  EXPECT_TRUE(s.done());

  auto data = data_of(out);
  ASSERT_EQ(data.size(), 8u);
  auto delta = [&](size_t i) { return json::parse(data[i]).at("choices").at(0).at("delta"); };
  EXPECT_EQ(json::serialize(delta(0)), R"({"role":"assistant","content":""})");
  EXPECT_EQ(json::parse(data[0]).at("id").as_string(), "chatcmpl-x");
  EXPECT_EQ(json::serialize(delta(1)), R"({"content":"Hi"})");
  EXPECT_EQ(json::serialize(delta(2)),
            R"({"tool_calls":[{"index":0,"id":"tooluse_9","type":"function","function":{"name":"f","arguments":""}}]})");
  EXPECT_EQ(json::serialize(delta(3)), R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":"}}]})");
  EXPECT_EQ(json::serialize(delta(4)), R"({"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]})");
  EXPECT_EQ(json::parse(data[5]).at("choices").at(0).at("finish_reason").as_string(), "tool_calls");
  auto usage = json::parse(data[6]);
  EXPECT_TRUE(usage.at("choices").as_array().empty());
  EXPECT_EQ(usage.at("usage").at("completion_tokens").as_int64(), 7);
  EXPECT_EQ(usage.at("usage").at("total_tokens").as_int64(), 10);
  EXPECT_EQ(data[7], "[DONE]");
}

TEST(ConverseStream, EndsWithoutUsageAndFlagsTruncation) {
  {
    ConverseToOpenAIStream s("m", false, "id");
    std::string out, error;
    ASSERT_TRUE(s.feed("messageStart", R"({"role":"assistant"})", out, error));
    ASSERT_TRUE(s.feed("messageStop", R"({"stopReason":"max_tokens"})", out, error));
    ASSERT_TRUE(s.feed("metadata", R"({"usage":{"inputTokens":1,"outputTokens":1}})", out, error));
    auto data = data_of(out);
    ASSERT_EQ(data.size(), 3u);  // no usage chunk unless asked
    EXPECT_EQ(json::parse(data[1]).at("choices").at(0).at("finish_reason").as_string(), "length");
    EXPECT_EQ(data[2], "[DONE]");
  }
  {
    ConverseToOpenAIStream s("m", false, "id");
    std::string out, error;
    ASSERT_TRUE(s.feed("messageStart", R"({"role":"assistant"})", out, error));
    ASSERT_TRUE(s.feed("messageStop", R"({"stopReason":"end_turn"})", out, error));
    out.clear();
    ASSERT_TRUE(s.finish(out, error));  // metadata never came: closed anyway
    EXPECT_EQ(out, "data: [DONE]\n\n");
  }
  {
    ConverseToOpenAIStream s("m", false, "id");
    std::string out, error;
    ASSERT_TRUE(s.feed("messageStart", R"({"role":"assistant"})", out, error));
    EXPECT_FALSE(s.finish(out, error));
    EXPECT_FALSE(error.empty());
    EXPECT_FALSE(s.feed("contentBlockDelta", R"({"delta":{"text":"cut)", out, error));
  }
  EXPECT_EQ(converse_exception_status("throttlingException"), 429);
  EXPECT_EQ(converse_exception_status("serviceUnavailableException"), 503);
  EXPECT_EQ(converse_exception_status("modelStreamErrorException"), 502);
}

TEST(OpenAIToConverse, StructuredOutputIsOneForcedTool) {
  std::string error;
  auto req = parse(R"({"messages":[{"role":"user","content":"Weather?"}],
    "response_format":{"type":"json_schema","json_schema":{"name":"weather_report","strict":true,
      "schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}})");
  auto out = openai_to_converse_request(req, error, "anthropic.claude-3-haiku");
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_EQ(converse_structured_tool(req), "weather_report");
  const auto& cfg = out.at("toolConfig").as_object();
  ASSERT_EQ(cfg.at("tools").as_array().size(), 1u);
  const auto& spec = cfg.at("tools").at(0).at("toolSpec").as_object();
  EXPECT_EQ(spec.at("name").as_string(), "weather_report");
  EXPECT_EQ(json::serialize(spec.at("inputSchema").at("json")),
            R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})");
  EXPECT_EQ(json::serialize(cfg.at("toolChoice")), R"({"tool":{"name":"weather_report"}})");

  // JSON mode: any object; a schema name Bedrock would refuse gets a fixed one.
  auto mode = parse(R"({"messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"}})");
  out = openai_to_converse_request(mode, error);
  EXPECT_EQ(converse_structured_tool(mode), "json_answer");
  EXPECT_EQ(json::serialize(out.at("toolConfig").at("tools").at(0).at("toolSpec").at("inputSchema")),
            R"({"json":{"type":"object"}})");
  EXPECT_EQ(converse_structured_tool(parse(
                R"({"response_format":{"type":"json_schema","json_schema":{"name":"has space","schema":{}}}})")),
            "json_answer");
  EXPECT_EQ(converse_structured_tool(parse(R"({"response_format":{"type":"text"}})")), "");

  // With tools of its own the forced call cannot be made: refused.
  error.clear();
  openai_to_converse_request(parse(R"({"messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"},
      "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]})"),
                             error);
  EXPECT_NE(error.find("response_format"), std::string::npos) << error;
}

TEST(ConverseToOpenAI, StructuredToolCallBecomesTheAnswer) {
  auto in = parse(R"({"output":{"message":{"role":"assistant","content":[
      {"toolUse":{"toolUseId":"tooluse_1","name":"weather_report","input":{"city":"Paris"}}}]}},
    "stopReason":"tool_use","usage":{"inputTokens":3,"outputTokens":4,"totalTokens":7}})");
  auto out = converse_to_openai_response(in, "m", "id", "weather_report");
  const auto& choice = out.at("choices").at(0).as_object();
  EXPECT_EQ(choice.at("finish_reason").as_string(), "stop");
  EXPECT_EQ(choice.at("message").at("content").as_string(), R"({"city":"Paris"})");
  EXPECT_FALSE(choice.at("message").as_object().contains("tool_calls"));
  // Without the structured tool named, the same answer is a tool call.
  auto plain = converse_to_openai_response(in, "m", "id");
  EXPECT_EQ(plain.at("choices").at(0).at("finish_reason").as_string(), "tool_calls");
}

TEST(ConverseStream, StructuredToolInputStreamsAsText) {
  ConverseToOpenAIStream s("m", false, "id", "json_answer");
  std::string out, error;
  ASSERT_TRUE(s.feed("messageStart", R"({"role":"assistant"})", out, error));
  ASSERT_TRUE(s.feed("contentBlockStart",
                     R"({"contentBlockIndex":0,"start":{"toolUse":{"toolUseId":"t1","name":"json_answer"}}})", out, error));
  ASSERT_TRUE(s.feed("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"toolUse":{"input":"{\"a\":"}}})", out, error));
  ASSERT_TRUE(s.feed("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"toolUse":{"input":"1}"}}})", out, error));
  ASSERT_TRUE(s.feed("contentBlockStop", R"({"contentBlockIndex":0})", out, error));
  ASSERT_TRUE(s.feed("messageStop", R"({"stopReason":"tool_use"})", out, error));
  ASSERT_TRUE(s.feed("metadata", R"({"usage":{"inputTokens":1,"outputTokens":1}})", out, error));
  auto data = data_of(out);
  ASSERT_EQ(data.size(), 5u);
  auto delta = [&](size_t i) { return json::parse(data[i]).at("choices").at(0).at("delta"); };
  EXPECT_EQ(json::serialize(delta(1)), R"({"content":"{\"a\":"})");
  EXPECT_EQ(json::serialize(delta(2)), R"({"content":"1}"})");
  EXPECT_EQ(json::parse(data[3]).at("choices").at(0).at("finish_reason").as_string(), "stop");
  EXPECT_EQ(data[4], "[DONE]");
}

TEST(OpenAIToConverse, ReasoningEffortIsClaudeThinkingAndLogprobsAreRefused) {
  std::string error;
  auto out = openai_to_converse_request(
      parse(R"({"messages":[{"role":"user","content":"x"}],"max_tokens":100,"reasoning_effort":"low"})"), error,
      "us.anthropic.claude-sonnet-4-5-v1:0");
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_EQ(json::serialize(out.at("additionalModelRequestFields")),
            R"({"thinking":{"type":"enabled","budget_tokens":2048}})");
  EXPECT_EQ(out.at("inferenceConfig").at("maxTokens").as_int64(), 2148);
  openai_to_converse_request(parse(R"({"messages":[{"role":"user","content":"x"}],"reasoning_effort":"high"})"), error,
                             "amazon.nova-pro-v1:0");
  EXPECT_NE(error.find("reasoning_effort"), std::string::npos) << error;
  error.clear();
  openai_to_converse_request(
      parse(R"({"messages":[{"role":"user","content":"x"}],"reasoning_effort":"high","temperature":0.3})"), error,
      "anthropic.claude-3-7-sonnet");
  EXPECT_NE(error.find("temperature"), std::string::npos) << error;
  error.clear();
  out = openai_to_converse_request(
      parse(R"({"messages":[{"role":"user","content":"x"}],"reasoning_effort":"minimal"})"), error, "amazon.nova-pro-v1:0");
  EXPECT_TRUE(error.empty()) << error;
  EXPECT_FALSE(out.contains("additionalModelRequestFields"));
  openai_to_converse_request(parse(R"({"messages":[{"role":"user","content":"x"}],"logprobs":true})"), error);
  EXPECT_NE(error.find("logprobs"), std::string::npos) << error;
}

TEST(ConverseToOpenAI, ReasoningContentBecomesReasoningContent) {
  auto out = converse_to_openai_response(
      parse(R"({"output":{"message":{"content":[{"reasoningContent":{"reasoningText":{"text":"Think.","signature":"s"}}},
        {"text":"Answer."}]}},"stopReason":"end_turn"})"),
      "m", "id");
  const auto& msg = out.at("choices").at(0).at("message").as_object();
  EXPECT_EQ(msg.at("reasoning_content").as_string(), "Think.");
  EXPECT_EQ(msg.at("content").as_string(), "Answer.");
  ConverseToOpenAIStream s("m", false, "id");
  std::string text, error;
  ASSERT_TRUE(s.feed("messageStart", R"({"role":"assistant"})", text, error));
  ASSERT_TRUE(s.feed("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"reasoningContent":{"text":"Hm"}}})", text,
                     error));
  auto data = data_of(text);
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(json::serialize(json::parse(data[1]).at("choices").at(0).at("delta")), R"({"reasoning_content":"Hm"})");
}
