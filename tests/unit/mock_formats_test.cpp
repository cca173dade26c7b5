#include "formats/mock_formats.hpp"

#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace json = boost::json;
using namespace torii::mock;

namespace {

json::object parse_object(std::string_view text) { return json::parse(text).as_object(); }

// The OpenAI mock's answer to the equivalent chat request: the reference every
// format must agree with.
json::object openai_answer(std::string_view request) {
  Answer a = chat_completion(parse_object(request), "m");
  EXPECT_EQ(a.status, 200) << a.body;
  return parse_object(a.body);
}

constexpr std::string_view kWeatherSchema =
    R"({"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]},
        "days":{"type":"integer"}},"required":["city","unit"]})";

std::string anthropic_tools() {
  return R"("tools":[{"name":"get_weather","description":"Weather","input_schema":)" + std::string(kWeatherSchema) +
         R"(},{"name":"get_time","input_schema":{"type":"object","properties":{}}}])";
}

std::string openai_tools() {
  return R"("tools":[{"type":"function","function":{"name":"get_weather","parameters":)" + std::string(kWeatherSchema) +
         R"(}},{"type":"function","function":{"name":"get_time","parameters":{"type":"object","properties":{}}}}])";
}

struct NamedEvent {
  std::string name;
  json::object data;
};

// Splits "event: X\ndata: {...}\n\n" events, checking the framing.
std::vector<NamedEvent> named_events(const StreamAnswer& s) {
  EXPECT_EQ(s.error.status, 200) << s.error.body;
  EXPECT_EQ(s.events.size(), s.is_content.size());
  std::vector<NamedEvent> out;
  for (const auto& e : s.events) {
    EXPECT_TRUE(e.starts_with("event: ")) << e;
    EXPECT_TRUE(e.ends_with("\n\n")) << e;
    size_t nl = e.find('\n');
    EXPECT_EQ(e.compare(nl + 1, 6, "data: "), 0) << e;
    std::string name = e.substr(7, nl - 7);
    json::object data = parse_object(std::string_view(e).substr(nl + 7, e.size() - nl - 9));
    EXPECT_EQ(data.at("type").as_string(), name) << "the data's type names the event: " << e;
    out.push_back({std::move(name), std::move(data)});
  }
  return out;
}

// Gemini: "data: {...}\r\n\r\n", no end marker.
std::vector<json::object> gemini_chunks(const StreamAnswer& s) {
  EXPECT_EQ(s.error.status, 200) << s.error.body;
  std::vector<json::object> out;
  for (const auto& e : s.events) {
    EXPECT_TRUE(e.starts_with("data: ")) << e;
    EXPECT_TRUE(e.ends_with("\r\n\r\n")) << e;
    EXPECT_EQ(e.find('\n'), e.size() - 3) << "one line per event: " << e;
    out.push_back(parse_object(std::string_view(e).substr(6, e.size() - 10)));
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------- Anthropic

TEST(MockFormatsAnthropic, TextAnswerMatchesTheOpenAIAnswer) {
  auto req = parse_object(R"({"model":"claude-x","max_tokens":100,"system":"Be brief please",
    "messages":[{"role":"user","content":[{"type":"text","text":"Hello there,"},{"type":"text","text":"mock"}]}]})");
  Answer a = anthropic_messages(req);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.body, anthropic_messages(req).body);
  auto o = parse_object(a.body);
  auto ref = openai_answer(R"({"model":"m","messages":[{"role":"system","content":"Be brief please"},
    {"role":"user","content":"Hello there, mock"}]})");

  EXPECT_TRUE(o.at("id").as_string().starts_with("msg_mock_"));
  EXPECT_EQ(o.at("type").as_string(), "message");
  EXPECT_EQ(o.at("role").as_string(), "assistant");
  EXPECT_EQ(o.at("model").as_string(), "claude-x");
  const auto& content = o.at("content").as_array();
  ASSERT_EQ(content.size(), 1u);
  EXPECT_EQ(content[0].at("type").as_string(), "text");
  EXPECT_EQ(content[0].at("text"), ref.at("choices").at(0).at("message").at("content"));
  EXPECT_EQ(content[0].at("text").as_string(), "Mock reply to: Hello there, mock");
  EXPECT_EQ(o.at("stop_reason").as_string(), "end_turn");
  EXPECT_TRUE(o.at("stop_sequence").is_null());
  const auto& usage = o.at("usage").as_object();
  EXPECT_EQ(usage.at("input_tokens"), ref.at("usage").at("prompt_tokens"));
  EXPECT_EQ(usage.at("output_tokens"), ref.at("usage").at("completion_tokens"));
  EXPECT_EQ(usage.at("cache_creation_input_tokens").as_int64(), 0);
  EXPECT_EQ(usage.at("cache_read_input_tokens").as_int64(), 0);
}

TEST(MockFormatsAnthropic, MaxTokensAndStopSequences) {
  auto req = parse_object(R"({"model":"m","max_tokens":4,"messages":[{"role":"user","content":"Hello there, mock"}]})");
  auto o = parse_object(anthropic_messages(req).body);
  EXPECT_EQ(o.at("content").at(0).at("text").as_string(), "Mock reply to: Hello");
  EXPECT_EQ(o.at("stop_reason").as_string(), "max_tokens");
  EXPECT_EQ(o.at("usage").at("output_tokens").as_int64(), 4);

  req["max_tokens"] = 100;
  req["stop_sequences"] = json::array{"zzz", "there"};
  o = parse_object(anthropic_messages(req).body);
  EXPECT_EQ(o.at("content").at(0).at("text").as_string(), "Mock reply to: Hello ");
  EXPECT_EQ(o.at("stop_reason").as_string(), "stop_sequence");
  EXPECT_EQ(o.at("stop_sequence").as_string(), "there");
  EXPECT_EQ(o.at("usage").at("output_tokens").as_int64(), 4);
}

TEST(MockFormatsAnthropic, ToolUseFollowsTheOpenAIToolRule) {
  std::string user = R"("messages":[{"role":"user","content":"What is the weather in Paris?"}])";
  auto o = parse_object(anthropic_messages(parse_object(R"({"model":"m","max_tokens":100,)" + anthropic_tools() + "," + user + "}")).body);
  auto ref = openai_answer(R"({"model":"m",)" + openai_tools() + "," + user + "}");
  const auto& call = ref.at("choices").at(0).at("message").at("tool_calls").at(0).at("function");

  EXPECT_EQ(o.at("stop_reason").as_string(), "tool_use");
  const auto& content = o.at("content").as_array();
  ASSERT_EQ(content.size(), 1u);
  const auto& block = content[0].as_object();
  EXPECT_EQ(block.at("type").as_string(), "tool_use");
  EXPECT_TRUE(block.at("id").as_string().starts_with("toolu_mock_"));
  EXPECT_EQ(block.at("name"), call.at("name"));
  EXPECT_EQ(block.at("input"), json::parse(call.at("arguments").as_string()));
  EXPECT_EQ(block.at("input"), json::parse(R"({"city":"mock_city","unit":"celsius"})"));
  EXPECT_EQ(o.at("usage").at("input_tokens"), ref.at("usage").at("prompt_tokens"));
  EXPECT_EQ(o.at("usage").at("output_tokens"), ref.at("usage").at("completion_tokens"));

  auto with_choice = [&](std::string_view choice) {
    return parse_object(anthropic_messages(parse_object(R"({"model":"m","max_tokens":100,)" + anthropic_tools() +
                                                        R"(,"tool_choice":)" + std::string(choice) + "," + user + "}"))
                            .body);
  };
  EXPECT_EQ(with_choice(R"({"type":"none"})").at("stop_reason").as_string(), "end_turn");
  EXPECT_EQ(with_choice(R"({"type":"tool","name":"get_time"})").at("content").at(0).at("name").as_string(), "get_time");
  EXPECT_EQ(with_choice(R"({"type":"any"})").at("content").at(0).at("name").as_string(), "get_weather");

  Answer bad = anthropic_messages(parse_object(R"({"model":"m","max_tokens":100,)" + anthropic_tools() +
                                               R"(,"tool_choice":{"type":"tool","name":"nope"},)" + user + "}"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(parse_object(bad.body).at("error").at("type").as_string(), "invalid_request_error");
}

TEST(MockFormatsAnthropic, ToolResultsGetAReplyQuotingThem) {
  auto req = parse_object(R"({"model":"m","max_tokens":100,)" + anthropic_tools() + R"(,"messages":[
    {"role":"user","content":"What is the weather in Paris?"},
    {"role":"assistant","content":[{"type":"text","text":"Checking."},
      {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris","unit":"celsius"}}]},
    {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"Sunny, 21 degrees"}]},
                              {"type":"text","text":"thanks"}]}]})");
  auto o = parse_object(anthropic_messages(req).body);
  EXPECT_EQ(o.at("stop_reason").as_string(), "end_turn");
  EXPECT_EQ(o.at("content").at(0).at("text").as_string(), "Mock reply to tool result: Sunny, 21 degrees");
  // 6 + 1 + 1 (the input object) + 3 + 1
  EXPECT_EQ(o.at("usage").at("input_tokens").as_int64(), 12);
}

TEST(MockFormatsAnthropic, CacheControlSplitsTheInputTokens) {
  auto req = parse_object(R"({"model":"m","max_tokens":100,
    "system":[{"type":"text","text":"one two three four five"},
              {"type":"text","text":"six seven","cache_control":{"type":"ephemeral"}}],
    "messages":[{"role":"user","content":[{"type":"text","text":"a b c","cache_control":{"type":"ephemeral","ttl":"1h"}},
                                           {"type":"text","text":"d e"}]}]})");
  auto usage = parse_object(anthropic_messages(req).body).at("usage").as_object();
  EXPECT_EQ(usage.at("cache_read_input_tokens").as_int64(), 7);      // blocks before the last marker
  EXPECT_EQ(usage.at("cache_creation_input_tokens").as_int64(), 3);  // the marked block
  EXPECT_EQ(usage.at("input_tokens").as_int64(), 2);                 // the rest
  EXPECT_EQ(usage.at("cache_creation").at("ephemeral_1h_input_tokens").as_int64(), 3);
  EXPECT_EQ(usage.at("cache_creation").at("ephemeral_5m_input_tokens").as_int64(), 0);

  Answer count = anthropic_count_tokens(req);
  ASSERT_EQ(count.status, 200);
  EXPECT_EQ(parse_object(count.body).at("input_tokens").as_int64(), 12);
}

TEST(MockFormatsAnthropic, TextStreamEventsInOrder) {
  auto req = parse_object(R"({"model":"m","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"Hello there, mock"}]})");
  StreamAnswer s = anthropic_messages_stream(req);
  auto events = named_events(s);
  std::vector<std::string> names;
  for (const auto& e : events) names.push_back(e.name);
  std::vector<std::string> expected = {"message_start", "content_block_start", "ping"};
  for (int i = 0; i < 6; ++i) expected.push_back("content_block_delta");
  for (auto n : {"content_block_stop", "message_delta", "message_stop"}) expected.push_back(n);
  EXPECT_EQ(names, expected);

  auto plain = parse_object(anthropic_messages(req).body);
  const auto& start = events[0].data.at("message").as_object();
  EXPECT_EQ(start.at("id"), plain.at("id"));
  EXPECT_TRUE(start.at("content").as_array().empty());
  EXPECT_TRUE(start.at("stop_reason").is_null());
  EXPECT_EQ(start.at("usage").at("input_tokens"), plain.at("usage").at("input_tokens"));

  EXPECT_EQ(events[1].data.at("content_block"), json::parse(R"({"type":"text","text":""})"));
  std::string text;
  for (size_t i = 3; i < 9; ++i) {
    EXPECT_TRUE(s.is_content[i]);
    EXPECT_EQ(events[i].data.at("index").as_int64(), 0);
    EXPECT_EQ(events[i].data.at("delta").at("type").as_string(), "text_delta");
    text += events[i].data.at("delta").at("text").as_string();
  }
  EXPECT_EQ(text, plain.at("content").at(0).at("text").as_string());
  const auto& md = events[10].data;
  EXPECT_EQ(md.at("delta").at("stop_reason").as_string(), "end_turn");
  EXPECT_EQ(md.at("usage").at("output_tokens"), plain.at("usage").at("output_tokens"));
}

TEST(MockFormatsAnthropic, ToolUseStreamsInputJsonDeltas) {
  auto req = parse_object(R"({"model":"m","max_tokens":100,"stream":true,)" + anthropic_tools() +
                          R"(,"messages":[{"role":"user","content":"weather?"}]})");
  auto events = named_events(anthropic_messages_stream(req));
  auto plain = parse_object(anthropic_messages(req).body);
  ASSERT_GE(events.size(), 6u);
  const auto& block = events[1].data.at("content_block").as_object();
  EXPECT_EQ(block.at("type").as_string(), "tool_use");
  EXPECT_EQ(block.at("id"), plain.at("content").at(0).at("id"));
  EXPECT_TRUE(block.at("input").as_object().empty());
  std::string partial;
  for (const auto& e : events) {
    if (e.name != "content_block_delta") continue;
    EXPECT_EQ(e.data.at("delta").at("type").as_string(), "input_json_delta");
    partial += e.data.at("delta").at("partial_json").as_string();
  }
  EXPECT_EQ(json::parse(partial), plain.at("content").at(0).at("input"));
  EXPECT_EQ(events[events.size() - 2].data.at("delta").at("stop_reason").as_string(), "tool_use");
}

TEST(MockFormatsAnthropic, InvalidRequestsGetAnthropicErrors) {
  auto check = [](std::string_view body, std::string_view message) {
    Answer a = anthropic_messages(parse_object(body));
    EXPECT_EQ(a.status, 400) << body;
    auto o = parse_object(a.body);
    EXPECT_EQ(o.at("type").as_string(), "error");
    EXPECT_EQ(o.at("error").at("type").as_string(), "invalid_request_error");
    EXPECT_EQ(o.at("error").at("message").as_string(), message);
  };
  check(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})", "max_tokens: Field required");
  check(R"({"max_tokens":5,"messages":[{"role":"user","content":"hi"}]})", "model: Field required");
  check(R"({"model":"m","max_tokens":5})", "messages: Field required");
  check(R"({"model":"m","max_tokens":5,"messages":[{"role":"bot","content":"hi"}]})",
        "messages.0.role: Input should be 'user', 'assistant' or 'system'");
  check(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64"}}]}]})",
        "messages.0.content.0.source.base64.media_type: Field required");
  EXPECT_EQ(anthropic_messages_stream(parse_object(R"({"model":"m"})")).error.status, 400);
  // As strict as the API: unknown fields and unpaired tool ids are refused.
  check(R"({"model":"m","max_tokens":5,"frequency_penalty":1,"messages":[{"role":"user","content":"hi"}]})",
        "frequency_penalty: Extra inputs are not permitted");
  const std::string call =
      R"({"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"get_time","input":{}}]})";
  check(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"time?"},)" + call +
            R"(,{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_2","content":"noon"}]}]})",
        "messages.2.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_2. Each `tool_result` "
        "block must have a corresponding `tool_use` block in the previous message.");
  check(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"time?"},)" + call +
            R"(,{"role":"user","content":"never mind"}]})",
        "messages.2: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1. Each "
        "`tool_use` block must have a corresponding `tool_result` block in the next message.");
}

TEST(MockFormatsAnthropic, ErrorShapes) {
  EXPECT_EQ(anthropic_error_type(400), "invalid_request_error");
  EXPECT_EQ(anthropic_error_type(401), "authentication_error");
  EXPECT_EQ(anthropic_error_type(403), "permission_error");
  EXPECT_EQ(anthropic_error_type(404), "not_found_error");
  EXPECT_EQ(anthropic_error_type(413), "request_too_large");
  EXPECT_EQ(anthropic_error_type(429), "rate_limit_error");
  EXPECT_EQ(anthropic_error_type(500), "api_error");
  EXPECT_EQ(anthropic_error_type(529), "overloaded_error");
  EXPECT_EQ(json::parse(anthropic_error_body("overloaded_error", "Overloaded", "req_1")),
            json::parse(R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"})"));
  EXPECT_EQ(anthropic_error_event("overloaded_error", "Overloaded"),
            "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n");
}

// ---------------------------------------------------------------- Gemini

TEST(MockFormatsGemini, TextAnswerMatchesTheOpenAIAnswer) {
  auto req = parse_object(R"({"systemInstruction":{"parts":[{"text":"Be brief"}]},
    "contents":[{"role":"user","parts":[{"text":"Hello there, mock"},{"inlineData":{"mimeType":"image/png","data":"AAAA"}}]}]})");
  Answer a = gemini_generate(req, "gemini-x");
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.body, gemini_generate(req, "gemini-x").body);
  auto o = parse_object(a.body);
  auto ref = openai_answer(R"({"model":"m","messages":[{"role":"system","content":"Be brief"},{"role":"user","content":"Hello there, mock"}]})");
  const auto& candidate = o.at("candidates").at(0).as_object();
  EXPECT_EQ(candidate.at("content").at("role").as_string(), "model");
  EXPECT_EQ(candidate.at("content").at("parts").at(0).at("text"), ref.at("choices").at(0).at("message").at("content"));
  EXPECT_EQ(candidate.at("finishReason").as_string(), "STOP");
  EXPECT_EQ(candidate.at("index").as_int64(), 0);
  const auto& usage = o.at("usageMetadata").as_object();
  EXPECT_EQ(usage.at("promptTokenCount"), ref.at("usage").at("prompt_tokens"));
  EXPECT_EQ(usage.at("candidatesTokenCount"), ref.at("usage").at("completion_tokens"));
  EXPECT_EQ(usage.at("totalTokenCount"), ref.at("usage").at("total_tokens"));
  EXPECT_EQ(o.at("modelVersion").as_string(), "gemini-x");
}

TEST(MockFormatsGemini, GenerationConfig) {
  auto req = parse_object(R"({"contents":[{"parts":[{"text":"Hello there, mock"}]}],
    "generationConfig":{"maxOutputTokens":3,"candidateCount":2}})");
  auto o = parse_object(gemini_generate(req, "g").body);
  const auto& candidates = o.at("candidates").as_array();
  ASSERT_EQ(candidates.size(), 2u);
  EXPECT_EQ(candidates[0].at("content").at("parts").at(0).at("text").as_string(), "Mock reply to:");
  EXPECT_EQ(candidates[0].at("finishReason").as_string(), "MAX_TOKENS");
  EXPECT_EQ(candidates[1].at("index").as_int64(), 1);

  req = parse_object(R"({"contents":[{"parts":[{"text":"Hello"}]}],"generationConfig":{"responseMimeType":"application/json",
    "responseSchema":{"type":"OBJECT","properties":{"name":{"type":"STRING"},"n":{"type":"INTEGER"}},"required":["name","n"]}}})");
  o = parse_object(gemini_generate(req, "g").body);
  EXPECT_EQ(json::parse(o.at("candidates").at(0).at("content").at("parts").at(0).at("text").as_string()),
            json::parse(R"({"name":"mock_name","n":1})"));

  req = parse_object(R"({"contents":[{"parts":[{"text":"Hello"}]}],"generationConfig":{"responseMimeType":"text/x.enum",
    "responseSchema":{"type":"STRING","enum":["positive","negative"]}}})");
  o = parse_object(gemini_generate(req, "g").body);
  EXPECT_EQ(o.at("candidates").at(0).at("content").at("parts").at(0).at("text").as_string(), "positive");

  req = parse_object(R"({"contents":[{"parts":[{"text":"Hello there, mock"}]}],"generationConfig":{"stopSequences":["there"]}})");
  o = parse_object(gemini_generate(req, "g").body);
  EXPECT_EQ(o.at("candidates").at(0).at("content").at("parts").at(0).at("text").as_string(), "Mock reply to: Hello ");
  EXPECT_EQ(o.at("candidates").at(0).at("finishReason").as_string(), "STOP");
}

TEST(MockFormatsGemini, FunctionCallsAndResponses) {
  std::string tools = R"("tools":[{"functionDeclarations":[{"name":"get_weather","parameters":{"type":"OBJECT",
    "properties":{"city":{"type":"STRING"},"unit":{"type":"STRING","enum":["celsius","fahrenheit"]},"days":{"type":"INTEGER"}},
    "required":["city","unit"]}},{"name":"get_time"}]}])";
  auto o = parse_object(gemini_generate(parse_object(R"({"contents":[{"role":"user","parts":[{"text":"What is the weather in Paris?"}]}],)" + tools + "}"), "g").body);
  auto ref = openai_answer(R"({"model":"m",)" + openai_tools() + R"(,"messages":[{"role":"user","content":"What is the weather in Paris?"}]})");
  const auto& candidate = o.at("candidates").at(0).as_object();
  EXPECT_EQ(candidate.at("finishReason").as_string(), "STOP");
  const auto& call = candidate.at("content").at("parts").at(0).at("functionCall").as_object();
  EXPECT_EQ(call.at("name").as_string(), "get_weather");
  EXPECT_EQ(call.at("args"), json::parse(ref.at("choices").at(0).at("message").at("tool_calls").at(0).at("function").at("arguments").as_string()));
  EXPECT_EQ(o.at("usageMetadata").at("candidatesTokenCount"), ref.at("usage").at("completion_tokens"));

  auto forced = parse_object(gemini_generate(parse_object(R"({"contents":[{"parts":[{"text":"hi"}]}],)" + tools +
    R"(,"toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["get_time"]}}})"), "g").body);
  EXPECT_EQ(forced.at("candidates").at(0).at("content").at("parts").at(0).at("functionCall").at("name").as_string(), "get_time");
  auto none = parse_object(gemini_generate(parse_object(R"({"contents":[{"parts":[{"text":"hi"}]}],)" + tools +
    R"(,"toolConfig":{"functionCallingConfig":{"mode":"NONE"}}})"), "g").body);
  EXPECT_TRUE(none.at("candidates").at(0).at("content").at("parts").at(0).as_object().contains("text"));

  auto result = parse_object(gemini_generate(parse_object(R"({"contents":[
    {"role":"user","parts":[{"text":"What is the weather in Paris?"}]},
    {"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}}]},
    {"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"sky":"sunny"}}}]}],)" + tools + "}"), "g").body);
  EXPECT_EQ(result.at("candidates").at(0).at("content").at("parts").at(0).at("text").as_string(),
            "Mock reply to tool result: {\"sky\":\"sunny\"}");
}

TEST(MockFormatsGemini, StreamChunksEndWithFinishReasonAndUsage) {
  auto req = parse_object(R"({"contents":[{"parts":[{"text":"Hello there, mock"}]}]})");
  StreamAnswer s = gemini_generate_stream(req, "g");
  auto chunks = gemini_chunks(s);
  auto plain = parse_object(gemini_generate(req, "g").body);
  ASSERT_EQ(chunks.size(), 6u);
  std::string text;
  for (size_t i = 0; i < chunks.size(); ++i) {
    const auto& candidate = chunks[i].at("candidates").at(0).as_object();
    text += candidate.at("content").at("parts").at(0).at("text").as_string();
    bool last = i + 1 == chunks.size();
    EXPECT_EQ(candidate.contains("finishReason"), last);
    EXPECT_EQ(chunks[i].at("usageMetadata").as_object().contains("candidatesTokenCount"), last);
    EXPECT_EQ(chunks[i].at("responseId"), plain.at("responseId"));
  }
  EXPECT_EQ(text, plain.at("candidates").at(0).at("content").at("parts").at(0).at("text").as_string());
  EXPECT_EQ(chunks.back().at("usageMetadata"), plain.at("usageMetadata"));
  EXPECT_EQ(gemini_error_event(503, "The model is overloaded. Please try again later."),
            "data: {\"error\":{\"code\":503,\"message\":\"The model is overloaded. Please try again later.\","
            "\"status\":\"UNAVAILABLE\"}}\r\n\r\n");
}

TEST(MockFormatsGemini, EmbeddingsAreTheOpenAIVectors) {
  // The raw text of the array after `key`, so the vectors are compared as
  // printed, not only as numbers.
  auto raw_array = [](const std::string& body, std::string_view key, size_t from = 0) {
    size_t at = body.find(key, from);
    EXPECT_NE(at, std::string::npos) << body;
    size_t open = body.find('[', at);
    return body.substr(open, body.find(']', open) - open + 1);
  };
  Answer ref = embeddings(parse_object(R"({"model":"e","input":"hello world","dimensions":8})"), "e");
  std::string ref_values = raw_array(ref.body, "\"embedding\":");

  Answer one = gemini_embed(parse_object(R"({"content":{"parts":[{"text":"hello world"}]},"outputDimensionality":8})"), "e");
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(raw_array(one.body, "\"values\":"), ref_values);
  EXPECT_EQ(parse_object(one.body).at("embedding").at("values").as_array().size(), 8u);

  Answer batch = gemini_batch_embed(parse_object(R"({"requests":[
    {"model":"models/e","content":{"parts":[{"text":"hello world"}]},"outputDimensionality":8},
    {"model":"models/e","content":{"parts":[{"text":"bye"}]}}]})"), "e");
  ASSERT_EQ(batch.status, 200) << batch.body;
  EXPECT_EQ(raw_array(batch.body, "\"values\":"), ref_values);
  auto o = parse_object(batch.body);
  ASSERT_EQ(o.at("embeddings").as_array().size(), 2u);
  EXPECT_EQ(o.at("embeddings").at(1).at("values").as_array().size(), 16u);
}

TEST(MockFormatsGemini, ErrorsUseTheGoogleShape) {
  Answer a = gemini_generate(parse_object("{}"), "g");
  EXPECT_EQ(a.status, 400);
  auto o = parse_object(a.body);
  EXPECT_EQ(o.at("error").at("code").as_int64(), 400);
  EXPECT_EQ(o.at("error").at("status").as_string(), "INVALID_ARGUMENT");
  EXPECT_EQ(o.at("error").at("message").as_string(), "* GenerateContentRequest.contents: contents is not specified\n");
  EXPECT_EQ(gemini_generate(parse_object(R"({"contents":[{"role":"bot","parts":[{"text":"x"}]}]})"), "g").status, 400);
  EXPECT_EQ(gemini_status_name(403), "PERMISSION_DENIED");
  EXPECT_EQ(gemini_status_name(429), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(gemini_status_name(503), "UNAVAILABLE");
  EXPECT_EQ(json::parse(gemini_error_body(429, "quota", {}, R"([{"@type":"x"}])")),
            json::parse(R"({"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED","details":[{"@type":"x"}]}})"));
}

// ---------------------------------------------------------------- Cohere

TEST(MockFormatsCohere, TextAnswerAndStream) {
  auto req = parse_object(R"({"model":"command-a","messages":[{"role":"system","content":"Be brief"},
    {"role":"user","content":[{"type":"text","text":"Hello there, mock"}]}]})");
  Answer a = cohere_chat(req);
  ASSERT_EQ(a.status, 200) << a.body;
  auto o = parse_object(a.body);
  auto ref = openai_answer(R"({"model":"m","messages":[{"role":"system","content":"Be brief"},{"role":"user","content":"Hello there, mock"}]})");
  EXPECT_EQ(o.at("id").as_string().size(), 36u);
  EXPECT_EQ(o.at("finish_reason").as_string(), "COMPLETE");
  EXPECT_EQ(o.at("message").at("role").as_string(), "assistant");
  EXPECT_EQ(o.at("message").at("content").at(0).at("type").as_string(), "text");
  EXPECT_EQ(o.at("message").at("content").at(0).at("text"), ref.at("choices").at(0).at("message").at("content"));
  EXPECT_EQ(o.at("usage").at("tokens").at("input_tokens"), ref.at("usage").at("prompt_tokens"));
  EXPECT_EQ(o.at("usage").at("tokens").at("output_tokens"), ref.at("usage").at("completion_tokens"));
  EXPECT_EQ(o.at("usage").at("billed_units"), o.at("usage").at("tokens"));

  req["stream"] = true;
  auto events = named_events(cohere_chat_stream(req));
  ASSERT_EQ(events.size(), 10u);
  EXPECT_EQ(events[0].name, "message-start");
  EXPECT_EQ(events[0].data.at("id"), o.at("id"));
  EXPECT_EQ(events[1].name, "content-start");
  std::string text;
  for (size_t i = 2; i < 8; ++i) {
    EXPECT_EQ(events[i].name, "content-delta");
    text += events[i].data.at("delta").at("message").at("content").at("text").as_string();
  }
  EXPECT_EQ(text, o.at("message").at("content").at(0).at("text").as_string());
  EXPECT_EQ(events[8].name, "content-end");
  EXPECT_EQ(events[9].name, "message-end");
  EXPECT_EQ(events[9].data.at("delta").at("finish_reason").as_string(), "COMPLETE");
  EXPECT_EQ(events[9].data.at("delta").at("usage"), o.at("usage"));
}

TEST(MockFormatsCohere, ToolCallsStreamAndToolResults) {
  std::string user = R"("messages":[{"role":"user","content":"What is the weather in Paris?"}])";
  auto req = parse_object(R"({"model":"c",)" + openai_tools() + "," + user + "}");
  auto o = parse_object(cohere_chat(req).body);
  auto ref = openai_answer(R"({"model":"m",)" + openai_tools() + "," + user + "}");
  EXPECT_EQ(o.at("finish_reason").as_string(), "TOOL_CALL");
  const auto& message = o.at("message").as_object();
  EXPECT_FALSE(message.contains("content"));
  EXPECT_FALSE(message.at("tool_plan").as_string().empty());
  const auto& call = message.at("tool_calls").at(0).as_object();
  EXPECT_TRUE(call.at("id").as_string().starts_with("get_weather_"));
  EXPECT_EQ(call.at("type").as_string(), "function");
  EXPECT_EQ(call.at("function"), ref.at("choices").at(0).at("message").at("tool_calls").at(0).at("function"));

  req["stream"] = true;
  auto events = named_events(cohere_chat_stream(req));
  std::string plan, arguments;
  bool started = false, ended = false;
  for (const auto& e : events) {
    if (e.name == "tool-plan-delta") plan += e.data.at("delta").at("message").at("tool_plan").as_string();
    if (e.name == "tool-call-start") {
      started = true;
      EXPECT_EQ(e.data.at("delta").at("message").at("tool_calls").at("id"), call.at("id"));
    }
    if (e.name == "tool-call-delta")
      arguments += e.data.at("delta").at("message").at("tool_calls").at("function").at("arguments").as_string();
    if (e.name == "tool-call-end") ended = true;
  }
  EXPECT_TRUE(started && ended);
  EXPECT_EQ(plan, message.at("tool_plan").as_string());
  EXPECT_EQ(arguments, call.at("function").at("arguments").as_string());
  EXPECT_EQ(events.back().data.at("delta").at("finish_reason").as_string(), "TOOL_CALL");

  auto result = parse_object(cohere_chat(parse_object(R"({"model":"c",)" + openai_tools() + R"(,"messages":[
    {"role":"user","content":"What is the weather in Paris?"},
    {"role":"assistant","tool_plan":"I will check.","tool_calls":[{"id":"w1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
    {"role":"tool","tool_call_id":"w1","content":[{"type":"document","document":{"data":"Sunny and warm"}}]}]})")).body);
  EXPECT_EQ(result.at("message").at("content").at(0).at("text").as_string(), "Mock reply to tool result: Sunny and warm");
}

TEST(MockFormatsCohere, LimitsAndErrors) {
  auto o = parse_object(cohere_chat(parse_object(R"({"model":"c","max_tokens":2,"messages":[{"role":"user","content":"Hello there"}]})")).body);
  EXPECT_EQ(o.at("finish_reason").as_string(), "MAX_TOKENS");
  EXPECT_EQ(o.at("message").at("content").at(0).at("text").as_string(), "Mock reply");
  o = parse_object(cohere_chat(parse_object(R"({"model":"c","stop_sequences":["to:"],"messages":[{"role":"user","content":"Hello"}]})")).body);
  EXPECT_EQ(o.at("finish_reason").as_string(), "STOP_SEQUENCE");
  EXPECT_EQ(o.at("message").at("content").at(0).at("text").as_string(), "Mock reply ");

  Answer bad = cohere_chat(parse_object(R"({"model":"c","messages":[]})"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(parse_object(bad.body).at("message").is_string());
  EXPECT_EQ(parse_object(bad.body).size(), 1u);
  EXPECT_EQ(cohere_chat(parse_object(R"({"messages":[{"role":"user","content":"x"}]})")).status, 400);
  EXPECT_EQ(cohere_chat(parse_object(R"({"model":"c","tool_choice":"REQUIRED","messages":[{"role":"user","content":"x"}]})")).status, 400);

  std::string e = cohere_error_event("boom");
  EXPECT_TRUE(e.starts_with("event: message-end\ndata: ")) << e;
  auto data = parse_object(std::string_view(e).substr(e.find("data: ") + 6, e.size() - e.find("data: ") - 8));
  EXPECT_EQ(data.at("delta").at("finish_reason").as_string(), "ERROR");
  EXPECT_EQ(data.at("delta").at("error").as_string(), "boom");
}

TEST(MockFormatsAnthropic, SystemMessagesInsideTheConversationAreAccepted) {
  // As the real API does for current models (Claude Code sends them).
  auto req = parse_object(R"({"model":"claude-x","max_tokens":100,"messages":[
    {"role":"user","content":"Hello there, mock"},
    {"role":"system","content":[{"type":"text","text":"Be brief"}]}]})");
  Answer a = anthropic_messages(req);
  ASSERT_EQ(a.status, 200) << a.body;
  auto o = parse_object(a.body);
  EXPECT_EQ(o.at("content").at(0).at("text").as_string().starts_with("Mock reply to: Hello there, mock"), true);
  Answer bad = anthropic_messages(parse_object(R"({"model":"claude-x","max_tokens":100,"messages":[
    {"role":"user","content":"hi"},{"role":"system","content":[{"type":"image","source":{}}]}]})"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("text-only role 'system' messages require text blocks"), std::string::npos) << bad.body;
}

// As strict as the APIs about fields they do not document: a translator that
// sends one fails against torii-mock as it would against the provider.
TEST(MockFormatsStrictness, GeminiRefusesUnknownFieldsByEitherName) {
  const std::string contents = R"("contents":[{"role":"user","parts":[{"text":"hi"}]}])";
  Answer ok = gemini_generate(parse_object("{" + contents +
                                           R"(,"generation_config":{"max_output_tokens":5},"systemInstruction":{"parts":[{"text":"be brief"}]}})"),
                              "g");
  EXPECT_EQ(ok.status, 200) << ok.body;
  Answer top = gemini_generate(parse_object("{" + contents + R"(,"temperature":0.5})"), "g");
  EXPECT_EQ(top.status, 400);
  EXPECT_EQ(parse_object(top.body).at("error").at("message").as_string(),
            "Invalid JSON payload received. Unknown name \"temperature\": Cannot find field.");
  EXPECT_EQ(parse_object(top.body).at("error").at("status").as_string(), "INVALID_ARGUMENT");
  Answer nested = gemini_generate(parse_object("{" + contents + R"(,"generationConfig":{"max_tokens":5}})"), "g");
  EXPECT_EQ(nested.status, 400);
  EXPECT_EQ(parse_object(nested.body).at("error").at("message").as_string(),
            "Invalid JSON payload received. Unknown name \"max_tokens\" at 'generation_config': Cannot find field.");
}

// Gemini's function-calling turn order: a call turn right after a user turn
// or a function response turn, a response turn right after a call turn.
TEST(MockFormatsStrictness, GeminiRefusesFunctionTurnsOutOfOrder) {
  const std::string user = R"({"role":"user","parts":[{"text":"weather in Paris?"}]})";
  const std::string said = R"({"role":"model","parts":[{"text":"let me look"}]})";
  const std::string call = R"({"role":"model","parts":[{"functionCall":{"name":"weather","args":{"city":"Paris"}}}]})";
  const std::string answer = R"({"role":"user","parts":[{"functionResponse":{"name":"weather","response":{"t":21}}}]})";
  auto run = [](const std::vector<std::string>& turns) {
    std::string contents;
    for (const auto& t : turns) contents += (contents.empty() ? "" : ",") + t;
    return gemini_generate(parse_object(R"({"contents":[)" + contents + "]}"), "g");
  };
  auto message = [](const Answer& a) { return std::string(parse_object(a.body).at("error").at("message").as_string()); };
  EXPECT_EQ(run({user, call, answer}).status, 200);
  EXPECT_EQ(run({user, call, answer, call, answer}).status, 200) << "a call after a response";
  const std::string call_first =
      "Please ensure that function call turn comes immediately after a user turn or after a function response turn.";
  Answer first = run({call, answer});
  EXPECT_EQ(first.status, 400);
  EXPECT_EQ(message(first), call_first);
  EXPECT_EQ(parse_object(first.body).at("error").at("status").as_string(), "INVALID_ARGUMENT");
  EXPECT_EQ(message(run({user, said, call, answer})), call_first) << "a call right after a model turn";
  Answer orphan = run({user, answer});
  EXPECT_EQ(orphan.status, 400);
  EXPECT_EQ(message(orphan), "Please ensure that function response turn comes immediately after a function call turn.");
  EXPECT_EQ(run({user, call, user, answer}).status, 400) << "a response after a user turn";
}

TEST(MockFormatsStrictness, CohereRefusesUnknownFieldsAtTheTopAndInTools) {
  const std::string base = R"("model":"command-a","messages":[{"role":"user","content":"hi"}])";
  EXPECT_EQ(cohere_chat(parse_object("{" + base + R"(,"k":5,"strict_tools":true})")).status, 200);
  Answer top = cohere_chat(parse_object("{" + base + R"(,"top_k":5})"));
  EXPECT_EQ(top.status, 422);
  EXPECT_EQ(parse_object(top.body).at("message").as_string(),
            "unknown field: parameter 'top_k' is not a valid field. For proper usage, please refer to "
            "https://docs.cohere.com/reference/chat");
  Answer strict = cohere_chat(parse_object(
      "{" + base + R"(,"tools":[{"type":"function","function":{"name":"f","parameters":{},"strict":true}}]})"));
  EXPECT_EQ(strict.status, 422);
  EXPECT_NE(parse_object(strict.body).at("message").as_string().find("'strict'"), std::string::npos);
}
