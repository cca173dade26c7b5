#include "llm/anthropic_format.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "http/sse.hpp"

using namespace torii::llm;
namespace json = boost::json;

namespace {
json::object parse(std::string_view s) { return json::parse(s).as_object(); }

// Splits "data: ..." / "event: ..." SSE text into parsed events.
std::vector<torii::http::SseEvent> events_of(const std::string& text) {
  torii::http::SseSplitter splitter;
  splitter.feed(text);
  std::vector<torii::http::SseEvent> out;
  std::string raw;
  while (splitter.next(raw)) {
    torii::http::SseEvent ev;
    if (torii::http::parse_sse_event(raw, ev)) out.push_back(ev);
  }
  return out;
}
}  // namespace

TEST(OpenAIToAnthropic, SystemRolesToolsAndMerging) {
  auto in = parse(R"({
    "model":"alias","max_completion_tokens":300,"temperature":0.2,"stop":"END","user":"u-1",
    "messages":[
      {"role":"system","content":"Be brief."},
      {"role":"developer","content":"Use metric."},
      {"role":"user","content":"Weather?"},
      {"role":"user","content":[{"type":"text","text":"In Paris."},
                                {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]},
      {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
          "function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
      {"role":"tool","tool_call_id":"call_1","content":"Sunny"}
    ],
    "tools":[{"type":"function","function":{"name":"get_weather","description":"d",
        "parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
    "tool_choice":"required","parallel_tool_calls":false})");
  std::string error;
  auto out = openai_to_anthropic_request(in, "claude-x", 4096, error);
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_EQ(out.at("model").as_string(), "claude-x");
  EXPECT_EQ(out.at("system").as_string(), "Be brief.\n\nUse metric.");
  EXPECT_EQ(out.at("max_tokens").as_int64(), 300);
  EXPECT_EQ(out.at("stop_sequences").as_array()[0].as_string(), "END");
  EXPECT_EQ(out.at("metadata").at("user_id").as_string(), "u-1");
  const auto& msgs = out.at("messages").as_array();
  ASSERT_EQ(msgs.size(), 3u);  // the two user turns merged; the tool result is a user turn
  const auto& user = msgs[0].as_object();
  EXPECT_EQ(user.at("role").as_string(), "user");
  ASSERT_EQ(user.at("content").as_array().size(), 3u);
  const auto& image = user.at("content").as_array()[2].as_object();
  EXPECT_EQ(image.at("source").at("type").as_string(), "base64");
  EXPECT_EQ(image.at("source").at("media_type").as_string(), "image/png");
  EXPECT_EQ(image.at("source").at("data").as_string(), "AAAA");
  const auto& use = msgs[1].at("content").as_array()[0].as_object();
  EXPECT_EQ(use.at("type").as_string(), "tool_use");
  EXPECT_EQ(use.at("id").as_string(), "call_1");
  EXPECT_EQ(use.at("input").at("city").as_string(), "Paris");
  const auto& result = msgs[2].at("content").as_array()[0].as_object();
  EXPECT_EQ(result.at("type").as_string(), "tool_result");
  EXPECT_EQ(result.at("tool_use_id").as_string(), "call_1");
  EXPECT_EQ(result.at("content").as_string(), "Sunny");
  EXPECT_EQ(out.at("tools").as_array()[0].at("input_schema").at("type").as_string(), "object");
  EXPECT_EQ(out.at("tool_choice").at("type").as_string(), "any");
  EXPECT_TRUE(out.at("tool_choice").at("disable_parallel_tool_use").as_bool());
}

TEST(OpenAIToAnthropic, DefaultsMaxTokensAndKeepsCacheControl) {
  auto in = parse(R"({"messages":[
      {"role":"system","content":[{"type":"text","text":"Long context","cache_control":{"type":"ephemeral"}}]},
      {"role":"user","content":"hi"}]})");
  std::string error;
  auto out = openai_to_anthropic_request(in, "m", 1234, error);
  EXPECT_EQ(out.at("max_tokens").as_int64(), 1234);
  const auto& system = out.at("system").as_array();
  EXPECT_EQ(system[0].at("cache_control").at("type").as_string(), "ephemeral");
}

TEST(OpenAIToAnthropic, UnknownRoleIsAnError) {
  std::string error;
  openai_to_anthropic_request(parse(R"({"messages":[{"role":"wizard","content":"x"}]})"), "m", 10, error);
  EXPECT_NE(error.find("wizard"), std::string::npos);
}

TEST(AnthropicToOpenAI, ResponseWithToolUseAndCacheUsage) {
  auto msg = parse(R"({"id":"msg_1","type":"message","role":"assistant","model":"claude",
    "content":[{"type":"text","text":"Let me check."},
               {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}}],
    "stop_reason":"tool_use",
    "usage":{"input_tokens":10,"output_tokens":5,"cache_read_input_tokens":100,"cache_creation_input_tokens":20}})");
  auto out = anthropic_to_openai_response(msg, "alias");
  EXPECT_EQ(out.at("object").as_string(), "chat.completion");
  EXPECT_EQ(out.at("model").as_string(), "claude");  // the model the upstream says answered
  msg.erase("model");
  EXPECT_EQ(anthropic_to_openai_response(msg, "alias").at("model").as_string(), "alias");
  const auto& choice = out.at("choices").as_array()[0].as_object();
  EXPECT_EQ(choice.at("finish_reason").as_string(), "tool_calls");
  EXPECT_EQ(choice.at("message").at("content").as_string(), "Let me check.");
  const auto& call = choice.at("message").at("tool_calls").as_array()[0].as_object();
  EXPECT_EQ(call.at("id").as_string(), "toolu_1");
  EXPECT_EQ(call.at("function").at("name").as_string(), "get_weather");
  EXPECT_EQ(json::parse(call.at("function").at("arguments").as_string()).at("city").as_string(), "Paris");
  const auto& usage = out.at("usage").as_object();
  EXPECT_EQ(usage.at("prompt_tokens").as_int64(), 130);
  EXPECT_EQ(usage.at("completion_tokens").as_int64(), 5);
  EXPECT_EQ(usage.at("total_tokens").as_int64(), 135);
  EXPECT_EQ(usage.at("prompt_tokens_details").at("cached_tokens").as_int64(), 100);
}

TEST(AnthropicToOpenAI, StopReasons) {
  EXPECT_EQ(openai_finish_reason("end_turn"), "stop");
  EXPECT_EQ(openai_finish_reason("stop_sequence"), "stop");
  EXPECT_EQ(openai_finish_reason("max_tokens"), "length");
  EXPECT_EQ(openai_finish_reason("tool_use"), "tool_calls");
  EXPECT_EQ(anthropic_stop_reason("stop"), "end_turn");
  EXPECT_EQ(anthropic_stop_reason("length"), "max_tokens");
  EXPECT_EQ(anthropic_stop_reason("tool_calls"), "tool_use");
}

TEST(AnthropicToOpenAIStream, TextAndToolCallsInOrder) {
  AnthropicToOpenAIStream s("alias", true);
  std::string out, err;
  auto feed = [&](const char* event, const char* data) { ASSERT_TRUE(s.feed(event, data, out, err)) << err; };
  feed("message_start", R"({"type":"message_start","message":{"id":"msg_9","usage":{"input_tokens":7,"output_tokens":1}}})");
  feed("ping", R"({"type":"ping"})");
  feed("content_block_start", R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})");
  feed("content_block_delta", R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}})");
  feed("content_block_stop", R"({"type":"content_block_stop","index":0})");
  feed("content_block_start", R"({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_a","name":"f","input":{}}})");
  feed("content_block_delta", R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a\":"}})");
  feed("content_block_delta", R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"1}"}})");
  feed("content_block_stop", R"({"type":"content_block_stop","index":1})");
  feed("message_delta", R"({"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":12}})");
  feed("message_stop", R"({"type":"message_stop"})");
  EXPECT_TRUE(s.finished());

  auto evs = events_of(out);
  ASSERT_GE(evs.size(), 7u);
  EXPECT_EQ(evs.back().data, "[DONE]");
  std::string text, args;
  std::string finish;
  json::object usage;
  for (const auto& e : evs) {
    if (e.data == "[DONE]") continue;
    auto c = json::parse(e.data).as_object();
    EXPECT_EQ(c.at("model").as_string(), "alias");
    EXPECT_EQ(c.at("id").as_string(), "msg_9");
    if (c.contains("usage")) usage = c.at("usage").as_object();
    if (c.at("choices").as_array().empty()) continue;
    const auto& ch = c.at("choices").as_array()[0].as_object();
    const auto& d = ch.at("delta").as_object();
    if (auto* t = d.if_contains("content")) text += t->as_string();
    if (auto* calls = d.if_contains("tool_calls")) {
      const auto& call = calls->as_array()[0].as_object();
      EXPECT_EQ(call.at("index").as_int64(), 0);
      if (call.contains("id")) EXPECT_EQ(call.at("id").as_string(), "toolu_a");
      args += call.at("function").at("arguments").as_string();
    }
    if (!ch.at("finish_reason").is_null()) finish = ch.at("finish_reason").as_string();
  }
  EXPECT_EQ(text, "Hi");
  EXPECT_EQ(args, "{\"a\":1}");
  EXPECT_EQ(finish, "tool_calls");
  EXPECT_EQ(usage.at("prompt_tokens").as_int64(), 7);
  EXPECT_EQ(usage.at("completion_tokens").as_int64(), 12);
}

TEST(AnthropicToOpenAIStream, ErrorEventAndBadJson) {
  AnthropicToOpenAIStream s("m", false);
  std::string out, err;
  EXPECT_FALSE(s.feed("error", R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})", out, err));
  EXPECT_EQ(err, "Overloaded");
  EXPECT_FALSE(s.feed("content_block_delta", "{not json", out, err));
}

TEST(AnthropicToCanonical, RequestWithToolResultsAndImages) {
  auto in = parse(R"({"model":"workhorse","max_tokens":50,"system":[{"type":"text","text":"Sys"}],
    "stop_sequences":["X"],"stream":true,"metadata":{"user_id":"u"},
    "messages":[
      {"role":"user","content":[{"type":"text","text":"look"},
         {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"QUJD"}}]},
      {"role":"assistant","content":[{"type":"text","text":"calling"},
         {"type":"tool_use","id":"toolu_1","name":"f","input":{"x":1}}]},
      {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"42"}]}]}],
    "tools":[{"name":"f","input_schema":{"type":"object"}}],
    "tool_choice":{"type":"tool","name":"f"}})");
  std::string error;
  auto out = anthropic_to_openai_request(in, error);
  ASSERT_TRUE(error.empty()) << error;
  const auto& msgs = out.at("messages").as_array();
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_EQ(msgs[0].at("role").as_string(), "system");
  EXPECT_EQ(msgs[1].at("content").as_array()[1].at("image_url").at("url").as_string(), "data:image/jpeg;base64,QUJD");
  EXPECT_EQ(msgs[2].at("tool_calls").as_array()[0].at("id").as_string(), "toolu_1");
  EXPECT_EQ(msgs[3].at("role").as_string(), "tool");
  EXPECT_EQ(msgs[3].at("content").as_string(), "42");
  EXPECT_TRUE(out.at("stream_options").at("include_usage").as_bool());
  EXPECT_EQ(out.at("tool_choice").at("function").at("name").as_string(), "f");
  EXPECT_EQ(out.at("user").as_string(), "u");
  EXPECT_EQ(out.at("stop").as_array()[0].as_string(), "X");
}

TEST(CanonicalToAnthropic, StreamProducesTheEventSequence) {
  OpenAIToAnthropicStream s("workhorse");
  std::string out;
  s.feed(R"({"id":"chatcmpl-1","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})", out);
  s.feed(R"({"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":"Hel"}}]})", out);
  s.feed(R"({"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":"lo"}}]})", out);
  s.feed(R"({"id":"chatcmpl-1","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}}]}}]})", out);
  s.feed(R"({"id":"chatcmpl-1","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}}]})", out);
  s.feed(R"({"id":"chatcmpl-1","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]})", out);
  s.feed(R"({"id":"chatcmpl-1","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13}})", out);
  s.feed("[DONE]", out);
  auto evs = events_of(out);
  std::vector<std::string> names;
  for (const auto& e : evs) names.push_back(e.event);
  std::vector<std::string> expected = {"message_start", "ping", "content_block_start", "content_block_delta",
                                       "content_block_delta", "content_block_stop", "content_block_start",
                                       "content_block_delta", "content_block_stop", "message_delta", "message_stop"};
  EXPECT_EQ(names, expected);
  auto delta = json::parse(evs[9].data).as_object();
  EXPECT_EQ(delta.at("delta").at("stop_reason").as_string(), "tool_use");
  EXPECT_EQ(delta.at("usage").at("output_tokens").as_int64(), 4);
  auto tool_start = json::parse(evs[6].data).as_object();
  EXPECT_EQ(tool_start.at("index").as_int64(), 1);
  EXPECT_EQ(tool_start.at("content_block").at("id").as_string(), "call_1");
  auto start = json::parse(evs[0].data).as_object();
  EXPECT_EQ(start.at("message").at("model").as_string(), "workhorse");
}

TEST(CanonicalToAnthropic, ResponseMapping) {
  auto completion = parse(R"({"id":"chatcmpl-7","choices":[{"index":0,"finish_reason":"length",
    "message":{"role":"assistant","content":"partial"}}],
    "usage":{"prompt_tokens":20,"completion_tokens":3,"prompt_tokens_details":{"cached_tokens":5}}})");
  auto out = openai_to_anthropic_response(completion, "workhorse");
  EXPECT_EQ(out.at("id").as_string(), "msg_chatcmpl-7");
  EXPECT_EQ(out.at("stop_reason").as_string(), "max_tokens");
  EXPECT_EQ(out.at("content").as_array()[0].at("text").as_string(), "partial");
  EXPECT_EQ(out.at("usage").at("input_tokens").as_int64(), 15);
  EXPECT_EQ(out.at("usage").at("cache_read_input_tokens").as_int64(), 5);
}

TEST(Translation, AnswersNameTheModelTheUpstreamSaysAnswered) {
  auto completion = parse(R"({"id":"chatcmpl-7","model":"gpt-4o-2024-08-06","choices":[{"index":0,"finish_reason":"stop",
    "message":{"role":"assistant","content":"hi"}}]})");
  EXPECT_EQ(openai_to_anthropic_response(completion, "gpt-4o").at("model").as_string(), "gpt-4o-2024-08-06");

  OpenAIToAnthropicStream to_anthropic("gpt-4o");
  std::string out;
  to_anthropic.feed(R"({"id":"c1","model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"content":"x"}}]})", out);
  auto start = json::parse(events_of(out)[0].data).as_object();
  EXPECT_EQ(start.at("message").at("model").as_string(), "gpt-4o-2024-08-06");

  AnthropicToOpenAIStream to_openai("claude-sonnet-4-5", false);
  std::string chunks, err;
  ASSERT_TRUE(to_openai.feed("message_start",
                             R"({"type":"message_start","message":{"id":"msg_1","model":"claude-sonnet-4-5-20250929",
                                 "usage":{"input_tokens":1,"output_tokens":1}}})",
                             chunks, err));
  auto first = chunks.substr(chunks.find('{'), chunks.find("\n\n") - chunks.find('{'));
  EXPECT_EQ(json::parse(first).at("model").as_string(), "claude-sonnet-4-5-20250929");
}
