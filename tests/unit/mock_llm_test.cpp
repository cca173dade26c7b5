#include "providers/mock/mock_llm.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace json = boost::json;
using namespace torii::mock;

namespace {

json::object parse_object(std::string_view text) { return json::parse(text).as_object(); }

json::object chat_request(std::string_view user_text) {
  return json::object{{"model", "mock-1"},
                      {"messages", json::array{json::object{{"role", "user"}, {"content", user_text}}}}};
}

json::object weather_tools_request() {
  return parse_object(R"({"model":"m","messages":[{"role":"user","content":"What is the weather in Paris?"}],
    "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object",
      "properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]},
                    "days":{"type":"integer"}},
      "required":["city","unit"]}}},
     {"type":"function","function":{"name":"get_time","parameters":{"type":"object","properties":{}}}}]})");
}

// The JSON payloads of a stream, checking the SSE framing on the way.
std::vector<json::object> stream_payloads(const StreamAnswer& s) {
  EXPECT_EQ(s.error.status, 200);
  EXPECT_EQ(s.events.size(), s.is_content.size());
  EXPECT_FALSE(s.events.empty());
  std::vector<json::object> out;
  for (size_t i = 0; i < s.events.size(); ++i) {
    const std::string& e = s.events[i];
    EXPECT_TRUE(e.starts_with("data: ")) << e;
    EXPECT_TRUE(e.ends_with("\n\n")) << e;
    EXPECT_EQ(e.find('\n'), e.size() - 2) << "one data line per event: " << e;
    if (i + 1 == s.events.size()) {
      EXPECT_EQ(e, "data: [DONE]\n\n");
    } else {
      out.push_back(parse_object(std::string_view(e).substr(6, e.size() - 8)));
    }
  }
  return out;
}

std::vector<uint8_t> base64_decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::vector<uint8_t> out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    int v = value(c);
    EXPECT_GE(v, 0) << "bad base64 character " << c;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(acc >> bits));
    }
  }
  return out;
}

double norm(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += double(x) * x;
  return std::sqrt(s);
}

}  // namespace

TEST(MockLlm, ChatIsDeterministicAndOpenAIShaped) {
  auto a = chat_completion(chat_request("Hello there, mock"), "mock-1");
  auto b = chat_completion(chat_request("Hello there, mock"), "mock-1");
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.body, b.body);

  auto o = parse_object(a.body);
  EXPECT_TRUE(o.at("id").as_string().starts_with("chatcmpl-mock-"));
  EXPECT_EQ(o.at("object").as_string(), "chat.completion");
  EXPECT_EQ(o.at("created").as_int64(), 1700000000);
  EXPECT_EQ(o.at("model").as_string(), "mock-1");
  EXPECT_EQ(o.at("system_fingerprint").as_string(), "fp_mock");
  const auto& choice = o.at("choices").as_array().at(0).as_object();
  EXPECT_EQ(choice.at("index").as_int64(), 0);
  EXPECT_EQ(choice.at("finish_reason").as_string(), "stop");
  EXPECT_TRUE(choice.at("logprobs").is_null());
  const auto& message = choice.at("message").as_object();
  EXPECT_EQ(message.at("role").as_string(), "assistant");
  EXPECT_EQ(message.at("content").as_string(), "Mock reply to: Hello there, mock");
  EXPECT_TRUE(message.at("refusal").is_null());
  const auto& usage = o.at("usage").as_object();
  EXPECT_EQ(usage.at("prompt_tokens").as_int64(), 3);
  EXPECT_EQ(usage.at("completion_tokens").as_int64(), 6);
  EXPECT_EQ(usage.at("total_tokens").as_int64(), 9);

  auto other = parse_object(chat_completion(chat_request("Something else"), "mock-1").body);
  EXPECT_NE(other.at("id"), o.at("id"));
}

TEST(MockLlm, ContentPartsReplyWordsMaxTokensAndN) {
  auto req = parse_object(R"({"model":"m","n":3,"messages":[{"role":"system","content":"be brief"},
    {"role":"user","content":[{"type":"text","text":"first part"},{"type":"image_url","image_url":{"url":"x"}},
                              {"type":"text","text":"second part"}]}]})");
  auto o = parse_object(chat_completion(req, "m", {.reply_words = 20}).body);
  const auto& choices = o.at("choices").as_array();
  ASSERT_EQ(choices.size(), 3u);
  for (size_t i = 0; i < choices.size(); ++i) {
    EXPECT_EQ(choices[i].at("index").as_int64(), static_cast<int64_t>(i));
    std::string text(choices[i].at("message").at("content").as_string());
    EXPECT_EQ(count_tokens(text), 20) << text;
  }
  EXPECT_TRUE(choices[0].at("message").at("content").as_string().starts_with("Mock reply to: first part second part"));

  req["max_tokens"] = 4;
  o = parse_object(chat_completion(req, "m").body);
  EXPECT_EQ(o.at("choices").at(0).at("message").at("content").as_string(), "Mock reply to: first");
  EXPECT_EQ(o.at("choices").at(0).at("finish_reason").as_string(), "length");
}

TEST(MockLlm, CallsTheFirstToolWithSchemaArguments) {
  auto o = parse_object(chat_completion(weather_tools_request(), "m").body);
  const auto& choice = o.at("choices").at(0).as_object();
  EXPECT_EQ(choice.at("finish_reason").as_string(), "tool_calls");
  const auto& message = choice.at("message").as_object();
  EXPECT_TRUE(message.at("content").is_null());
  const auto& call = message.at("tool_calls").at(0).as_object();
  EXPECT_TRUE(call.at("id").as_string().starts_with("call_mock_"));
  EXPECT_EQ(call.at("type").as_string(), "function");
  EXPECT_EQ(call.at("function").at("name").as_string(), "get_weather");
  auto args = parse_object(call.at("function").at("arguments").as_string());
  EXPECT_EQ(args.size(), 2u);  // required properties only
  EXPECT_TRUE(args.at("city").is_string());
  EXPECT_EQ(args.at("unit").as_string(), "celsius");
}

TEST(MockLlm, ToolChoiceAndToolResults) {
  auto req = weather_tools_request();
  req["tool_choice"] = "none";
  auto o = parse_object(chat_completion(req, "m").body);
  EXPECT_FALSE(o.at("choices").at(0).at("message").as_object().contains("tool_calls"));

  req["tool_choice"] = json::object{{"type", "function"}, {"function", json::object{{"name", "get_time"}}}};
  o = parse_object(chat_completion(req, "m").body);
  EXPECT_EQ(o.at("choices").at(0).at("message").at("tool_calls").at(0).at("function").at("name").as_string(),
            "get_time");
  EXPECT_EQ(o.at("choices").at(0).at("message").at("tool_calls").at(0).at("function").at("arguments").as_string(),
            "{}");

  req["tool_choice"] = json::object{{"type", "function"}, {"function", json::object{{"name", "nope"}}}};
  EXPECT_EQ(chat_completion(req, "m").status, 400);

  req.erase("tool_choice");
  auto& messages = req["messages"].as_array();
  messages.push_back(parse_object(R"({"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
      "function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]})"));
  messages.push_back(parse_object(R"({"role":"tool","tool_call_id":"call_1","content":"18 degrees and cloudy"})"));
  o = parse_object(chat_completion(req, "m").body);
  EXPECT_EQ(o.at("choices").at(0).at("finish_reason").as_string(), "stop");
  EXPECT_EQ(o.at("choices").at(0).at("message").at("content").as_string(),
            "Mock reply to tool result: 18 degrees and cloudy");
}

TEST(MockLlm, ChatStreamFramingMatchesTheNonStreamingAnswer) {
  auto req = chat_request("Tell me a short story please");
  req["stream_options"] = json::object{{"include_usage", true}};
  auto s = chat_completion_stream(req, "mock-1");
  auto chunks = stream_payloads(s);
  ASSERT_GE(chunks.size(), 4u);

  const auto& first = chunks.front().at("choices").at(0).at("delta").as_object();
  EXPECT_EQ(first.at("role").as_string(), "assistant");
  EXPECT_EQ(first.at("content").as_string(), "");

  std::string content;
  std::string id(chunks.front().at("id").as_string());
  for (size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_EQ(chunks[i].at("object").as_string(), "chat.completion.chunk");
    EXPECT_EQ(chunks[i].at("id").as_string(), id);
    const auto& choices = chunks[i].at("choices").as_array();
    if (choices.empty()) continue;
    const auto& delta = choices[0].at("delta").as_object();
    if (auto* c = delta.if_contains("content")) content += c->as_string();
    EXPECT_EQ(s.is_content[i], i > 0 && delta.contains("content"));
  }
  // Finish chunk: empty delta; then the usage chunk with no choices.
  const auto& finish = chunks[chunks.size() - 2].at("choices").at(0).as_object();
  EXPECT_TRUE(finish.at("delta").as_object().empty());
  EXPECT_EQ(finish.at("finish_reason").as_string(), "stop");
  const auto& last = chunks.back();
  EXPECT_TRUE(last.at("choices").as_array().empty());
  EXPECT_EQ(last.at("usage").at("completion_tokens").as_int64(), count_tokens(content));

  req.erase("stream_options");
  auto plain = parse_object(chat_completion(req, "mock-1").body);
  EXPECT_EQ(plain.at("choices").at(0).at("message").at("content").as_string(), content);

  // Without include_usage there is no usage chunk; force_usage adds it anyway.
  auto without = stream_payloads(chat_completion_stream(req, "mock-1"));
  EXPECT_FALSE(without.back().contains("usage"));
  auto forced = stream_payloads(chat_completion_stream(req, "mock-1", {}, {.chunks = 2, .force_usage = true}));
  EXPECT_TRUE(forced.back().at("choices").as_array().empty());
  EXPECT_EQ(forced.size(), 5u);  // role, 2 content chunks, finish, usage
}

TEST(MockLlm, ToolCallStreamCarriesArgumentFragments) {
  auto s = chat_completion_stream(weather_tools_request(), "m");
  auto chunks = stream_payloads(s);
  const auto& head = chunks.front().at("choices").at(0).at("delta").at("tool_calls").at(0).as_object();
  EXPECT_EQ(head.at("index").as_int64(), 0);
  EXPECT_TRUE(head.at("id").as_string().starts_with("call_mock_"));
  EXPECT_EQ(head.at("type").as_string(), "function");
  EXPECT_EQ(head.at("function").at("name").as_string(), "get_weather");
  EXPECT_EQ(head.at("function").at("arguments").as_string(), "");

  std::string arguments;
  for (size_t i = 1; i + 1 < chunks.size(); ++i) {
    const auto& call = chunks[i].at("choices").at(0).at("delta").at("tool_calls").at(0).as_object();
    EXPECT_EQ(call.at("index").as_int64(), 0);
    EXPECT_FALSE(call.contains("id"));
    arguments += call.at("function").at("arguments").as_string();
  }
  EXPECT_GT(chunks.size(), 3u);
  EXPECT_EQ(chunks.back().at("choices").at(0).at("finish_reason").as_string(), "tool_calls");
  auto plain = parse_object(chat_completion(weather_tools_request(), "m").body);
  EXPECT_EQ(plain.at("choices").at(0).at("message").at("tool_calls").at(0).at("function").at("arguments").as_string(),
            arguments);
}

TEST(MockLlm, CompletionsPlainAndStreamed) {
  auto req = parse_object(R"({"model":"m","prompt":["Say this","Say that"]})");
  auto o = parse_object(completion(req, "m").body);
  EXPECT_EQ(o.at("object").as_string(), "text_completion");
  ASSERT_EQ(o.at("choices").as_array().size(), 2u);
  EXPECT_EQ(o.at("choices").at(1).at("text").as_string(), "Mock reply to: Say that");
  EXPECT_EQ(o.at("choices").at(1).at("index").as_int64(), 1);

  auto chunks = stream_payloads(completion_stream(parse_object(R"({"model":"m","prompt":[1,2,3]})"), "m"));
  std::string text;
  for (const auto& c : chunks) text += c.at("choices").at(0).at("text").as_string();
  EXPECT_EQ(text, "Mock reply to: 1 2 3");
  EXPECT_EQ(chunks.back().at("choices").at(0).at("finish_reason").as_string(), "stop");
}

TEST(MockLlm, Base64EmbeddingsDecodeToUnitVectors) {
  auto req = parse_object(R"({"model":"emb","input":["the cat sat","the cat sat",[1,2,3]],
                              "encoding_format":"base64","dimensions":24})");
  auto o = parse_object(embeddings(req, "emb").body);
  EXPECT_EQ(o.at("object").as_string(), "list");
  EXPECT_EQ(o.at("model").as_string(), "emb");
  const auto& data = o.at("data").as_array();
  ASSERT_EQ(data.size(), 3u);
  std::vector<std::vector<float>> vectors;
  for (size_t i = 0; i < data.size(); ++i) {
    EXPECT_EQ(data[i].at("object").as_string(), "embedding");
    EXPECT_EQ(data[i].at("index").as_int64(), static_cast<int64_t>(i));
    auto bytes = base64_decode(data[i].at("embedding").as_string());
    ASSERT_EQ(bytes.size(), 24u * 4);
    std::vector<float> v(24);
    for (size_t j = 0; j < v.size(); ++j) {
      uint32_t bits = uint32_t(bytes[4 * j]) | uint32_t(bytes[4 * j + 1]) << 8 | uint32_t(bytes[4 * j + 2]) << 16 |
                      uint32_t(bytes[4 * j + 3]) << 24;
      std::memcpy(&v[j], &bits, sizeof bits);
    }
    EXPECT_NEAR(norm(v), 1.0, 1e-5);
    vectors.push_back(v);
  }
  EXPECT_EQ(vectors[0], vectors[1]);
  EXPECT_NE(vectors[0], vectors[2]);
  EXPECT_EQ(o.at("usage").at("prompt_tokens").as_int64(), 9);

  // The float form holds the same numbers.
  req["encoding_format"] = "float";
  auto f = parse_object(embeddings(req, "emb").body);
  const auto& floats = f.at("data").at(0).at("embedding").as_array();
  ASSERT_EQ(floats.size(), 24u);
  for (size_t j = 0; j < floats.size(); ++j) EXPECT_FLOAT_EQ(static_cast<float>(floats[j].to_number<double>()), vectors[0][j]);

  auto single = parse_object(embeddings(parse_object(R"({"input":"hello"})"), "emb").body);
  EXPECT_EQ(single.at("data").at(0).at("embedding").as_array().size(), 16u);
}

TEST(MockLlm, InvalidRequestsGet400WithOpenAIErrors) {
  auto expect_400 = [](const Answer& a, std::string_view param) {
    EXPECT_EQ(a.status, 400);
    auto e = parse_object(a.body).at("error").as_object();
    EXPECT_EQ(e.at("type").as_string(), "invalid_request_error");
    EXPECT_FALSE(e.at("message").as_string().empty());
    EXPECT_EQ(e.at("param").as_string(), param);
    EXPECT_TRUE(e.at("code").is_null());
  };
  expect_400(chat_completion(parse_object(R"({"model":"m"})"), "m"), "messages");
  expect_400(chat_completion(parse_object(R"({"messages":"hi"})"), "m"), "messages");
  expect_400(chat_completion(parse_object(R"({"messages":[]})"), "m"), "messages");
  expect_400(chat_completion(parse_object(R"({"messages":[{"role":"user","content":"x"}],"n":"2"})"), "m"), "n");
  expect_400(completion(parse_object(R"({"model":"m"})"), "m"), "prompt");
  expect_400(embeddings(parse_object(R"({"model":"m"})"), "m"), "input");
  expect_400(embeddings(parse_object(R"({"input":[true]})"), "m"), "input");
  expect_400(embeddings(parse_object(R"({"input":"x","encoding_format":"hex"})"), "m"), "encoding_format");

  // Tool messages pair with the assistant's tool calls, as the API checks
  // (on requests that came as chat requests).
  GenerateOptions strict;
  strict.check_tool_pairing = true;
  const std::string call =
      R"({"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]})";
  Answer orphan = chat_completion(
      parse_object(R"({"messages":[{"role":"user","content":"x"},)" + call +
                   R"(,{"role":"tool","tool_call_id":"call_2","content":"r"}]})"), "m", strict);
  expect_400(orphan, "messages[2].role");
  EXPECT_NE(orphan.body.find("must be a response to a preceeding message with 'tool_calls'"), std::string::npos);
  Answer unanswered = chat_completion(
      parse_object(R"({"messages":[{"role":"user","content":"x"},)" + call + R"(,{"role":"user","content":"y"}]})"), "m",
      strict);
  expect_400(unanswered, "messages[2].role");
  EXPECT_NE(unanswered.body.find("did not have response messages: call_1"), std::string::npos);
  EXPECT_EQ(chat_completion(parse_object(R"({"messages":[{"role":"user","content":"x"},)" + call +
                                         R"(,{"role":"system","content":"s"},{"role":"tool","tool_call_id":"call_1","content":"r"}]})"),
                            "m", strict)
                .status,
            200);

  auto s = chat_completion_stream(parse_object(R"({"model":"m"})"), "m");
  EXPECT_EQ(s.error.status, 400);
  EXPECT_TRUE(s.events.empty());
}
