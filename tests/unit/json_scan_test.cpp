#include "llm/json_scan.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

using torii::llm::is_valid_json;
using torii::llm::replace_model;
using torii::llm::scan_request;

TEST(JsonScan, FindsModelAndStream) {
  auto s = scan_request(R"({"model":"gpt-4o","stream":true,"messages":[]})");
  ASSERT_TRUE(s.valid);
  EXPECT_TRUE(s.is_object);
  EXPECT_TRUE(s.has_model);
  EXPECT_TRUE(s.model_is_string);
  EXPECT_EQ(s.model, "gpt-4o");
  EXPECT_TRUE(s.stream);
}

TEST(JsonScan, IgnoresNestedModelKeys) {
  auto s = scan_request(R"({"metadata":{"model":"inner"},"messages":[{"model":"x"}],"model":"outer"})");
  ASSERT_TRUE(s.valid);
  EXPECT_EQ(s.model, "outer");
  EXPECT_FALSE(s.stream);
}

TEST(JsonScan, StreamMustBeLiteralTrue) {
  EXPECT_FALSE(scan_request(R"({"model":"m","stream":"true"})").stream);
  EXPECT_FALSE(scan_request(R"({"model":"m","stream":false})").stream);
  EXPECT_TRUE(scan_request(R"({"model":"m", "stream" :  true })").stream);
}

TEST(JsonScan, DecodesEscapedModel) {
  auto s = scan_request(R"({"model":"a\/b\u00e9"})");
  ASSERT_TRUE(s.valid);
  EXPECT_EQ(s.model, "a/b\xC3\xA9");
}

TEST(JsonScan, ModelNotAString) {
  auto s = scan_request(R"({"model":42})");
  ASSERT_TRUE(s.valid);
  EXPECT_TRUE(s.has_model);
  EXPECT_FALSE(s.model_is_string);
}

TEST(JsonScan, MissingModel) {
  auto s = scan_request(R"({"messages":[]})");
  ASSERT_TRUE(s.valid);
  EXPECT_FALSE(s.has_model);
}

TEST(JsonScan, TopLevelNotObject) {
  auto s = scan_request(R"([1,2,3])");
  ASSERT_TRUE(s.valid);
  EXPECT_FALSE(s.is_object);
}

TEST(JsonScan, RejectsMalformedDocuments) {
  for (const char* bad : {"", "{", "{\"model\":}", "{\"a\":1,}", "{\"a\" 1}", "[1,]", "{\"a\":01}", "{\"a\":1.}",
                          "{\"a\":-}", "{\"a\":tru}", "{\"a\":\"x}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12g4\"}",
                          "{} {}", "{\"a\":1}x", "{'a':1}", "{\"a\":\"\x01\"}", "nul"}) {
    auto s = scan_request(bad);
    EXPECT_FALSE(s.valid) << bad;
    EXPECT_FALSE(s.error.empty()) << bad;
  }
}

TEST(JsonScan, ErrorNamesOffset) {
  auto s = scan_request(R"({"model":"m",})");
  ASSERT_FALSE(s.valid);
  EXPECT_NE(s.error.find("offset 13"), std::string::npos) << s.error;
}

TEST(JsonScan, AcceptsNumbersAndLiterals) {
  EXPECT_TRUE(is_valid_json(R"({"a":[0,-1,1.5,2e10,-3.25E-2,true,false,null,{}, []]})"));
  EXPECT_TRUE(is_valid_json(" \n\t{}\r\n "));
  EXPECT_TRUE(is_valid_json("\"just a string\""));
}

TEST(JsonScan, ValidatesUtf8) {
  EXPECT_TRUE(is_valid_json("{\"a\":\"h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80\"}"));
  EXPECT_FALSE(is_valid_json("{\"a\":\"\xC3\"}"));          // truncated sequence
  EXPECT_FALSE(is_valid_json("{\"a\":\"\xC0\xAF\"}"));      // overlong
  EXPECT_FALSE(is_valid_json("{\"a\":\"\xED\xA0\x80\"}"));  // UTF-16 surrogate
  EXPECT_FALSE(is_valid_json("{\"a\":\"\xFF\"}"));
}

// Long plain runs are skipped eight bytes at a time: a byte that needs a
// check must be caught at every position of such a word.
TEST(JsonScan, SpecialBytesAreFoundAtEveryOffsetOfALongString) {
  for (size_t at = 0; at < 24; ++at) {
    std::string plain(24, 'a');
    auto with = [&](std::string_view bytes) {
      std::string s = plain;
      s.replace(at, 1, bytes);
      return "{\"k\":\"" + s + "\"}";
    };
    EXPECT_TRUE(is_valid_json(with("b"))) << at;
    EXPECT_FALSE(is_valid_json(with("\x01"))) << at;              // control character
    EXPECT_FALSE(is_valid_json(with("\x1f"))) << at;
    EXPECT_FALSE(is_valid_json(with("\""))) << at;                // ends the string early
    EXPECT_TRUE(is_valid_json(with("\\n"))) << at;               // escape
    EXPECT_FALSE(is_valid_json(with("\\q"))) << at;              // bad escape
    EXPECT_TRUE(is_valid_json(with("\xC3\xA9"))) << at;           // UTF-8
    EXPECT_FALSE(is_valid_json(with("\xFF"))) << at;              // invalid UTF-8
    EXPECT_TRUE(is_valid_json(with(" ~\x7f"))) << at;             // edges of plain ASCII
  }
  std::string unterminated = "\"" + std::string(40, 'x');
  EXPECT_FALSE(is_valid_json(unterminated));
}

TEST(JsonScan, DepthLimit) {
  std::string deep(200, '[');
  deep += std::string(200, ']');
  EXPECT_FALSE(is_valid_json(deep, nullptr, 128));
  EXPECT_TRUE(is_valid_json(deep, nullptr, 512));
}

TEST(JsonScan, ReplaceModelKeepsEveryOtherByte) {
  std::string body = "{ \"temperature\" : 0.5 ,\n  \"model\" :\t\"alias\", \"x\":[1, 2 ,3], \"u\":\"\xC3\xA9\" }";
  auto s = scan_request(body);
  ASSERT_TRUE(s.valid);
  std::string out = replace_model(body, s, "gpt-4o-mini");
  EXPECT_EQ(out, "{ \"temperature\" : 0.5 ,\n  \"model\" :\t\"gpt-4o-mini\", \"x\":[1, 2 ,3], \"u\":\"\xC3\xA9\" }");
}

TEST(JsonScan, ReplaceModelEscapes) {
  std::string body = R"({"model":"a"})";
  auto s = scan_request(body);
  EXPECT_EQ(replace_model(body, s, "we\"ird\\m\n"), R"({"model":"we\"ird\\m\n"})");
}

TEST(JsonScan, LastDuplicateModelWins) {
  std::string body = R"({"model":"first","model":"second"})";
  auto s = scan_request(body);
  ASSERT_TRUE(s.valid);
  EXPECT_EQ(s.model, "second");
  EXPECT_EQ(replace_model(body, s, "x"), R"({"model":"first","model":"x"})");
}

TEST(StreamUsage, AddsStreamOptionsWhenAbsent) {
  std::string body = R"({ "model":"m","stream":true,"messages":[]})";
  auto s = scan_request(body);
  std::string out;
  ASSERT_TRUE(torii::llm::with_stream_usage(body, s, out));
  EXPECT_EQ(out, R"({"stream_options":{"include_usage":true}, "model":"m","stream":true,"messages":[]})");
  EXPECT_TRUE(is_valid_json(out));
}

TEST(FirstMember, GoesBeforeEveryOtherByte) {
  EXPECT_EQ(torii::llm::with_first_member(R"( {"model":"m"})", R"("max_tokens":7)"), R"( {"max_tokens":7,"model":"m"})");
  EXPECT_EQ(torii::llm::with_first_member("{ \n}", R"("a":1)"), "{\"a\":1 \n}");
}

TEST(Scan, ReadsTheReasoningEffortInBothSpellings) {
  EXPECT_EQ(scan_request(R"({"model":"m","reasoning_effort":"high"})").reasoning_effort, "high");
  EXPECT_EQ(scan_request(R"({"model":"m","reasoning":{"summary":"auto","effort":"low"}})").reasoning_effort, "low");
  EXPECT_EQ(scan_request(R"({"model":"m","reasoning":{"summary":"auto"}})").reasoning_effort, "");
  EXPECT_EQ(scan_request(R"({"model":"m","messages":[{"reasoning_effort":"high"}]})").reasoning_effort, "");
  EXPECT_EQ(scan_request(R"({"model":"m","reasoning_effort":3})").reasoning_effort, "");
}

TEST(StreamUsage, SetsIncludeUsageInExistingOptions) {
  std::string body = R"({"model":"m","stream_options":{"include_usage":false,"x":1},"stream":true})";
  auto s = scan_request(body);
  ASSERT_TRUE(s.has_stream_options);
  std::string out;
  ASSERT_TRUE(torii::llm::with_stream_usage(body, s, out));
  auto v = boost::json::parse(out).as_object();
  EXPECT_TRUE(v.at("stream_options").at("include_usage").as_bool());
  EXPECT_EQ(v.at("stream_options").at("x").as_int64(), 1);
  EXPECT_EQ(v.at("model").as_string(), "m");
}

TEST(StreamUsage, LeavesClientRequestAlone) {
  std::string body = R"({"model":"m","stream_options":{"include_usage":true}})";
  auto s = scan_request(body);
  std::string out;
  EXPECT_FALSE(torii::llm::with_stream_usage(body, s, out));
  EXPECT_TRUE(out.empty());
}

TEST(StreamUsage, RecognisesTheUsageChunk) {
  EXPECT_TRUE(torii::llm::is_usage_only_chunk(
      "data: {\"id\":\"x\",\"choices\":[],\"usage\":{\"prompt_tokens\":1}}\n\n"));
  EXPECT_TRUE(torii::llm::is_usage_only_chunk("data: {\"choices\" : [ ] ,\"usage\":{}}\n\n"));
  EXPECT_FALSE(torii::llm::is_usage_only_chunk(
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}],\"usage\":null}\n\n"));
  EXPECT_FALSE(torii::llm::is_usage_only_chunk("data: [DONE]\n\n"));
}
