#include "llm/gemini_format.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include <boost/json.hpp>

#include "core/errors.hpp"
#include "http/sse.hpp"

using namespace torii::llm;
namespace json = boost::json;

namespace {
json::object parse(std::string_view s) { return json::parse(s).as_object(); }

// The data payloads of an OpenAI SSE text, in order.
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

std::vector<unsigned char> unbase64(std::string_view s) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
  };
  std::vector<unsigned char> out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    int v = val(c);
    if (v < 0) break;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<unsigned char>((acc >> bits) & 0xff));
    }
  }
  return out;
}
}  // namespace

TEST(OpenAIToGemini, RolesPartsMergingAndToolResults) {
  auto in = parse(R"({
    "model":"alias",
    "messages":[
      {"role":"system","content":"Be brief."},
      {"role":"developer","content":[{"type":"text","text":"Use metric."}]},
      {"role":"user","content":"Weather?"},
      {"role":"user","content":[{"type":"text","text":"In Paris."},
                                {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}},
                                {"type":"image_url","image_url":{"url":"https://example.com/cat.webp?x=1"}}]},
      {"role":"assistant","content":null,"tool_calls":[
          {"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"},
           "extra_content":{"google":{"thought_signature":"sig=="}}},
          {"id":"call_b","type":"function","function":{"name":"get_time","arguments":"{}"}}]},
      {"role":"tool","tool_call_id":"call_a","content":"Sunny"},
      {"role":"tool","tool_call_id":"call_b","content":"{\"time\":\"12:00\"}"},
      {"role":"assistant","content":"It is sunny."}
    ]})");
  std::string error;
  auto out = openai_to_gemini_request(in, error);
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_FALSE(out.contains("model"));
  const auto& sys = out.at("systemInstruction").at("parts").as_array();
  ASSERT_EQ(sys.size(), 2u);
  EXPECT_EQ(sys[0].at("text").as_string(), "Be brief.");
  EXPECT_EQ(sys[1].at("text").as_string(), "Use metric.");

  const auto& contents = out.at("contents").as_array();
  ASSERT_EQ(contents.size(), 4u);  // user (merged), model, user (both tool results), model
  const auto& user = contents[0].as_object();
  EXPECT_EQ(user.at("role").as_string(), "user");
  const auto& parts = user.at("parts").as_array();
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[0].at("text").as_string(), "Weather?");
  EXPECT_EQ(parts[2].at("inlineData").at("mimeType").as_string(), "image/png");
  EXPECT_EQ(parts[2].at("inlineData").at("data").as_string(), "AAAA");
  EXPECT_EQ(parts[3].at("fileData").at("mimeType").as_string(), "image/webp");
  EXPECT_EQ(parts[3].at("fileData").at("fileUri").as_string(), "https://example.com/cat.webp?x=1");

  const auto& model = contents[1].as_object();
  EXPECT_EQ(model.at("role").as_string(), "model");
  const auto& calls = model.at("parts").as_array();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].at("functionCall").at("name").as_string(), "get_weather");
  EXPECT_EQ(calls[0].at("functionCall").at("args").at("city").as_string(), "Paris");
  EXPECT_EQ(calls[0].at("thoughtSignature").as_string(), "sig==");
  EXPECT_FALSE(calls[1].as_object().contains("thoughtSignature"));

  const auto& results = contents[2].as_object();
  EXPECT_EQ(results.at("role").as_string(), "user");
  const auto& rparts = results.at("parts").as_array();
  ASSERT_EQ(rparts.size(), 2u);
  EXPECT_EQ(rparts[0].at("functionResponse").at("name").as_string(), "get_weather");
  EXPECT_EQ(rparts[0].at("functionResponse").at("response").at("content").as_string(), "Sunny");
  EXPECT_EQ(rparts[1].at("functionResponse").at("name").as_string(), "get_time");
  EXPECT_EQ(rparts[1].at("functionResponse").at("response").at("content").at("time").as_string(), "12:00");
  EXPECT_EQ(contents[3].at("parts").at(0).at("text").as_string(), "It is sunny.");
}

TEST(OpenAIToGemini, UnknownToolCallIdIsAnError) {
  auto in = parse(R"({"messages":[{"role":"user","content":"x"},{"role":"tool","tool_call_id":"nope","content":"r"}]})");
  std::string error;
  openai_to_gemini_request(in, error);
  EXPECT_NE(error.find("nope"), std::string::npos) << error;
  error.clear();
  openai_to_gemini_request(parse(R"({"messages":[{"role":"narrator","content":"x"}]})"), error);
  EXPECT_NE(error.find("narrator"), std::string::npos);
}

TEST(OpenAIToGemini, GenerationConfigToolsAndChoice) {
  auto in = parse(R"({
    "messages":[{"role":"user","content":"hi"}],
    "temperature":0.3,"top_p":0.9,"max_tokens":50,"max_completion_tokens":70,"stop":"END","n":2,"seed":7,
    "response_format":{"type":"json_schema","json_schema":{"name":"r","strict":true,"schema":{
      "$schema":"http://json-schema.org/draft-07/schema#","type":"object","additionalProperties":false,
      "properties":{"a":{"type":["string","null"]},"b":{"type":"array","items":{"type":"integer","additionalProperties":false}}},
      "required":["a"]}}},
    "tools":[{"type":"function","function":{"name":"f","description":"d",
               "parameters":{"type":"object","properties":{"x":{"type":"string"}},"additionalProperties":false}}},
             {"type":"function","function":{"name":"g","parameters":{"type":"object","properties":{}}}}],
    "tool_choice":{"type":"function","function":{"name":"f"}}})");
  std::string error;
  auto out = openai_to_gemini_request(in, error);
  ASSERT_TRUE(error.empty()) << error;
  const auto& gen = out.at("generationConfig").as_object();
  EXPECT_DOUBLE_EQ(gen.at("temperature").as_double(), 0.3);
  EXPECT_DOUBLE_EQ(gen.at("topP").as_double(), 0.9);
  EXPECT_EQ(gen.at("maxOutputTokens").as_int64(), 70);
  EXPECT_EQ(gen.at("stopSequences").as_array()[0].as_string(), "END");
  EXPECT_EQ(gen.at("candidateCount").as_int64(), 2);
  EXPECT_EQ(gen.at("seed").as_int64(), 7);
  EXPECT_EQ(gen.at("responseMimeType").as_string(), "application/json");
  const auto& schema = gen.at("responseSchema").as_object();
  EXPECT_FALSE(schema.contains("$schema"));
  EXPECT_FALSE(schema.contains("additionalProperties"));
  EXPECT_EQ(schema.at("properties").at("a").at("type").as_string(), "string");
  EXPECT_TRUE(schema.at("properties").at("a").at("nullable").as_bool());
  EXPECT_FALSE(schema.at("properties").at("b").at("items").as_object().contains("additionalProperties"));
  EXPECT_EQ(schema.at("required").as_array()[0].as_string(), "a");

  const auto& decls = out.at("tools").as_array()[0].at("functionDeclarations").as_array();
  ASSERT_EQ(decls.size(), 2u);
  EXPECT_EQ(decls[0].at("name").as_string(), "f");
  EXPECT_EQ(decls[0].at("description").as_string(), "d");
  EXPECT_FALSE(decls[0].at("parameters").as_object().contains("additionalProperties"));
  EXPECT_FALSE(decls[1].as_object().contains("parameters"));  // an empty object schema is rejected upstream
  const auto& fcc = out.at("toolConfig").at("functionCallingConfig").as_object();
  EXPECT_EQ(fcc.at("mode").as_string(), "ANY");
  EXPECT_EQ(fcc.at("allowedFunctionNames").as_array()[0].as_string(), "f");

  auto required = parse(R"({"messages":[{"role":"user","content":"hi"}],"tool_choice":"none",
                            "response_format":{"type":"json_object"},
                            "tools":[{"type":"function","function":{"name":"f"}}]})");
  out = openai_to_gemini_request(required, error);
  EXPECT_EQ(out.at("toolConfig").at("functionCallingConfig").at("mode").as_string(), "NONE");
  EXPECT_EQ(out.at("generationConfig").at("responseMimeType").as_string(), "application/json");
  EXPECT_FALSE(out.at("generationConfig").as_object().contains("responseSchema"));
}

TEST(GeminiToOpenAI, TextToolCallsFinishAndUsage) {
  auto answer = parse(R"({
    "candidates":[{"content":{"role":"model","parts":[
        {"text":"thinking...","thought":true},
        {"text":"Checking "},{"text":"now."},
        {"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"abc"}]},
      "finishReason":"STOP","index":0}],
    "usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":5,"thoughtsTokenCount":3,
                     "cachedContentTokenCount":4,"totalTokenCount":18},
    "modelVersion":"gemini-x","responseId":"resp1"})");
  auto out = gemini_to_openai_response(answer, "gemini-2.5-flash");
  EXPECT_EQ(out.at("object").as_string(), "chat.completion");
  EXPECT_EQ(out.at("id").as_string(), "chatcmpl-resp1");
  EXPECT_EQ(out.at("model").as_string(), "gemini-x");  // modelVersion: what answered
  const auto& choice = out.at("choices").as_array()[0].as_object();
  EXPECT_EQ(choice.at("finish_reason").as_string(), "tool_calls");
  const auto& msg = choice.at("message").as_object();
  EXPECT_EQ(msg.at("content").as_string(), "Checking now.");
  const auto& call = msg.at("tool_calls").as_array()[0].as_object();
  EXPECT_EQ(call.at("type").as_string(), "function");
  EXPECT_EQ(call.at("function").at("name").as_string(), "get_weather");
  EXPECT_EQ(json::parse(call.at("function").at("arguments").as_string()).at("city").as_string(), "Paris");
  EXPECT_EQ(call.at("extra_content").at("google").at("thought_signature").as_string(), "abc");
  std::string id(call.at("id").as_string());
  EXPECT_TRUE(id.starts_with("call_")) << id;
  // Deterministic: the same answer gives the same id.
  EXPECT_EQ(gemini_to_openai_response(answer, "m").at("choices").at(0).at("message").at("tool_calls").at(0).at("id"),
            call.at("id"));
  const auto& usage = out.at("usage").as_object();
  EXPECT_EQ(usage.at("prompt_tokens").as_int64(), 10);
  EXPECT_EQ(usage.at("completion_tokens").as_int64(), 8);
  EXPECT_EQ(usage.at("total_tokens").as_int64(), 18);
  EXPECT_EQ(usage.at("prompt_tokens_details").at("cached_tokens").as_int64(), 4);
  EXPECT_EQ(usage.at("completion_tokens_details").at("reasoning_tokens").as_int64(), 3);
}

TEST(GeminiToOpenAI, FinishReasonsAndBlockedPrompt) {
  EXPECT_EQ(openai_finish_reason_from_gemini("STOP", false), "stop");
  EXPECT_EQ(openai_finish_reason_from_gemini("STOP", true), "tool_calls");
  EXPECT_EQ(openai_finish_reason_from_gemini("MAX_TOKENS", false), "length");
  for (const char* r : {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII"})
    EXPECT_EQ(openai_finish_reason_from_gemini(r, false), "content_filter") << r;

  std::string message;
  EXPECT_TRUE(gemini_prompt_blocked(
      parse(R"({"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"},"usageMetadata":{"promptTokenCount":3}})"),
      message));
  EXPECT_NE(message.find("PROHIBITED_CONTENT"), std::string::npos);
  EXPECT_FALSE(gemini_prompt_blocked(parse(R"({"candidates":[{"content":{"parts":[{"text":"x"}]}}]})"), message));

  // A candidate stopped by a filter is an answer, with content_filter.
  auto out = gemini_to_openai_response(parse(R"({"candidates":[{"finishReason":"SAFETY","index":0}]})"), "m");
  EXPECT_EQ(out.at("choices").at(0).at("finish_reason").as_string(), "content_filter");
  EXPECT_EQ(out.at("choices").at(0).at("message").at("content").as_string(), "");
}

TEST(GeminiToOpenAIStream, TextToolCallFinishUsageAndDone) {
  GeminiToOpenAIStream s("gemini-2.5-flash", true);
  std::string out, error;
  ASSERT_TRUE(s.feed(R"({"candidates":[{"content":{"role":"model","parts":[{"text":"Hello"}]},"index":0}],
                         "usageMetadata":{"promptTokenCount":7},"responseId":"r9"})",
                     out, error));
  ASSERT_TRUE(s.feed(R"({"candidates":[{"content":{"role":"model","parts":[{"text":" world"}]},"index":0}],"responseId":"r9"})",
                     out, error));
  EXPECT_FALSE(s.finished());
  ASSERT_TRUE(s.feed(R"({"candidates":[{"content":{"role":"model","parts":[
                           {"functionCall":{"name":"f","args":{"a":1}}}]},"finishReason":"STOP","index":0}],
                         "usageMetadata":{"promptTokenCount":7,"candidatesTokenCount":4,"totalTokenCount":11},
                         "responseId":"r9"})",
                     out, error));
  EXPECT_TRUE(s.finished());
  auto events = data_of(out);
  ASSERT_EQ(events.size(), 7u);  // role, 2 text, tool call, finish, usage, [DONE]
  auto first = json::parse(events[0]).as_object();
  EXPECT_EQ(first.at("object").as_string(), "chat.completion.chunk");
  EXPECT_EQ(first.at("id").as_string(), "chatcmpl-r9");
  EXPECT_EQ(first.at("choices").at(0).at("delta").at("role").as_string(), "assistant");
  EXPECT_EQ(json::parse(events[1]).at("choices").at(0).at("delta").at("content").as_string(), "Hello");
  EXPECT_EQ(json::parse(events[2]).at("choices").at(0).at("delta").at("content").as_string(), " world");
  auto call = json::parse(events[3]).at("choices").at(0).at("delta").at("tool_calls").at(0).as_object();
  EXPECT_EQ(call.at("index").as_int64(), 0);
  EXPECT_EQ(call.at("function").at("name").as_string(), "f");
  EXPECT_EQ(call.at("function").at("arguments").as_string(), R"({"a":1})");
  // The plain answer gives the same call the same id.
  auto plain = gemini_to_openai_response(
      parse(R"({"candidates":[{"content":{"parts":[{"text":"Hello world"},{"functionCall":{"name":"f","args":{"a":1}}}]},
                 "finishReason":"STOP","index":0}],"responseId":"r9"})"),
      "m");
  EXPECT_EQ(plain.at("choices").at(0).at("message").at("tool_calls").at(0).at("id"), call.at("id"));
  EXPECT_EQ(json::parse(events[4]).at("choices").at(0).at("finish_reason").as_string(), "tool_calls");
  auto usage = json::parse(events[5]).as_object();
  EXPECT_TRUE(usage.at("choices").as_array().empty());
  EXPECT_EQ(usage.at("usage").at("prompt_tokens").as_int64(), 7);
  EXPECT_EQ(usage.at("usage").at("completion_tokens").as_int64(), 4);
  EXPECT_EQ(events[6], "[DONE]");

  // Nothing after the end.
  std::string more;
  EXPECT_TRUE(s.feed(R"({"candidates":[{"content":{"parts":[{"text":"late"}]}}]})", more, error));
  EXPECT_TRUE(more.empty());
}

TEST(GeminiToOpenAIStream, WithoutUsageAndWithSeveralCandidates) {
  GeminiToOpenAIStream s("m", false, 2);
  std::string out, error;
  ASSERT_TRUE(s.feed(R"({"candidates":[{"content":{"parts":[{"text":"a"}]},"finishReason":"MAX_TOKENS","index":0},
                                       {"content":{"parts":[{"text":"b"}]},"index":1}]})",
                     out, error));
  EXPECT_FALSE(s.finished());
  ASSERT_TRUE(s.feed(R"({"candidates":[{"content":{"parts":[{"text":"c"}]},"finishReason":"STOP","index":1}]})", out,
                     error));
  EXPECT_TRUE(s.finished());
  auto events = data_of(out);
  EXPECT_EQ(events.back(), "[DONE]");
  for (const auto& e : events) EXPECT_EQ(e.find("\"usage\""), std::string::npos) << e;
  EXPECT_EQ(json::parse(events[2]).at("choices").at(0).at("finish_reason").as_string(), "length");
  EXPECT_EQ(json::parse(events[4]).at("choices").at(0).at("index").as_int64(), 1);
}

TEST(GeminiToOpenAIStream, ErrorsEndTheStream) {
  GeminiToOpenAIStream s("m", false);
  std::string out, error;
  EXPECT_FALSE(s.feed(R"({"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}})", out, error));
  EXPECT_NE(error.find("overloaded"), std::string::npos);
  GeminiToOpenAIStream blocked("m", false);
  error.clear();
  EXPECT_FALSE(blocked.feed(R"({"promptFeedback":{"blockReason":"SAFETY"}})", out, error));
  EXPECT_NE(error.find("SAFETY"), std::string::npos);
  GeminiToOpenAIStream bad("m", false);
  EXPECT_FALSE(bad.feed("{not json", out, error));
  EXPECT_TRUE(out.empty());
}

TEST(GeminiEmbeddings, RequestAndBothEncodings) {
  std::string error;
  auto req = openai_to_gemini_embeddings(parse(R"({"input":["one","two"],"dimensions":8})"), "text-embedding-004", error);
  ASSERT_TRUE(error.empty()) << error;
  const auto& requests = req.at("requests").as_array();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].at("model").as_string(), "models/text-embedding-004");
  EXPECT_EQ(requests[1].at("content").at("parts").at(0).at("text").as_string(), "two");
  EXPECT_EQ(requests[0].at("outputDimensionality").as_int64(), 8);
  auto single = openai_to_gemini_embeddings(parse(R"({"input":"solo"})"), "e", error);
  EXPECT_EQ(single.at("requests").as_array().size(), 1u);
  EXPECT_FALSE(single.at("requests").at(0).as_object().contains("outputDimensionality"));
  openai_to_gemini_embeddings(parse(R"({"input":[[1,2,3]]})"), "e", error);
  EXPECT_FALSE(error.empty());

  auto answer = parse(R"({"embeddings":[{"values":[0.5,-1.0]},{"values":[0.25]}]})");
  auto floats = gemini_to_openai_embeddings(answer, "e", false);
  EXPECT_EQ(floats.at("object").as_string(), "list");
  EXPECT_EQ(floats.at("model").as_string(), "e");
  EXPECT_EQ(floats.at("data").at(1).at("index").as_int64(), 1);
  EXPECT_DOUBLE_EQ(floats.at("data").at(0).at("embedding").at(1).as_double(), -1.0);
  EXPECT_TRUE(floats.at("usage").as_object().contains("prompt_tokens"));

  auto packed = gemini_to_openai_embeddings(answer, "e", true);
  auto bytes = unbase64(packed.at("data").at(0).at("embedding").as_string());
  ASSERT_EQ(bytes.size(), 8u);
  float f[2];
  std::memcpy(f, bytes.data(), 8);  // little-endian host, as the wire format is
  EXPECT_FLOAT_EQ(f[0], 0.5f);
  EXPECT_FLOAT_EQ(f[1], -1.0f);
  EXPECT_EQ(unbase64(packed.at("data").at(1).at("embedding").as_string()).size(), 4u);
}

TEST(GeminiErrors, GoogleStatusNameBecomesTheCode) {
  auto e = torii::normalise_upstream_error(
      429, R"({"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED"}})");
  EXPECT_EQ(e.status, 429);
  EXPECT_EQ(e.message, "Resource has been exhausted (e.g. check quota).");
  EXPECT_EQ(e.code, "RESOURCE_EXHAUSTED");
}

TEST(OpenAIToGemini, ReasoningEffortAndLogprobs) {
  std::string error;
  auto out = openai_to_gemini_request(parse(R"({"messages":[{"role":"user","content":"x"}],"reasoning_effort":"medium"})"),
                                      error);
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_EQ(json::serialize(out.at("generationConfig").at("thinkingConfig")),
            R"({"thinkingBudget":8192,"includeThoughts":true})");
  out = openai_to_gemini_request(parse(R"({"messages":[{"role":"user","content":"x"}],"reasoning_effort":"minimal"})"),
                                 error);
  EXPECT_EQ(json::serialize(out.at("generationConfig").at("thinkingConfig")), R"({"thinkingBudget":0})");
  openai_to_gemini_request(parse(R"({"messages":[{"role":"user","content":"x"}],"logprobs":true,"top_logprobs":3})"),
                           error);
  EXPECT_NE(error.find("logprobs"), std::string::npos) << error;
}

TEST(GeminiToOpenAI, ThoughtsAreReasoningAndModelVersionIsTheModel) {
  auto out = gemini_to_openai_response(parse(R"({"candidates":[{"content":{"role":"model","parts":[
      {"text":"Weighing it.","thought":true},{"text":"Yes."}]},"finishReason":"STOP","index":0}],
    "modelVersion":"gemini-2.5-flash-preview-05-20","responseId":"r1",
    "usageMetadata":{"promptTokenCount":2,"candidatesTokenCount":1,"thoughtsTokenCount":3,"totalTokenCount":6}})"),
                                       "gemini-2.5-flash");
  EXPECT_EQ(out.at("model").as_string(), "gemini-2.5-flash-preview-05-20");
  const auto& msg = out.at("choices").at(0).at("message").as_object();
  EXPECT_EQ(msg.at("content").as_string(), "Yes.");
  EXPECT_EQ(msg.at("reasoning_content").as_string(), "Weighing it.");

  GeminiToOpenAIStream s("gemini-2.5-flash", false, 1);
  std::string text, error;
  ASSERT_TRUE(s.feed(R"({"candidates":[{"content":{"role":"model","parts":[{"text":"Hm","thought":true}]},"index":0}],
      "modelVersion":"gemini-2.5-flash-001","responseId":"r2"})",
                     text, error));
  auto data = data_of(text);
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(json::parse(data[0]).at("model").as_string(), "gemini-2.5-flash-001");
  EXPECT_EQ(json::serialize(json::parse(data[1]).at("choices").at(0).at("delta")), R"({"reasoning_content":"Hm"})");
}
