#include "core/errors.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

using namespace torii;
namespace json = boost::json;

TEST(Errors, OpenAiShape) {
  auto body = openai_error_body(make_error(404, "nope", "model_not_found", "model"));
  auto v = json::parse(body).as_object();
  const auto& e = v.at("error").as_object();
  EXPECT_EQ(e.at("message").as_string(), "nope");
  EXPECT_EQ(e.at("type").as_string(), "invalid_request_error");
  EXPECT_EQ(e.at("param").as_string(), "model");
  EXPECT_EQ(e.at("code").as_string(), "model_not_found");
}

TEST(Errors, OpenAiNullsWhenAbsent) {
  auto v = json::parse(openai_error_body(make_error(502, "down"))).as_object();
  const auto& e = v.at("error").as_object();
  EXPECT_TRUE(e.at("param").is_null());
  EXPECT_TRUE(e.at("code").is_null());
  EXPECT_EQ(e.at("type").as_string(), "server_error");
}

TEST(Errors, AnthropicShape) {
  auto v = json::parse(anthropic_error_body(make_error(401, "bad key"))).as_object();
  EXPECT_EQ(v.at("type").as_string(), "error");
  EXPECT_EQ(v.at("error").at("type").as_string(), "authentication_error");
  EXPECT_EQ(v.at("error").at("message").as_string(), "bad key");
}

TEST(Errors, StatusTypes) {
  EXPECT_EQ(openai_error_type(400), "invalid_request_error");
  EXPECT_EQ(openai_error_type(429), "rate_limit_error");
  EXPECT_EQ(openai_error_type(503), "server_error");
  EXPECT_EQ(anthropic_error_type(404), "not_found_error");
  EXPECT_EQ(anthropic_error_type(429), "rate_limit_error");
  EXPECT_EQ(anthropic_error_type(529), "overloaded_error");
  EXPECT_EQ(anthropic_error_type(500), "api_error");
}

TEST(Errors, NormaliseOpenAiUpstream) {
  auto e = normalise_upstream_error(
      429, R"({"error":{"message":"slow down","type":"requests","param":null,"code":"rate_limit_exceeded"}})");
  EXPECT_EQ(e.status, 429);
  EXPECT_EQ(e.message, "slow down");
  EXPECT_EQ(e.type, "requests");
  EXPECT_EQ(e.code, "rate_limit_exceeded");
  EXPECT_TRUE(e.param.empty());
}

TEST(Errors, NormaliseAnthropicUpstream) {
  auto e = normalise_upstream_error(529, R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");
  EXPECT_EQ(e.status, 529);
  EXPECT_EQ(e.message, "Overloaded");
  // Anthropic's type names are replaced by the OpenAI ones for the status.
  EXPECT_TRUE(e.type.empty());
  auto v = json::parse(openai_error_body(e)).as_object();
  EXPECT_EQ(v.at("error").at("type").as_string(), "server_error");
}

TEST(Errors, NormaliseNumericCode) {
  auto e = normalise_upstream_error(400, R"({"error":{"message":"bad","code":400}})");
  EXPECT_EQ(e.code, "400");
}

TEST(Errors, NormaliseFlatAndStringShapes) {
  EXPECT_EQ(normalise_upstream_error(500, R"({"message":"flat"})").message, "flat");
  EXPECT_EQ(normalise_upstream_error(500, R"({"error":"just text"})").message, "just text");
}

TEST(Errors, NormaliseNonJson) {
  auto e = normalise_upstream_error(502, "<html>Bad Gateway</html>");
  EXPECT_EQ(e.status, 502);
  EXPECT_NE(e.message.find("HTTP 502"), std::string::npos);
  EXPECT_NE(e.message.find("<html>Bad Gateway</html>"), std::string::npos);
  auto empty = normalise_upstream_error(503, "");
  EXPECT_EQ(empty.message, "upstream returned HTTP 503");
}
