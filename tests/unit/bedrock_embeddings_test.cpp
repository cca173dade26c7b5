#include "llm/bedrock_embeddings.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "formats/mock_invoke.hpp"

using namespace torii::llm;
namespace json = boost::json;

namespace {
json::object parse(std::string_view s) { return json::parse(s).as_object(); }
}  // namespace

TEST(BedrockEmbeddings, FamiliesByModelId) {
  EXPECT_EQ(bedrock_embed_family("amazon.titan-embed-text-v2:0"), BedrockEmbedFamily::titan);
  EXPECT_EQ(bedrock_embed_family("amazon.titan-embed-text-v1"), BedrockEmbedFamily::titan);
  EXPECT_EQ(bedrock_embed_family("cohere.embed-english-v3"), BedrockEmbedFamily::cohere);
  EXPECT_EQ(bedrock_embed_family("us.cohere.embed-v4:0"), BedrockEmbedFamily::cohere);
  EXPECT_EQ(bedrock_embed_family("amazon.titan-text-express-v1"), BedrockEmbedFamily::unknown);
  EXPECT_EQ(bedrock_embed_family("cohere.command-r-v1:0"), BedrockEmbedFamily::unknown);
}

TEST(BedrockEmbeddings, TitanOneCallPerInput) {
  std::string error;
  auto plan = openai_to_bedrock_embeddings(
      parse(R"({"model":"m","input":["a b","c"],"dimensions":256,"encoding_format":"base64"})"),
      "amazon.titan-embed-text-v2:0", error);
  ASSERT_EQ(error, "");
  EXPECT_EQ(plan.family, BedrockEmbedFamily::titan);
  EXPECT_TRUE(plan.base64);
  ASSERT_EQ(plan.bodies.size(), 2u);
  EXPECT_EQ(parse(plan.bodies[0]), parse(R"({"inputText":"a b","dimensions":256,"normalize":true})"));
  EXPECT_EQ(parse(plan.bodies[1]), parse(R"({"inputText":"c","dimensions":256,"normalize":true})"));

  plan = openai_to_bedrock_embeddings(parse(R"({"input":"x"})"), "amazon.titan-embed-text-v2:0", error);
  EXPECT_EQ(parse(plan.bodies.at(0)), parse(R"({"inputText":"x","normalize":true})"));
  EXPECT_FALSE(plan.base64);
}

TEST(BedrockEmbeddings, TitanGenerationsTakeTheirOwnBodies) {
  std::string error;
  auto plan = openai_to_bedrock_embeddings(parse(R"({"input":"x"})"), "amazon.titan-embed-text-v1", error);
  EXPECT_EQ(parse(plan.bodies.at(0)), parse(R"({"inputText":"x"})"));
  plan = openai_to_bedrock_embeddings(parse(R"({"input":"x","dimensions":384})"), "amazon.titan-embed-image-v1", error);
  EXPECT_EQ(parse(plan.bodies.at(0)), parse(R"({"inputText":"x","embeddingConfig":{"outputEmbeddingLength":384}})"));
  plan = openai_to_bedrock_embeddings(parse(R"({"input":"x","dimensions":8})"), "amazon.titan-embed-text-v1", error);
  EXPECT_TRUE(plan.bodies.empty());
  EXPECT_NE(error.find("dimensions"), std::string::npos);
}

TEST(BedrockEmbeddings, CohereBatchesOfNinetySix) {
  json::array input;
  for (int i = 0; i < 100; ++i) input.emplace_back("t" + std::to_string(i));
  std::string error;
  auto plan = openai_to_bedrock_embeddings(json::object{{"input", input}}, "cohere.embed-english-v3", error);
  ASSERT_EQ(error, "");
  ASSERT_EQ(plan.bodies.size(), 2u);
  json::object first = parse(plan.bodies[0]);
  EXPECT_EQ(first.at("input_type"), "search_document");
  EXPECT_EQ(first.at("texts").as_array().size(), 96u);
  EXPECT_EQ(first.at("texts").as_array()[0], "t0");
  EXPECT_EQ(parse(plan.bodies[1]).at("texts").as_array().size(), 4u);
}

TEST(BedrockEmbeddings, UnservableRequests) {
  std::string error;
  EXPECT_TRUE(openai_to_bedrock_embeddings(parse(R"({"input":[1,2,3]})"), "amazon.titan-embed-text-v2:0", error)
                  .bodies.empty());
  EXPECT_NE(error.find("token arrays"), std::string::npos);
  error.clear();
  openai_to_bedrock_embeddings(parse(R"({"input":[[1,2]]})"), "cohere.embed-english-v3", error);
  EXPECT_NE(error.find("token arrays"), std::string::npos);
  error.clear();
  openai_to_bedrock_embeddings(parse(R"({"input":[]})"), "cohere.embed-english-v3", error);
  EXPECT_NE(error, "");
  error.clear();
  openai_to_bedrock_embeddings(parse(R"({"input":"x"})"), "anthropic.claude-3-haiku-20240307-v1:0", error);
  EXPECT_NE(error.find("cannot embed"), std::string::npos);
}

TEST(BedrockEmbeddings, TitanAnswersBecomeOneList) {
  BedrockEmbeddings c(BedrockEmbedFamily::titan);
  std::string error;
  ASSERT_TRUE(c.add(parse(R"({"embedding":[1.0,0.0],"inputTextTokenCount":3})"), -1, error));
  ASSERT_TRUE(c.add(parse(R"({"embedding":[0.0,-2.5]})"), 4, error));  // the header's count when the body has none
  EXPECT_FALSE(c.add(parse(R"({"message":"x"})"), -1, error));
  json::object out = c.finish("amazon.titan-embed-text-v2:0", false);
  EXPECT_EQ(out, parse(R"({"object":"list","data":[
      {"object":"embedding","index":0,"embedding":[1.0,0.0]},
      {"object":"embedding","index":1,"embedding":[0.0,-2.5]}],
      "model":"amazon.titan-embed-text-v2:0","usage":{"prompt_tokens":7,"total_tokens":7}})"));
  // 1.0f = 00 00 80 3F, 0.0f = 00 00 00 00, little-endian.
  EXPECT_EQ(c.finish("m", true).at("data").as_array()[0].at("embedding"), "AACAPwAAAAA=");
}

TEST(BedrockEmbeddings, CohereAnswersBothShapes) {
  BedrockEmbeddings c(BedrockEmbedFamily::cohere);
  std::string error;
  ASSERT_TRUE(c.add(parse(R"({"embeddings":[[0.5],[0.25]],"id":"x","texts":["a","b"]})"), -1, error));
  ASSERT_TRUE(c.add(parse(R"({"embeddings":{"float":[[1.0]]},"response_type":"embeddings_by_type"})"), 5, error));
  EXPECT_FALSE(c.add(parse(R"({"embeddings":{"int8":[[1]]}})"), -1, error));
  json::object out = c.finish("cohere.embed-english-v3", false);
  const auto& data = out.at("data").as_array();
  ASSERT_EQ(data.size(), 3u);
  EXPECT_EQ(data[1].at("index"), 1);
  EXPECT_EQ(data[2].at("embedding"), json::parse("[1.0]"));
  EXPECT_EQ(out.at("usage").at("prompt_tokens"), 5);
}

TEST(MockInvokeModel, TitanAndCohereAnswerTheirShapes) {
  using torii::mock::invoke_model;
  auto t = invoke_model(parse(R"({"inputText":"hello bedrock","dimensions":8,"normalize":true})"),
                        "amazon.titan-embed-text-v2:0");
  ASSERT_EQ(t.answer.status, 200) << t.answer.body;
  json::object tb = parse(t.answer.body);
  EXPECT_EQ(tb.at("embedding").as_array().size(), 8u);
  EXPECT_EQ(tb.at("inputTextTokenCount"), t.input_tokens);
  EXPECT_GT(t.input_tokens, 0);

  auto g1 = invoke_model(parse(R"({"inputText":"x","normalize":true})"), "amazon.titan-embed-text-v1");
  EXPECT_EQ(g1.answer.status, 400);
  EXPECT_EQ(g1.answer.error_type, "ValidationException");
  EXPECT_NE(g1.answer.body.find("extraneous key [normalize]"), std::string::npos);

  auto c = invoke_model(parse(R"({"texts":["a","b"],"input_type":"search_document"})"), "cohere.embed-english-v3");
  ASSERT_EQ(c.answer.status, 200) << c.answer.body;
  json::object cb = parse(c.answer.body);
  EXPECT_EQ(cb.at("embeddings").as_array().size(), 2u);
  EXPECT_EQ(cb.at("response_type"), "embeddings_floats");
  EXPECT_EQ(invoke_model(parse(R"({"texts":["a"]})"), "cohere.embed-english-v3").answer.status, 400);

  auto other = invoke_model(parse(R"({"inputText":"x"})"), "anthropic.claude-3-haiku-20240307-v1:0");
  EXPECT_EQ(other.answer.status, 400);
  EXPECT_EQ(other.answer.error_type, "ValidationException");
}
