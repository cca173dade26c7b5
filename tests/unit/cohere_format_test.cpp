#include "llm/cohere_format.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "http/sse.hpp"

using namespace torii::llm;
namespace json = boost::json;

// Cohere v2 Chat, in the shapes of Cohere's API reference (docs.cohere.com/v2/reference/chat
// and chat-stream).
namespace {
json::object parse(std::string_view s) { return json::parse(s).as_object(); }

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

json::value delta_of(const std::string& data) { return json::parse(data).at("choices").at(0).at("delta"); }
}  // namespace

TEST(OpenAIToCohere, MessagesToolsAndParameters) {
  std::string error;
  auto out = openai_to_cohere_request(parse(R"({
    "model":"alias","max_completion_tokens":50,"temperature":0.3,"top_p":0.8,"seed":7,"stop":"END","stream":true,
    "messages":[
      {"role":"developer","content":"Be brief."},
      {"role":"user","content":[{"type":"text","text":"Weather in "},{"type":"text","text":"Paris?"}]},
      {"role":"assistant","content":"Checking.","tool_calls":[{"id":"c1","type":"function",
          "function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
      {"role":"tool","tool_call_id":"c1","content":"Sunny"}],
    "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}],
    "tool_choice":"required"})"),
                                      "command-r-plus", error);
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_EQ(out.at("model").as_string(), "command-r-plus");
  const auto& m = out.at("messages").as_array();
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(json::serialize(m[0]), R"({"role":"system","content":"Be brief."})");
  EXPECT_EQ(json::serialize(m[1].at("content")),
            R"([{"type":"text","text":"Weather in "},{"type":"text","text":"Paris?"}])");
  EXPECT_EQ(m[2].at("tool_plan").as_string(), "Checking.");
  EXPECT_EQ(m[2].at("tool_calls").at(0).at("id").as_string(), "c1");
  EXPECT_FALSE(m[2].as_object().contains("content"));
  EXPECT_EQ(json::serialize(m[3]), R"({"role":"tool","tool_call_id":"c1","content":"Sunny"})");
  EXPECT_EQ(out.at("max_tokens").as_int64(), 50);
  EXPECT_EQ(out.at("p").as_double(), 0.8);
  EXPECT_EQ(out.at("seed").as_int64(), 7);
  EXPECT_EQ(json::serialize(out.at("stop_sequences")), R"(["END"])");
  EXPECT_TRUE(out.at("stream").as_bool());
  EXPECT_EQ(out.at("tool_choice").as_string(), "REQUIRED");
  EXPECT_EQ(out.at("tools").at(0).at("function").at("name").as_string(), "get_weather");
}

TEST(OpenAIToCohere, StructuredOutputAndReasoning) {
  std::string error;
  auto out = openai_to_cohere_request(parse(R"({"messages":[{"role":"user","content":"x"}],
      "response_format":{"type":"json_schema","json_schema":{"name":"r","schema":{"type":"object","required":["a"]}}},
      "reasoning_effort":"high"})"),
                                      "command-a-reasoning", error);
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_EQ(json::serialize(out.at("response_format")),
            R"({"type":"json_object","json_schema":{"type":"object","required":["a"]}})");
  EXPECT_EQ(json::serialize(out.at("thinking")), R"({"type":"enabled","token_budget":16384})");
  out = openai_to_cohere_request(
      parse(R"({"messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"},"reasoning_effort":"none"})"),
      "m", error);
  EXPECT_EQ(json::serialize(out.at("response_format")), R"({"type":"json_object"})");
  EXPECT_EQ(json::serialize(out.at("thinking")), R"({"type":"disabled"})");
}

TEST(OpenAIToCohere, RefusesWhatCohereCannotAnswer) {
  std::string error;
  openai_to_cohere_request(parse(R"({"n":2,"messages":[{"role":"user","content":"x"}]})"), "m", error);
  EXPECT_NE(error.find("n:"), std::string::npos) << error;
  error.clear();
  openai_to_cohere_request(parse(R"({"logprobs":true,"messages":[{"role":"user","content":"x"}]})"), "m", error);
  EXPECT_NE(error.find("logprobs"), std::string::npos) << error;
  error.clear();
  openai_to_cohere_request(parse(R"({"top_logprobs":2,"messages":[{"role":"user","content":"x"}]})"), "m", error);
  EXPECT_NE(error.find("logprobs"), std::string::npos) << error;
  error.clear();
  openai_to_cohere_request(parse(R"({"messages":[{"role":"narrator","content":"x"}]})"), "m", error);
  EXPECT_NE(error.find("narrator"), std::string::npos) << error;
  error.clear();
  openai_to_cohere_request(parse(R"({"messages":["not an object"]})"), "m", error);
  EXPECT_FALSE(error.empty());
}

TEST(CohereToOpenAI, TextToolCallsThinkingAndUsage) {
  auto out = cohere_to_openai_response(parse(R"({"id":"c14c80c3","finish_reason":"COMPLETE",
      "message":{"role":"assistant","content":[{"type":"thinking","thinking":"Short."},{"type":"text","text":"Hi!"}]},
      "usage":{"billed_units":{"input_tokens":17,"output_tokens":12},"tokens":{"input_tokens":215,"output_tokens":12},
               "cached_tokens":200}})"),
                                       "command-a");
  EXPECT_EQ(out.at("id").as_string(), "c14c80c3");
  EXPECT_EQ(out.at("model").as_string(), "command-a");
  const auto& choice = out.at("choices").at(0).as_object();
  EXPECT_EQ(choice.at("finish_reason").as_string(), "stop");
  EXPECT_EQ(choice.at("message").at("content").as_string(), "Hi!");
  EXPECT_EQ(choice.at("message").at("reasoning_content").as_string(), "Short.");
  // The raw token counts (what the model saw), with the cached part as OpenAI reports it.
  EXPECT_EQ(json::serialize(out.at("usage")),
            R"({"prompt_tokens":215,"completion_tokens":12,"total_tokens":227,"prompt_tokens_details":{"cached_tokens":200}})");

  auto calls = cohere_to_openai_response(parse(R"({"id":"x","finish_reason":"TOOL_CALL",
      "message":{"role":"assistant","tool_plan":"I will look it up.","tool_calls":[{"id":"get_weather_1byjy32y4hvq",
        "type":"function","function":{"name":"get_weather","arguments":"{\"location\":\"Toronto\"}"}}]},
      "usage":{"billed_units":{"input_tokens":37,"output_tokens":16}}})"),
                                         "m");
  const auto& c = calls.at("choices").at(0).as_object();
  EXPECT_EQ(c.at("finish_reason").as_string(), "tool_calls");
  EXPECT_TRUE(c.at("message").at("content").is_null());
  EXPECT_EQ(c.at("message").at("tool_calls").at(0).at("function").at("arguments").as_string(), R"({"location":"Toronto"})");
  EXPECT_EQ(calls.at("usage").at("prompt_tokens").as_int64(), 37);  // billed units when tokens are absent

  EXPECT_EQ(openai_finish_from_cohere("MAX_TOKENS"), "length");
  EXPECT_EQ(openai_finish_from_cohere("STOP_SEQUENCE"), "stop");
  EXPECT_EQ(openai_finish_from_cohere("TOOL_CALL"), "tool_calls");
}

TEST(CohereStream, TextThinkingToolsUsageAndDone) {
  CohereToOpenAIStream s("m", true);
  std::string out, error;
  auto feed = [&](std::string_view event, std::string_view data) { ASSERT_TRUE(s.feed(event, data, out, error)) << error; };
  feed("message-start", R"({"id":"29f14a5a","type":"message-start","delta":{"message":{"role":"assistant","content":[],"tool_plan":"","tool_calls":[],"citations":[]}}})");
  feed("content-start", R"({"type":"content-start","index":0,"delta":{"message":{"content":{"type":"thinking","thinking":""}}}})");
  feed("content-delta", R"({"type":"content-delta","index":0,"delta":{"message":{"content":{"thinking":"Hm."}}}})");
  feed("content-delta", R"({"type":"content-delta","index":1,"delta":{"message":{"content":{"text":"Hello"}}}})");
  feed("tool-plan-delta", R"({"type":"tool-plan-delta","delta":{"message":{"tool_plan":"I will"}}})");
  feed("tool-call-start", R"({"type":"tool-call-start","index":0,"delta":{"message":{"tool_calls":{"id":"get_weather_x","type":"function","function":{"name":"get_weather","arguments":""}}}}})");
  feed("tool-call-delta", R"({"type":"tool-call-delta","index":0,"delta":{"message":{"tool_calls":{"function":{"arguments":"{\"a\":1}"}}}}})");
  feed("tool-call-end", R"({"type":"tool-call-end","index":0})");
  EXPECT_FALSE(s.finished());
  feed("message-end", R"({"type":"message-end","delta":{"finish_reason":"TOOL_CALL","usage":{"billed_units":{"input_tokens":3,"output_tokens":5},"tokens":{"input_tokens":9,"output_tokens":5}}}})");
  EXPECT_TRUE(s.finished());
  auto data = data_of(out);
  ASSERT_EQ(data.size(), 8u);
  EXPECT_EQ(json::parse(data[0]).at("id").as_string(), "29f14a5a");
  EXPECT_EQ(json::serialize(delta_of(data[0])), R"({"role":"assistant","content":""})");
  EXPECT_EQ(json::serialize(delta_of(data[1])), R"({"reasoning_content":"Hm."})");
  EXPECT_EQ(json::serialize(delta_of(data[2])), R"({"content":"Hello"})");
  EXPECT_EQ(json::serialize(delta_of(data[3])),
            R"({"tool_calls":[{"index":0,"id":"get_weather_x","type":"function","function":{"arguments":"","name":"get_weather"}}]})");
  EXPECT_EQ(json::serialize(delta_of(data[4])), R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":1}"}}]})");
  EXPECT_EQ(json::parse(data[5]).at("choices").at(0).at("finish_reason").as_string(), "tool_calls");
  EXPECT_EQ(json::parse(data[6]).at("usage").at("prompt_tokens").as_int64(), 9);
  EXPECT_EQ(data[7], "[DONE]");
}

TEST(CohereStream, ErrorEndAndBadJsonFailTheStream) {
  {
    CohereToOpenAIStream s("m", false);
    std::string out, error;
    ASSERT_TRUE(s.feed("message-start", R"({"type":"message-start","id":"x"})", out, error));
    EXPECT_FALSE(s.feed("message-end", R"({"type":"message-end","delta":{"finish_reason":"ERROR","error":"overloaded"}})",
                        out, error));
    EXPECT_EQ(error, "overloaded");
    EXPECT_FALSE(s.finished());
  }
  {
    CohereToOpenAIStream s("m", false);
    std::string out, error;
    EXPECT_FALSE(s.feed("content-delta", "{not json", out, error));
    EXPECT_NE(error.find("content-delta"), std::string::npos) << error;
  }
  {
    // Without usage asked for: finish chunk, then [DONE], and no usage chunk.
    CohereToOpenAIStream s("m", false);
    std::string out, error;
    ASSERT_TRUE(s.feed("message-start", R"({"type":"message-start","id":"x"})", out, error));
    ASSERT_TRUE(s.feed("message-end", R"({"type":"message-end","delta":{"finish_reason":"MAX_TOKENS"}})", out, error));
    auto data = data_of(out);
    ASSERT_EQ(data.size(), 3u);
    EXPECT_EQ(json::parse(data[1]).at("choices").at(0).at("finish_reason").as_string(), "length");
    EXPECT_EQ(data[2], "[DONE]");
  }
}
