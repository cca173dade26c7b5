#include "llm/responses_format.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "http/sse.hpp"
#include "llm/usage.hpp"

using namespace torii::llm;
namespace json = boost::json;

namespace {
json::object parse(std::string_view s) { return json::parse(s).as_object(); }

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

json::array items_of(const json::object& req) {
  ResponsesRefusal r;
  json::array items = responses_input_items(req, "abc", r);
  EXPECT_FALSE(r.refused()) << r.message;
  return items;
}
}  // namespace

TEST(ResponsesInput, StringInputIsOneUserMessage) {
  auto req = parse(R"({"model":"m","input":"hello"})");
  json::array items = items_of(req);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(json::serialize(items[0]),
            R"({"id":"msg_abc00","type":"message","role":"user","content":[{"type":"input_text","text":"hello"}]})");
}

TEST(ResponsesInput, MalformedItemsAreRefusedWithTheirPath) {
  ResponsesRefusal r;
  responses_input_items(parse(R"({"input":[{"role":"user","content":"a"},{"role":"robot","content":"b"}]})"), "s", r);
  EXPECT_EQ(r.param, "input[1].role");
  r = {};
  responses_input_items(parse(R"({"input":[{"type":"function_call","name":"f"}]})"), "s", r);
  EXPECT_EQ(r.param, "input[0]");
  r = {};
  responses_input_items(parse(R"({"input":42})"), "s", r);
  EXPECT_EQ(r.param, "input");
}

TEST(ResponsesToChat, ItemsToolsAndSettings) {
  auto req = parse(R"({
    "model":"m","instructions":"Be brief.",
    "input":[
      {"role":"user","content":[{"type":"input_text","text":"Weather?"},
                                {"type":"input_image","image_url":"https://x/i.png","detail":"low"}]},
      {"type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},
      {"type":"function_call","call_id":"call_2","name":"get_time","arguments":"{}"},
      {"type":"function_call_output","call_id":"call_1","output":"sunny"},
      {"type":"function_call_output","call_id":"call_2","output":[{"type":"input_text","text":"noon"}]},
      {"type":"reasoning","id":"rs_1","summary":[]}
    ],
    "tools":[{"type":"function","name":"get_weather","description":"d","parameters":{"type":"object"},"strict":true}],
    "tool_choice":{"type":"function","name":"get_weather"},
    "text":{"format":{"type":"json_schema","name":"w","schema":{"type":"object"},"strict":true}},
    "reasoning":{"effort":"low"},"max_output_tokens":50,"temperature":0.2,"stream":true,"store":false
  })");
  ResponsesRefusal r;
  json::object chat = responses_to_chat_request(req, items_of(req), r);
  ASSERT_FALSE(r.refused()) << r.message;
  const json::array& m = chat.at("messages").as_array();
  ASSERT_EQ(m.size(), 5u);
  EXPECT_EQ(json::serialize(m[0]), R"({"role":"system","content":"Be brief."})");
  EXPECT_EQ(m[1].at("content").as_array()[1].at("image_url").at("detail"), "low");
  // Both calls ride on one assistant turn, each result on its own tool turn.
  EXPECT_EQ(m[2].at("role"), "assistant");
  ASSERT_EQ(m[2].at("tool_calls").as_array().size(), 2u);
  EXPECT_EQ(m[2].at("tool_calls").as_array()[1].at("id"), "call_2");
  EXPECT_EQ(json::serialize(m[3]), R"({"role":"tool","tool_call_id":"call_1","content":"sunny"})");
  EXPECT_EQ(m[4].at("content"), "noon");
  EXPECT_EQ(json::serialize(chat.at("tools")),
            R"([{"type":"function","function":{"name":"get_weather","description":"d","parameters":{"type":"object"},"strict":true}}])");
  EXPECT_EQ(chat.at("tool_choice").at("function").at("name"), "get_weather");
  EXPECT_EQ(json::serialize(chat.at("response_format")),
            R"({"type":"json_schema","json_schema":{"name":"w","schema":{"type":"object"},"strict":true}})");
  EXPECT_EQ(chat.at("reasoning_effort"), "low");
  EXPECT_EQ(chat.at("max_completion_tokens"), 50);
  EXPECT_EQ(chat.at("stream_options").at("include_usage"), true);
  EXPECT_FALSE(chat.contains("store"));
}

TEST(ResponsesToChat, WhatOnlyOpenAIDoesIsRefused) {
  for (const char* body : {R"({"model":"m","input":"x","tools":[{"type":"web_search"}]})",
                           R"({"model":"m","input":"x","background":true})",
                           R"({"model":"m","input":"x","truncation":"auto"})",
                           R"({"model":"m","input":"x","include":["message.output_text.logprobs"]})",
                           R"({"model":"m","input":[{"type":"item_reference","id":"msg_1"}]})",
                           R"({"model":"m","input":[{"role":"user","content":[{"type":"input_file","file_id":"f"}]}]})"}) {
    auto req = parse(body);
    ResponsesRefusal bad;
    json::array items = responses_input_items(req, "s", bad);
    ResponsesRefusal r;
    responses_to_chat_request(req, items, r);
    EXPECT_TRUE(r.refused()) << body;
    EXPECT_FALSE(r.param.empty()) << body;
  }
}

TEST(ChatToResponse, TextToolCallsUsageAndEcho) {
  auto req = parse(R"({"model":"m","input":"hi","metadata":{"k":"v"},"max_output_tokens":9})");
  auto chat = parse(R"({"id":"c","model":"claude-x","choices":[{"index":0,"finish_reason":"tool_calls","message":{
    "role":"assistant","content":"Let me look.","tool_calls":[{"id":"call_9","type":"function",
    "function":{"name":"lookup","arguments":"{\"q\":1}"}}]}}],
    "usage":{"prompt_tokens":12,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":4}}})");
  json::object r = chat_to_response(chat, {"resp_0123", 1700000000, &req});
  EXPECT_EQ(r.at("id"), "resp_0123");
  EXPECT_EQ(r.at("object"), "response");
  EXPECT_EQ(r.at("status"), "completed");
  EXPECT_EQ(r.at("model"), "claude-x");
  EXPECT_EQ(r.at("metadata").at("k"), "v");
  EXPECT_EQ(r.at("max_output_tokens"), 9);
  const json::array& out = r.at("output").as_array();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].at("type"), "message");
  EXPECT_EQ(out[0].at("content").as_array()[0].at("text"), "Let me look.");
  EXPECT_EQ(json::serialize(out[1]),
            R"({"id":"fc_012301","type":"function_call","status":"completed","arguments":"{\"q\":1}","call_id":"call_9","name":"lookup"})");
  EXPECT_EQ(json::serialize(r.at("usage")),
            R"({"input_tokens":12,"input_tokens_details":{"cached_tokens":4},"output_tokens":5,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":17})");
  // The usage reads back the same as the chat answer's.
  Usage u = usage_from_responses(json::serialize(r.at("usage")));
  EXPECT_EQ(u, usage_from_openai(json::serialize(chat.at("usage"))));
}

TEST(ChatToResponse, CutByMaxTokensIsIncomplete) {
  auto req = parse(R"({"model":"m","input":"hi"})");
  auto chat = parse(R"({"model":"m","choices":[{"finish_reason":"length","message":{"content":"a b"}}]})");
  json::object r = chat_to_response(chat, {"resp_1", 1, &req});
  EXPECT_EQ(r.at("status"), "incomplete");
  EXPECT_EQ(r.at("incomplete_details").at("reason"), "max_output_tokens");
}

TEST(ChatToResponsesStream, EventSequenceForTextThenToolCall) {
  auto req = parse(R"({"model":"m","input":"hi","stream":true})");
  ChatToResponsesStream s({"resp_ab", 1, &req});
  std::string out;
  s.feed(R"({"model":"up-1","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})", out);
  s.feed(R"({"choices":[{"index":0,"delta":{"content":"Hel"}}]})", out);
  s.feed(R"({"choices":[{"index":0,"delta":{"content":"lo"}}]})", out);
  s.feed(R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}}]}}]})", out);
  s.feed(R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":"}}]}}]})", out);
  s.feed(R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]}}]})", out);
  s.feed(R"({"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]})", out);
  s.feed(R"({"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}})", out);
  s.feed("[DONE]", out);
  std::vector<std::string> types;
  int64_t seq = 0;
  json::object completed;
  for (const auto& ev : events_of(out)) {
    json::object data = parse(ev.data);
    EXPECT_EQ(data.at("type").as_string(), ev.event);
    EXPECT_EQ(data.at("sequence_number").as_int64(), seq++);
    types.push_back(ev.event);
    if (ev.event == "response.completed") completed = data.at("response").as_object();
  }
  const std::vector<std::string> expected = {
      "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
      "response.output_text.delta", "response.output_text.delta", "response.output_text.done",
      "response.content_part.done", "response.output_item.done", "response.output_item.added",
      "response.function_call_arguments.delta", "response.function_call_arguments.delta",
      "response.function_call_arguments.done", "response.output_item.done", "response.completed"};
  EXPECT_EQ(types, expected);
  ASSERT_FALSE(completed.empty());
  EXPECT_EQ(completed.at("model"), "up-1");
  EXPECT_EQ(completed.at("output").as_array()[0].at("content").as_array()[0].at("text"), "Hello");
  EXPECT_EQ(completed.at("output").as_array()[1].at("arguments"), "{\"a\":1}");
  EXPECT_EQ(completed.at("output").as_array()[1].at("call_id"), "call_1");
  EXPECT_EQ(completed.at("usage").at("total_tokens"), 7);
}

TEST(ChatToResponsesStream, FailureEndsWithErrorAndFailed) {
  auto req = parse(R"({"model":"m","input":"hi"})");
  ChatToResponsesStream s({"resp_ab", 1, &req});
  std::string out;
  s.feed(R"({"choices":[{"index":0,"delta":{"content":"Hel"}}]})", out);
  s.fail(torii::make_error(502, "upstream broke", "upstream_stream_error"), out);
  auto evs = events_of(out);
  ASSERT_GE(evs.size(), 2u);
  EXPECT_EQ(evs[evs.size() - 2].event, "error");
  EXPECT_EQ(parse(evs[evs.size() - 2].data).at("code"), "upstream_stream_error");
  EXPECT_EQ(evs.back().event, "response.failed");
  EXPECT_EQ(parse(evs.back().data).at("response").at("status"), "failed");
}

TEST(ResponsesForOpenAI, IdsAndUnencryptedReasoningAreTakenOut) {
  auto items = json::parse(R"([
    {"id":"msg_x","type":"message","role":"user","content":[{"type":"input_text","text":"a"}]},
    {"id":"rs_t","type":"reasoning","summary":[],"encrypted_content":"gAAA"},
    {"id":"rs_u","type":"reasoning","summary":[]},
    {"id":"msg_y","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"b","annotations":[]}]}
  ])").as_array();
  json::array out = responses_items_for_openai(items);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_FALSE(out[0].as_object().contains("id"));
  EXPECT_EQ(out[1].at("id"), "rs_t");
  EXPECT_FALSE(out[2].as_object().contains("status"));
}

TEST(ResponsesItemIds, NameTheResponseTheyBelongTo) {
  const std::string unique(48, 'a');
  EXPECT_EQ(response_id_of_item("msg_" + unique + "01"), "resp_" + unique);
  EXPECT_EQ(response_id_of_item("fco_" + unique + "0f"), "resp_" + unique);
  // OpenAI's own ids (48 digits, no index), other shapes and non-hex digits are not Torii's.
  EXPECT_EQ(response_id_of_item("msg_" + unique), "");
  EXPECT_EQ(response_id_of_item("msg_" + std::string(49, 'a') + "g"), "");
  EXPECT_EQ(response_id_of_item("nounderscore"), "");
  // Input and output items of one response share its unique part.
  torii::llm::ResponsesRefusal bad;
  auto items = responses_input_items(json::parse(R"({"input":"hi"})").as_object(), unique, bad);
  ASSERT_FALSE(bad.refused());
  EXPECT_EQ(response_id_of_item(items.at(0).at("id").as_string()), "resp_" + unique);
}
