// What the libFuzzer targets (fuzz/) found, each with its input minimised
// and inline; the same inputs are in the targets' seed corpora. Some showed
// only under the sanitizers (make test-asan), which the fuzzing build has.
#include <gtest/gtest.h>

#include <cfloat>

#include <boost/json.hpp>

#include "llm/anthropic_format.hpp"
#include "llm/cohere_format.hpp"
#include "llm/gemini_format.hpp"
#include "llm/json_dom.hpp"
#include "llm/json_scan.hpp"
#include "llm/responses_format.hpp"
#include "openai_chunk_reader.hpp"

using namespace torii::llm;
namespace json = boost::json;

namespace {
// As the translating paths parse bodies and answers.
json::object parsed(std::string_view text) {
  json::error_code ec;
  json::value v = parse_json(text, ec);
  EXPECT_FALSE(ec) << text;
  return v.is_object() ? v.get_object() : json::object();
}

bool is_json(const std::string& text) {
  json::error_code ec;
  (void)json::parse(text, ec);
  return !ec;
}
}  // namespace

// fuzz_responses: the item's type was a view into the item, which rewriting
// its string content moved (boost::json's operator[] grows the table before
// it looks the key up): a heap-use-after-free.
TEST(FuzzFindings, ResponsesMessageItemWithStringContent) {
  ResponsesRefusal refusal;
  json::array items =
      responses_input_items(parsed(R"({"input":[{"type":"message","role":"user","content":"Hi"}]})"), "abc", refusal);
  ASSERT_FALSE(refusal.refused());
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(json::serialize(items[0]),
            R"({"type":"message","role":"user","content":[{"type":"input_text","text":"Hi"}],"id":"msg_abc00"})");
}

// fuzz_json_scan: a model naming a lone surrogate made the scanner throw
// (every surface scans first: a 500 instead of a 400).
TEST(FuzzFindings, ScannerRefusesALoneSurrogateModel) {
  RequestScan scan;
  EXPECT_NO_THROW(scan = scan_request(R"({"model":"\ud83d"})"));
  EXPECT_FALSE(scan.valid);
  EXPECT_NE(scan.error.find("lone surrogate"), std::string::npos) << scan.error;
}

// fuzz_translate_request: 1e400 parses as an infinity and 0e400 as NaN,
// which boost::json writes as `Infinity` and `NaN`: the upstream body was
// not JSON.
TEST(FuzzFindings, NumbersBeyondADoubleStayJson) {
  std::string error;
  json::object out = openai_to_anthropic_request(parsed(R"({"temperature":1e400})"), "m", 1024, error);
  ASSERT_TRUE(error.empty());
  EXPECT_TRUE(is_json(json::serialize(out))) << json::serialize(out);
  EXPECT_EQ(out.at("temperature").as_double(), DBL_MAX);
  out = openai_to_anthropic_request(parsed(R"({"temperature":-0e400})"), "m", 1024, error);
  EXPECT_TRUE(is_json(json::serialize(out))) << json::serialize(out);
  EXPECT_EQ(out.at("temperature").as_double(), 0.0);

  // The same through tool-call arguments, which are parsed on their own.
  out = openai_to_anthropic_request(
      parsed(R"({"messages":[{"role":"assistant","tool_calls":[{"id":"c","function":{"name":"f","arguments":"{\"x\":-1e400}"}}]}]})"),
      "m", 1024, error);
  EXPECT_TRUE(is_json(json::serialize(out))) << json::serialize(out);

  // And a Gemini stream's function call arguments.
  GeminiToOpenAIStream stream("m", false);
  std::string events;
  ASSERT_TRUE(stream.feed(R"({"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{"x":1e400}}}]}}]})",
                          events, error));
  EXPECT_TRUE(is_json(torii::testing::assemble(events).arguments[0]));
}

// fuzz_translate_request: a token count past int64 as a double (its
// conversion is undefined), or an int64 near its limit that a translator adds
// to, overflowed.
TEST(FuzzFindings, HugeTokenCountsAreClamped) {
  std::string error;
  json::object out = openai_to_anthropic_request(parsed(R"({"max_tokens":1e300})"), "m", 1024, error);
  EXPECT_EQ(out.at("max_tokens").as_int64(), int64_t(1) << 53);
  out = openai_to_anthropic_request(parsed(R"({"max_tokens":9223372036854775807,"reasoning_effort":"high"})"), "m",
                                    1024, error);
  EXPECT_EQ(out.at("max_tokens").as_int64(), (int64_t(1) << 53) + 16384);
  json::object answer = anthropic_to_openai_response(
      parsed(R"({"usage":{"input_tokens":9223372036854775807,"cache_read_input_tokens":1}})"), "m");
  EXPECT_EQ(answer.at("usage").at("prompt_tokens").as_int64(), (int64_t(1) << 53) + 1);
}

// Stream indexes no real stream has: a negative one was cast to size_t and
// written past a table sized by it plus one (0); a huge one sized tables by
// it (gigabytes, or std::bad_alloc thrown through the stream).
TEST(FuzzFindings, StreamIndexesOutOfRangeAreIgnored) {
  std::string out, error;
  AnthropicToOpenAIStream anthropic("m", false);
  for (const char* index : {"-1", "100000000000"}) {
    EXPECT_TRUE(anthropic.feed("content_block_start",
                               std::string(R"({"type":"content_block_start","index":)") + index +
                                   R"(,"content_block":{"type":"tool_use","id":"t","name":"f"}})",
                               out, error));
  }
  EXPECT_TRUE(torii::testing::assemble(out).arguments.empty());

  OpenAIToAnthropicStream canonical("m");
  out.clear();
  canonical.feed(R"({"choices":[{"delta":{"tool_calls":[{"index":-1,"id":"c","function":{"name":"f"}}]}}]})", out);
  canonical.feed(R"({"choices":[{"delta":{"tool_calls":[{"index":0,"id":"c","function":{"name":"g"}}]}}]})", out);
  EXPECT_EQ(out.find("\"name\":\"f\""), std::string::npos);
  EXPECT_NE(out.find("\"name\":\"g\""), std::string::npos);

  CohereToOpenAIStream cohere("m", false);
  out.clear();
  EXPECT_TRUE(cohere.feed("tool-call-start",
                          R"({"type":"tool-call-start","index":2000000000,"delta":{"message":{"tool_calls":{"id":"c","function":{"name":"f","arguments":""}}}}})",
                          out, error));

  GeminiToOpenAIStream gemini("m", false);
  out.clear();
  EXPECT_NO_THROW(EXPECT_TRUE(
      gemini.feed(R"({"candidates":[{"index":100000000000,"content":{"parts":[{"text":"x"}]}}]})", out, error)));
}

// fuzz_translate_stream: an Anthropic stream whose tool_use block (without
// input deltas) was never stopped and had no message_delta ended with the
// call's arguments "", which no client can parse.
TEST(FuzzFindings, AnthropicToolCallWithoutStopOrDeltaGetsArguments) {
  std::string out, error;
  AnthropicToOpenAIStream stream("m", false);
  ASSERT_TRUE(stream.feed("message_start", R"({"type":"message_start","message":{"id":"msg_1","usage":{}}})", out,
                          error));
  ASSERT_TRUE(stream.feed("content_block_start",
                          R"({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"now","input":{}}})",
                          out, error));
  ASSERT_TRUE(stream.feed("message_stop", R"({"type":"message_stop"})", out, error));
  ASSERT_TRUE(stream.finished());
  auto assembled = torii::testing::assemble(out);
  ASSERT_EQ(assembled.arguments.size(), 1u);
  EXPECT_EQ(assembled.arguments[0], "{}");
  EXPECT_LT(out.find("\"arguments\":\"{}\""), out.find("[DONE]"));
}
