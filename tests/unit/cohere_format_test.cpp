#include "llm/cohere_format.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/errors.hpp"
#include "http/sse.hpp"
#include "openai_chunk_reader.hpp"

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

json::object request(std::string_view openai, std::string& error) {
  error.clear();
  return openai_to_cohere_request(parse(openai), "command-a-03-2025", error);
}

// Feeds (SSE event name, data) pairs as Cohere sends them; every one must be taken.
void feed_all(CohereToOpenAIStream& s, std::initializer_list<std::pair<std::string_view, std::string_view>> events,
              std::string& out) {
  for (const auto& [event, data] : events) {
    std::string error;
    ASSERT_TRUE(s.feed(event, data, out, error)) << event << ": " << error;
  }
}

size_t count_of(const std::string& text, std::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}
}  // namespace

TEST(CohereRequest, MessagesToolsAndParameters) {
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

TEST(CohereRequest, StructuredOutputAndReasoning) {
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

TEST(CohereRequest, RefusesWhatCohereCannotAnswer) {
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
  // The plan is the content (as Anthropic's text before tool_use): not dropped.
  EXPECT_EQ(c.at("message").at("content").as_string(), "I will look it up.");
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
  ASSERT_EQ(data.size(), 9u);
  EXPECT_EQ(json::parse(data[0]).at("id").as_string(), "29f14a5a");
  EXPECT_EQ(json::serialize(delta_of(data[0])), R"({"role":"assistant","content":""})");
  EXPECT_EQ(json::serialize(delta_of(data[1])), R"({"reasoning_content":"Hm."})");
  EXPECT_EQ(json::serialize(delta_of(data[2])), R"({"content":"Hello"})");
  EXPECT_EQ(json::serialize(delta_of(data[3])), R"({"content":"I will"})");  // the tool plan
  EXPECT_EQ(json::serialize(delta_of(data[4])),
            R"({"tool_calls":[{"index":0,"id":"get_weather_x","type":"function","function":{"arguments":"","name":"get_weather"}}]})");
  EXPECT_EQ(json::serialize(delta_of(data[5])), R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":1}"}}]})");
  EXPECT_EQ(json::parse(data[6]).at("choices").at(0).at("finish_reason").as_string(), "tool_calls");
  EXPECT_EQ(json::parse(data[7]).at("usage").at("prompt_tokens").as_int64(), 9);
  EXPECT_EQ(data[8], "[DONE]");
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

// ------------------------------------------------------------------ requests
// Expected shapes: Cohere's API reference for POST /v2/chat (ChatMessageV2,
// ToolCallV2, ToolMessageV2, ToolV2, ResponseFormatV2, Thinking) and its tool
// use guide, whose loop sends back the assistant turn as tool_plan +
// tool_calls and each result as {"role":"tool","tool_call_id",...}.

TEST(CohereRequest, ToolLoopOfTheDocsKeepsCallIdsPaired) {
  std::string error;
  auto out = request(R"({"model":"alias","messages":[
      {"role":"system","content":"You answer from the docs."},
      {"role":"user","content":"How does tool use work in Cohere? Please cite your sources."},
      {"role":"assistant","content":"I will search the docs for tool use and structured outputs.","tool_calls":[
        {"id":"search_docs_dkf0akqdazjb","type":"function",
         "function":{"name":"search_docs","arguments":"{\"query\":\"tool use\",\"top_k\":3}"}},
        {"id":"search_docs_gh65bt2tcdy1","type":"function",
         "function":{"name":"search_docs","arguments":"{\"query\":\"structured outputs\",\"top_k\":3}"}}]},
      {"role":"tool","tool_call_id":"search_docs_dkf0akqdazjb","content":"{\"snippet\":\"Tool use lets models call functions.\"}"},
      {"role":"tool","tool_call_id":"search_docs_gh65bt2tcdy1","content":[{"type":"text","text":"{\"snippet\":\"JSON mode\"}"}]}]})",
                     error);
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_EQ(out.at("model").as_string(), "command-a-03-2025");  // the upstream's model, not the client's alias
  const auto& m = out.at("messages").as_array();
  ASSERT_EQ(m.size(), 5u);
  EXPECT_EQ(json::serialize(m[0]), R"({"role":"system","content":"You answer from the docs."})");
  EXPECT_EQ(json::serialize(m[1]),
            R"({"role":"user","content":"How does tool use work in Cohere? Please cite your sources."})");

  const auto& a = m[2].as_object();
  EXPECT_EQ(a.at("role").as_string(), "assistant");
  EXPECT_EQ(a.at("tool_plan").as_string(), "I will search the docs for tool use and structured outputs.");
  EXPECT_FALSE(a.contains("content"));
  const auto& calls = a.at("tool_calls").as_array();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].at("id").as_string(), "search_docs_dkf0akqdazjb");
  EXPECT_EQ(calls[0].at("type").as_string(), "function");
  EXPECT_EQ(calls[0].at("function").at("name").as_string(), "search_docs");
  EXPECT_EQ(calls[0].at("function").at("arguments").as_string(), R"({"query":"tool use","top_k":3})");
  EXPECT_EQ(calls[1].at("id").as_string(), "search_docs_gh65bt2tcdy1");
  EXPECT_EQ(calls[1].at("function").at("arguments").as_string(), R"({"query":"structured outputs","top_k":3})");

  EXPECT_EQ(m[3].at("role").as_string(), "tool");
  EXPECT_EQ(m[3].at("tool_call_id").as_string(), calls[0].at("id").as_string());
  EXPECT_EQ(m[3].at("content").as_string(), R"({"snippet":"Tool use lets models call functions."})");
  EXPECT_EQ(m[4].at("tool_call_id").as_string(), calls[1].at("id").as_string());
  EXPECT_EQ(json::serialize(m[4].at("content")), R"([{"type":"text","text":"{\"snippet\":\"JSON mode\"}"}])");
}

TEST(CohereRequest, AssistantTurnsWithAndWithoutToolCalls) {
  std::string error;
  auto out = request(R"({"messages":[
      {"role":"user","content":"Hello"},
      {"role":"assistant","content":"Hi! How can I help?"},
      {"role":"user","content":"Weather?"},
      {"role":"assistant","content":null,"tool_calls":[{"id":"get_weather_1","type":"function",
          "function":{"name":"get_weather","arguments":"{}"}}]},
      {"role":"tool","tool_call_id":"get_weather_1","content":"Sunny"},
      {"role":"assistant","content":[{"type":"text","text":"Let me "},{"type":"text","text":"check again."}],
       "tool_calls":[{"id":"get_weather_2","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},
      {"role":"tool","tool_call_id":"get_weather_2","content":"Rain"}]})",
                     error);
  ASSERT_TRUE(error.empty()) << error;
  const auto& m = out.at("messages").as_array();
  ASSERT_EQ(m.size(), 7u);
  EXPECT_EQ(json::serialize(m[1]), R"({"role":"assistant","content":"Hi! How can I help?"})");
  // No text beside the calls: neither an empty tool_plan nor content.
  EXPECT_FALSE(m[3].as_object().contains("tool_plan"));
  EXPECT_FALSE(m[3].as_object().contains("content"));
  EXPECT_EQ(m[3].at("tool_calls").at(0).at("id").as_string(), "get_weather_1");
  EXPECT_EQ(m[4].at("tool_call_id").as_string(), "get_weather_1");
  // Text parts beside the calls: tool_plan is a string (AssistantMessageV2), their text joined.
  EXPECT_EQ(m[5].at("tool_plan").as_string(), "Let me check again.");
  EXPECT_EQ(m[6].at("tool_call_id").as_string(), "get_weather_2");
}

TEST(CohereRequest, ToolDefinitionsAreToolV2) {
  std::string error;
  auto out = request(R"({"messages":[{"role":"user","content":"x"}],"tools":[
      {"type":"function","function":{"name":"query_daily_sales_report",
        "description":"Connects to a database to retrieve overall sales volumes and sales information for a given day.",
        "parameters":{"type":"object","properties":{"day":{"type":"string"}},"required":["day"]}}},
      {"type":"function","function":{"name":"current_time"}}]})",
                     error);
  ASSERT_TRUE(error.empty()) << error;
  const auto& tools = out.at("tools").as_array();
  ASSERT_EQ(tools.size(), 2u);
  EXPECT_EQ(json::serialize(tools[0]),
            R"({"type":"function","function":{"name":"query_daily_sales_report",)"
            R"("description":"Connects to a database to retrieve overall sales volumes and sales information for a given day.",)"
            R"("parameters":{"type":"object","properties":{"day":{"type":"string"}},"required":["day"]}}})");
  // ToolV2.function requires name and parameters; OpenAI lets a function
  // without arguments omit them.
  EXPECT_EQ(tools[1].at("function").at("name").as_string(), "current_time");
  ASSERT_TRUE(tools[1].at("function").as_object().contains("parameters"));
  EXPECT_EQ(json::serialize(tools[1].at("function").at("parameters")), R"({"type":"object","properties":{}})");
  EXPECT_FALSE(out.contains("tool_choice"));  // none asked: the model chooses
}

TEST(CohereRequest, ToolChoiceIsRequiredOrNone) {
  const std::string tools =
      R"("tools":[{"type":"function","function":{"name":"a","parameters":{"type":"object"}}},)"
      R"({"type":"function","function":{"name":"b","parameters":{"type":"object"}}}])";
  const std::string msgs = R"("messages":[{"role":"user","content":"x"}])";
  std::string error;
  auto out = request("{" + msgs + "," + tools + R"(,"tool_choice":"required"})", error);
  EXPECT_EQ(out.at("tool_choice").as_string(), "REQUIRED");
  out = request("{" + msgs + "," + tools + R"(,"tool_choice":"none"})", error);
  EXPECT_EQ(out.at("tool_choice").as_string(), "NONE");
  out = request("{" + msgs + "," + tools + R"(,"tool_choice":"auto"})", error);
  EXPECT_FALSE(out.contains("tool_choice"));
  EXPECT_EQ(out.at("tools").as_array().size(), 2u);

  // REQUIRED needs the tools parameter; without tools nothing is forced.
  out = request("{" + msgs + R"(,"tool_choice":"required"})", error);
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_FALSE(out.contains("tool_choice"));
  EXPECT_FALSE(out.contains("tools"));

  // Cohere cannot name a function: a named choice is REQUIRED over that tool alone.
  out = request("{" + msgs + "," + tools + R"(,"tool_choice":{"type":"function","function":{"name":"b"}}})", error);
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_EQ(out.at("tool_choice").as_string(), "REQUIRED");
  ASSERT_EQ(out.at("tools").as_array().size(), 1u);
  EXPECT_EQ(out.at("tools").at(0).at("function").at("name").as_string(), "b");

  request("{" + msgs + "," + tools + R"(,"tool_choice":{"type":"function","function":{"name":"zzz"}}})", error);
  EXPECT_TRUE(error.starts_with("tool_choice:")) << error;
  EXPECT_NE(error.find("zzz"), std::string::npos) << error;
}

TEST(CohereRequest, ImagesAreImageUrlParts) {
  // The Images example of Cohere's chat reference, as an OpenAI client sends it.
  std::string error;
  auto out = request(R"({"messages":[{"role":"user","content":[
      {"type":"text","text":"Describe this image"},
      {"type":"image_url","image_url":{"url":"https://cohere.com/favicon-32x32.png","detail":"auto"}},
      {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]})",
                     error);
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_EQ(json::serialize(out.at("messages").at(0)),
            R"({"role":"user","content":[{"type":"text","text":"Describe this image"},)"
            R"({"type":"image_url","image_url":{"url":"https://cohere.com/favicon-32x32.png","detail":"auto"}},)"
            R"({"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]})");
}

TEST(CohereRequest, ContentCohereHasNoBlockForIsRefused) {
  // Cohere's user content is text and image_url blocks only: audio or a file
  // would otherwise be dropped from the prompt without a word.
  std::string error;
  request(R"({"messages":[{"role":"user","content":[{"type":"text","text":"Transcribe"},
      {"type":"input_audio","input_audio":{"data":"UklGR","format":"wav"}}]}]})",
          error);
  EXPECT_TRUE(error.starts_with("messages.content:")) << error;
  EXPECT_NE(error.find("input_audio"), std::string::npos) << error;
  request(R"({"messages":[{"role":"user","content":[{"type":"file","file":{"file_id":"f1"}}]}]})", error);
  EXPECT_NE(error.find("'file'"), std::string::npos) << error;
}

TEST(CohereRequest, SamplingParametersUnderCohereNames) {
  std::string error;
  auto out = request(R"({"model":"x","messages":[{"role":"user","content":"x"}],"n":1,
      "max_tokens":100,"temperature":0.3,"top_p":0.75,"seed":42,"frequency_penalty":0.1,"presence_penalty":0.2,
      "stop":["END","\n\n\n"],"stream":false,"stream_options":{"include_usage":true},"user":"u1",
      "response_format":{"type":"text"}})",
                     error);
  ASSERT_TRUE(error.empty()) << error;  // n = 1 is what Cohere answers anyway
  EXPECT_EQ(out.at("max_tokens").as_int64(), 100);
  EXPECT_EQ(out.at("temperature").as_double(), 0.3);
  EXPECT_EQ(out.at("p").as_double(), 0.75);
  EXPECT_EQ(out.at("seed").as_int64(), 42);
  EXPECT_EQ(out.at("frequency_penalty").as_double(), 0.1);
  EXPECT_EQ(out.at("presence_penalty").as_double(), 0.2);
  EXPECT_EQ(json::serialize(out.at("stop_sequences")), R"(["END","\n\n\n"])");
  // OpenAI's names, and what Cohere's body has no field for, stay out.
  for (const char* key : {"top_p", "stop", "n", "stream", "stream_options", "user", "max_completion_tokens",
                          "response_format", "tools", "tool_choice", "thinking"})
    EXPECT_FALSE(out.contains(key)) << key;
}

TEST(CohereRequest, RefusalsNameTheParameter) {
  std::string error;
  request(R"({"n":3,"messages":[{"role":"user","content":"x"}]})", error);
  EXPECT_TRUE(error.starts_with("n:")) << error;
  request(R"({"logprobs":true,"messages":[{"role":"user","content":"x"}]})", error);
  EXPECT_TRUE(error.starts_with("logprobs:")) << error;
  request(R"({"top_logprobs":3,"messages":[{"role":"user","content":"x"}]})", error);
  EXPECT_TRUE(error.starts_with("logprobs:")) << error;
  request(R"({"messages":[{"role":"function","name":"f","content":"x"}]})", error);
  EXPECT_NE(error.find("'function'"), std::string::npos) << error;
}

// ------------------------------------------------------------------- answers
// ChatResponseV2: {id, finish_reason, message: AssistantMessageResponse, usage}.

TEST(CohereToOpenAI, ToolCallAnswerOfTheDocs) {
  auto out = cohere_to_openai_response(parse(R"({"id":"9e5f00aa-bf1e-481a-abe3-0eceac18c3ec",
      "message":{"role":"assistant","content":[{"type":"thinking",
          "thinking":"I will first find the sales summary for 29th September 2023."}],
        "tool_calls":[
          {"id":"query_daily_sales_report_hgxxmkby3wta","type":"function",
           "function":{"name":"query_daily_sales_report","arguments":"{\"day\": \"2023-09-29\"}"}},
          {"id":"query_product_catalog_rpg0z5h8yyz2","type":"function",
           "function":{"name":"query_product_catalog","arguments":"{\"category\": \"Electronics\"}"}}]},
      "finish_reason":"TOOL_CALL",
      "usage":{"billed_units":{"input_tokens":127,"output_tokens":69},"tokens":{"input_tokens":1032,"output_tokens":124}}})"),
                                       "command-a-03-2025");
  EXPECT_EQ(out.at("id").as_string(), "9e5f00aa-bf1e-481a-abe3-0eceac18c3ec");
  EXPECT_EQ(out.at("object").as_string(), "chat.completion");
  EXPECT_EQ(out.at("model").as_string(), "command-a-03-2025");
  ASSERT_EQ(out.at("choices").as_array().size(), 1u);
  const auto& choice = out.at("choices").at(0).as_object();
  EXPECT_EQ(choice.at("index").as_int64(), 0);
  EXPECT_EQ(choice.at("finish_reason").as_string(), "tool_calls");
  const auto& msg = choice.at("message").as_object();
  EXPECT_EQ(msg.at("role").as_string(), "assistant");
  EXPECT_TRUE(msg.at("content").is_null());
  EXPECT_EQ(msg.at("reasoning_content").as_string(), "I will first find the sales summary for 29th September 2023.");
  const auto& calls = msg.at("tool_calls").as_array();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].at("id").as_string(), "query_daily_sales_report_hgxxmkby3wta");
  EXPECT_EQ(calls[0].at("type").as_string(), "function");
  EXPECT_EQ(calls[0].at("function").at("name").as_string(), "query_daily_sales_report");
  ASSERT_TRUE(calls[0].at("function").at("arguments").is_string());  // a JSON string, as OpenAI's are
  EXPECT_EQ(calls[0].at("function").at("arguments").as_string(), R"({"day": "2023-09-29"})");
  EXPECT_EQ(calls[1].at("id").as_string(), "query_product_catalog_rpg0z5h8yyz2");
  EXPECT_EQ(calls[1].at("function").at("arguments").as_string(), R"({"category": "Electronics"})");
  EXPECT_EQ(json::serialize(out.at("usage")), R"({"prompt_tokens":1032,"completion_tokens":124,"total_tokens":1156})");
}

TEST(CohereToOpenAI, TextAnswerAndEveryFinishReason) {
  const std::pair<const char*, const char*> reasons[] = {
      {"COMPLETE", "stop"}, {"STOP_SEQUENCE", "stop"}, {"MAX_TOKENS", "length"}, {"TOOL_CALL", "tool_calls"}};
  for (const auto& [cohere, openai] : reasons) {
    json::object in = parse(R"({"id":"c14c80c3-18eb-4519-9460-6c92edd8cfb4","message":{"role":"assistant",
        "content":[{"type":"text","text":"The image "},{"type":"text","text":"is abstract."}]},
        "usage":{"billed_units":{"input_tokens":5,"output_tokens":418},"tokens":{"input_tokens":71,"output_tokens":418}}})");
    in["finish_reason"] = cohere;
    std::string failure;
    EXPECT_FALSE(cohere_answer_failed(in, failure)) << cohere;
    auto out = cohere_to_openai_response(in, "m");
    EXPECT_EQ(out.at("choices").at(0).at("finish_reason").as_string(), openai) << cohere;
    EXPECT_EQ(out.at("choices").at(0).at("message").at("content").as_string(), "The image is abstract.");
    EXPECT_FALSE(out.at("choices").at(0).at("message").as_object().contains("tool_calls"));
    EXPECT_EQ(out.at("usage").at("prompt_tokens").as_int64(), 71);
    EXPECT_EQ(out.at("usage").at("completion_tokens").as_int64(), 418);
    EXPECT_EQ(out.at("usage").at("total_tokens").as_int64(), 489);
  }
}

TEST(CohereToOpenAI, ErrorFinishIsAFailureNotAnAnswer) {
  // finish_reason ERROR: "The generation failed due to an internal error".
  std::string failure;
  EXPECT_TRUE(cohere_answer_failed(parse(R"({"id":"x","finish_reason":"ERROR",
      "message":{"role":"assistant","content":[]}})"),
                                   failure));
  EXPECT_FALSE(failure.empty());
}

TEST(CohereErrors, UpstreamErrorBodiesKeepCoheresMessage) {
  // Cohere's error responses are {"id": ..., "message": ...}.
  auto e = torii::normalise_upstream_error(
      400, R"({"id":"6a1b0c3e-0a7c-4c7e-9a47-1f2a6c2f1d11","message":"invalid request: valid roles are system, user, assistant, tool"})");
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.message, "invalid request: valid roles are system, user, assistant, tool");
  e = torii::normalise_upstream_error(429, R"({"message":"You are using a Trial key, which is limited to 10 API calls / minute."})");
  EXPECT_EQ(e.status, 429);
  EXPECT_EQ(e.message, "You are using a Trial key, which is limited to 10 API calls / minute.");
  auto body = json::parse(torii::openai_error_body(e));
  EXPECT_EQ(body.at("error").at("type").as_string(), "rate_limit_error");
}

// -------------------------------------------------------------------- streams
// Cohere's chat-stream reference: message-start, content-start/delta/end,
// tool-plan-delta, tool-call-start/delta/end, message-end {finish_reason, usage}.

TEST(CohereStream, TextStreamOfTheDocs) {
  CohereToOpenAIStream s("command-a-03-2025", true);
  std::string out;
  feed_all(s,
           {{"message-start", R"({"type":"message-start","id":"29f14a5a-11de-4cae-9800-25e4747408ea","delta":{"message":{"role":"assistant"}}})"},
            {"content-start", R"({"type":"content-start","index":0,"delta":{"message":{"content":{"type":"text","text":""}}}})"},
            {"content-delta", R"({"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"LL"}}}})"},
            {"content-delta", R"({"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"Ms"}}}})"},
            {"content-delta", R"({"type":"content-delta","index":0,"delta":{"message":{"content":{"text":" stand"}}}})"},
            {"content-end", R"({"type":"content-end","index":0})"}},
           out);
  EXPECT_FALSE(s.finished());
  EXPECT_EQ(out.find("[DONE]"), std::string::npos);
  feed_all(s,
           {{"message-end", R"({"type":"message-end","delta":{"finish_reason":"COMPLETE","usage":{"billed_units":{"input_tokens":5,"output_tokens":26},"tokens":{"input_tokens":71,"output_tokens":26}}}})"}},
           out);
  EXPECT_TRUE(s.finished());

  auto a = torii::testing::assemble(out);
  EXPECT_EQ(a.text, "LLMs stand");
  EXPECT_EQ(a.finish_reason, "stop");
  EXPECT_EQ(json::serialize(a.usage), R"({"prompt_tokens":71,"completion_tokens":26,"total_tokens":97})");
  EXPECT_TRUE(a.done);
  EXPECT_EQ(count_of(out, "data: [DONE]"), 1u);
  auto data = data_of(out);
  ASSERT_GE(data.size(), 2u);
  for (size_t i = 0; i + 1 < data.size(); ++i) {
    auto chunk = json::parse(data[i]).as_object();
    EXPECT_EQ(chunk.at("id").as_string(), "29f14a5a-11de-4cae-9800-25e4747408ea");
    EXPECT_EQ(chunk.at("object").as_string(), "chat.completion.chunk");
    EXPECT_EQ(chunk.at("model").as_string(), "command-a-03-2025");
  }
  EXPECT_EQ(delta_of(data[0]).at("role").as_string(), "assistant");
}

TEST(CohereStream, ParallelToolCallsOfTheDocs) {
  CohereToOpenAIStream s("m", true);
  std::string out;
  feed_all(s,
           {{"message-start", R"({"type":"message-start","id":"x1","delta":{"message":{"role":"assistant"}}})"},
            {"tool-plan-delta", R"({"type":"tool-plan-delta","delta":{"message":{"tool_plan":"I will use the"}}})"},
            {"tool-plan-delta", R"({"type":"tool-plan-delta","delta":{"message":{"tool_plan":" query tools."}}})"},
            {"tool-call-start", R"({"type":"tool-call-start","index":0,"delta":{"message":{"tool_calls":{"id":"query_daily_sales_report_j3f0adww9pmr","type":"function","function":{"name":"query_daily_sales_report","arguments":""}}}}})"},
            {"tool-call-delta", R"({"type":"tool-call-delta","index":0,"delta":{"message":{"tool_calls":{"function":{"arguments":"{\""}}}}})"},
            {"tool-call-delta", R"({"type":"tool-call-delta","index":0,"delta":{"message":{"tool_calls":{"function":{"arguments":"day"}}}}})"},
            {"tool-call-delta", R"({"type":"tool-call-delta","index":0,"delta":{"message":{"tool_calls":{"function":{"arguments":"\": \"2023-09-29\"}"}}}}})"},
            {"tool-call-end", R"({"type":"tool-call-end","index":0})"},
            {"tool-call-start", R"({"type":"tool-call-start","index":1,"delta":{"message":{"tool_calls":{"id":"query_product_catalog_c66nf11r6s8g","type":"function","function":{"name":"query_product_catalog","arguments":""}}}}})"},
            {"tool-call-delta", R"({"type":"tool-call-delta","index":1,"delta":{"message":{"tool_calls":{"function":{"arguments":"{\"category\": \"Electron"}}}}})"},
            {"tool-call-delta", R"({"type":"tool-call-delta","index":1,"delta":{"message":{"tool_calls":{"function":{"arguments":"ics\"}"}}}}})"},
            {"tool-call-end", R"({"type":"tool-call-end","index":1})"},
            {"message-end", R"({"type":"message-end","delta":{"finish_reason":"TOOL_CALL","usage":{"billed_units":{"input_tokens":126,"output_tokens":84},"tokens":{"input_tokens":1589,"output_tokens":135}}}})"}},
           out);
  auto a = torii::testing::assemble(out);
  EXPECT_EQ(a.text, "I will use the query tools.");  // the plan is the content, as in a whole answer
  ASSERT_EQ(a.arguments.size(), 2u);
  EXPECT_EQ(a.arguments[0], R"({"day": "2023-09-29"})");
  EXPECT_EQ(a.arguments[1], R"({"category": "Electronics"})");
  EXPECT_EQ(a.finish_reason, "tool_calls");
  EXPECT_EQ(a.usage.at("prompt_tokens").as_int64(), 1589);
  EXPECT_EQ(a.usage.at("completion_tokens").as_int64(), 135);
  EXPECT_EQ(a.usage.at("total_tokens").as_int64(), 1724);
  EXPECT_TRUE(a.done);
  EXPECT_EQ(count_of(out, "data: [DONE]"), 1u);

  // Each call's first chunk carries its id, type and name at its index.
  std::vector<json::object> starts;
  for (const auto& d : data_of(out)) {
    if (d == "[DONE]") continue;
    auto chunk = json::parse(d).as_object();
    if (chunk.at("choices").as_array().empty()) continue;
    const auto& delta = chunk.at("choices").at(0).at("delta").as_object();
    if (auto* calls = delta.if_contains("tool_calls"))
      if (calls->at(0).as_object().contains("id")) starts.push_back(calls->at(0).as_object());
  }
  ASSERT_EQ(starts.size(), 2u);
  EXPECT_EQ(starts[0].at("index").as_int64(), 0);
  EXPECT_EQ(starts[0].at("id").as_string(), "query_daily_sales_report_j3f0adww9pmr");
  EXPECT_EQ(starts[0].at("type").as_string(), "function");
  EXPECT_EQ(starts[0].at("function").at("name").as_string(), "query_daily_sales_report");
  EXPECT_EQ(starts[1].at("index").as_int64(), 1);
  EXPECT_EQ(starts[1].at("id").as_string(), "query_product_catalog_c66nf11r6s8g");
  EXPECT_EQ(starts[1].at("function").at("name").as_string(), "query_product_catalog");
}

TEST(CohereStream, MaxTokensAndStopSequenceFinishes) {
  for (const auto& [cohere, openai] : {std::pair{"MAX_TOKENS", "length"}, std::pair{"STOP_SEQUENCE", "stop"}}) {
    CohereToOpenAIStream s("m", false);
    std::string out, error;
    ASSERT_TRUE(s.feed("message-start", R"({"type":"message-start","id":"x"})", out, error));
    ASSERT_TRUE(s.feed("content-delta", R"({"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"abc"}}}})", out, error));
    std::string end = std::string(R"({"type":"message-end","delta":{"finish_reason":")") + cohere +
                      R"(","usage":{"tokens":{"input_tokens":1,"output_tokens":3}}}})";
    ASSERT_TRUE(s.feed("message-end", end, out, error)) << error;
    auto a = torii::testing::assemble(out);
    EXPECT_EQ(a.text, "abc");
    EXPECT_EQ(a.finish_reason, openai) << cohere;
    EXPECT_TRUE(a.usage.empty());  // include_usage not asked for
    EXPECT_TRUE(a.done);
  }
}

TEST(CohereStream, ErrorMidStreamFailsWithoutFinishingTheAnswer) {
  CohereToOpenAIStream s("m", true);
  std::string out, error;
  ASSERT_TRUE(s.feed("message-start", R"({"type":"message-start","id":"x","delta":{"message":{"role":"assistant"}}})", out, error));
  ASSERT_TRUE(s.feed("content-delta", R"({"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"Partial"}}}})", out, error));
  EXPECT_FALSE(s.feed("message-end",
                      R"({"type":"message-end","delta":{"error":"internal server error, this may be a transient issue","finish_reason":"ERROR"}})",
                      out, error));
  EXPECT_EQ(error, "internal server error, this may be a transient issue");
  EXPECT_FALSE(s.finished());
  auto a = torii::testing::assemble(out);
  EXPECT_EQ(a.text, "Partial");
  EXPECT_EQ(a.finish_reason, "");  // no finish chunk, no usage, no [DONE]
  EXPECT_TRUE(a.usage.empty());
  EXPECT_EQ(out.find("[DONE]"), std::string::npos);

  // ERROR without a message still fails, with some message.
  CohereToOpenAIStream t("m", false);
  out.clear();
  error.clear();
  ASSERT_TRUE(t.feed("message-start", R"({"type":"message-start","id":"y"})", out, error));
  EXPECT_FALSE(t.feed("message-end", R"({"type":"message-end","delta":{"finish_reason":"ERROR"}})", out, error));
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(out.find("[DONE]"), std::string::npos);
}

TEST(CohereStream, InvalidJsonInAnEventFailsTheStream) {
  CohereToOpenAIStream s("m", false);
  std::string out, error;
  ASSERT_TRUE(s.feed("message-start", R"({"type":"message-start","id":"x"})", out, error));
  const size_t before = out.size();
  EXPECT_FALSE(s.feed("tool-call-delta", R"({"type":"tool-call-delta","index":0,"delta":)", out, error));
  EXPECT_NE(error.find("tool-call-delta"), std::string::npos) << error;
  EXPECT_EQ(out.size(), before);
  error.clear();
  EXPECT_FALSE(s.feed("content-delta", "[1,2]", out, error));  // JSON, but not an event object
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(s.finished());
}
