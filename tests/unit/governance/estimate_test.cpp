// A request's maximum cost for budgets and its token charge for tpm: the
// largest output cap the body names, n choices, the chain's dearest rates,
// and saturation instead of overflow for absurd values.
#include <gtest/gtest.h>

#include "filters/metering/estimate.hpp"
#include "llm/json_scan.hpp"
#include "routing/model_table.hpp"
#include "surfaces/model_access.hpp"

using namespace torii;
using filters::metering::max_cost;
using filters::metering::rate_tokens;

namespace {

routing::Model priced(double input, double output) {
  routing::Model m;
  m.name = "m";
  routing::Target t;
  t.model = "x";
  llm::Price p;
  p.base.input = input;
  p.base.output = output;
  t.price = p;
  m.targets.push_back(t);
  return m;
}

// As the surfaces admit a request.
pipeline::Admission admission(const routing::Model& m, std::string_view body) {
  return surfaces::admission_for(m, llm::scan_request(body), body.size(), true);
}

}  // namespace

TEST(MaxCost, TakesTheLargestOutputCapAndEveryChoice) {
  const routing::Model m = priced(1, 1000);
  const std::string body = R"({"model":"m","max_completion_tokens":500,"max_tokens":10,"n":3})";
  const auto c = max_cost(admission(m, body));
  EXPECT_EQ(c.output_tokens, 1500);
  EXPECT_EQ(c.input_tokens, int64_t((body.size() + 2) / 3));
}

TEST(MaxCost, SeesAnEscapedSpellingOfMaxTokens) {
  const routing::Model m = priced(1, 1);
  const auto c = max_cost(admission(m, R"({"model":"m","max\u005ftokens":777})"));
  EXPECT_EQ(c.output_tokens, 777);
}

TEST(MaxCost, WithoutMaxTokensReservesTheChainsDefaultPerChoice) {
  routing::Model m = priced(1, 1);
  routing::Model fallback = priced(1, 1);
  fallback.default_max_tokens = 8000;
  m.fallbacks.push_back(&fallback);
  const auto c = max_cost(admission(m, R"({"model":"m","n":2})"));
  EXPECT_EQ(c.output_tokens, 16000);
}

TEST(MaxCost, SaturatesInsteadOfOverflowing) {
  const routing::Model m = priced(10, 10);
  const auto c = max_cost(admission(m, R"({"model":"m","max_tokens":1000000000000000000,"n":1000000000000})"));
  EXPECT_EQ(c.output_tokens, filters::metering::kMaxTokens);
  EXPECT_GT(c.nusd, 0);
  EXPECT_LE(c.nusd, filters::metering::kMaxNusd);
  EXPECT_LE(rate_tokens(admission(m, R"({"model":"m","max_tokens":999999999999,"n":999999999999})")),
            filters::metering::kMaxTokens);
}

TEST(MaxCost, NamesATargetWithoutAPrice) {
  routing::Model m = priced(1, 1);
  m.targets.push_back(routing::Target{});
  m.targets.back().model = "unpriced";
  EXPECT_EQ(max_cost(admission(m, R"({"model":"m"})")).unpriced, "?/unpriced");
}

TEST(MaxCost, ReservesTheThinkingAReasoningEffortMayAddOnTopOfTheCap) {
  const routing::Model m = priced(1, 1);
  // Translated to Anthropic or Bedrock's Claude, "high" thinks up to 16384
  // tokens on top of max_tokens.
  EXPECT_EQ(max_cost(admission(m, R"({"model":"m","max_tokens":100,"reasoning_effort":"high"})")).output_tokens,
            100 + 16384);
  EXPECT_EQ(max_cost(admission(m, R"({"model":"m","max_tokens":100,"n":2,"reasoning_effort":"low"})")).output_tokens,
            2 * (100 + 2048));
  // The Responses API's spelling.
  EXPECT_EQ(max_cost(admission(m, R"({"model":"m","max_output_tokens":10,"reasoning":{"effort":"medium"}})"))
                .output_tokens,
            10 + 8192);
  EXPECT_EQ(max_cost(admission(m, R"({"model":"m","max_tokens":100,"reasoning_effort":"none"})")).output_tokens, 100);
}

TEST(MaxCost, NamesTheCapItAssumedOnlyWhenTheBodySetsNone) {
  routing::Model m = priced(1, 1);
  EXPECT_EQ(max_cost(admission(m, R"({"model":"m"})")).output_cap, filters::metering::kReservedOutputTokens);
  m.default_max_tokens = 1000;
  const auto c = max_cost(admission(m, R"({"model":"m","reasoning_effort":"low"})"));
  EXPECT_EQ(c.output_cap, 1000);  // the thinking comes on top, from the translation
  EXPECT_EQ(c.output_tokens, 1000 + 2048);
  EXPECT_EQ(max_cost(admission(m, R"({"model":"m","max_tokens":5})")).output_cap, 0);
}

TEST(MaxCost, AHedgingModelReservesASecondPrompt) {
  routing::Model m = priced(1000, 0);
  routing::Target second = m.targets.front();
  m.targets.push_back(second);
  const std::string body = R"({"model":"m","max_tokens":1})";
  const auto plain = max_cost(admission(m, body));
  m.hedge_after_ms = 100;
  const auto hedged = max_cost(admission(m, body));
  EXPECT_EQ(hedged.nusd, 2 * plain.nusd);
}
