// What the libFuzzer targets (fuzz/) found, each with its input minimised
// and inline; the same inputs are in the targets' seed corpora. Some showed
// only under the sanitizers (make test-asan), which the fuzzing build has.
#include <gtest/gtest.h>

#include <cfloat>

#include <boost/json.hpp>

#include "app/admin_bodies.hpp"
#include "config/config.hpp"
#include "filters/guardrails/pii.hpp"
#include "filters/guardrails/rules.hpp"
#include "filters/guardrails/scrubber.hpp"
#include "filters/guardrails/stream_guard.hpp"
#include "llm/anthropic_format.hpp"
#include "llm/bedrock_format.hpp"
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

// fuzz_translate_stream: a Converse stream with content events after its
// messageStop (a second contentBlockStart of a tool, never stopped) opened a
// tool call after the finish, which nothing closed: its arguments stayed "".
// What follows messageStop, other than the usage, is ignored now.
TEST(FuzzFindings, ConverseContentAfterMessageStopIsIgnored) {
  std::string out, error;
  ConverseToOpenAIStream stream("m", false, "chatcmpl-1");
  const std::string tool = R"({"contentBlockIndex":2,"start":{"toolUse":{"toolUseId":"tu2","name":"search"}}})";
  ASSERT_TRUE(stream.feed("messageStart", R"({"role":"assistant"})", out, error));
  ASSERT_TRUE(stream.feed("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"Hi"}})", out, error));
  ASSERT_TRUE(stream.feed("contentBlockStart", tool, out, error));
  ASSERT_TRUE(stream.feed("messageStop", R"({"stopex":1})", out, error));
  ASSERT_TRUE(stream.feed("contentBlockStart", tool, out, error));
  ASSERT_TRUE(stream.feed("contentBlockStop", R"({"contentBlockIndex":1})", out, error));
  ASSERT_TRUE(stream.feed("messageStop", R"({"stopReason":"tool_use"})", out, error));
  ASSERT_TRUE(stream.feed("metadata", R"({"usage":{"inputTokens":5,"outputTokens":6,"totalTokens":11}})", out, error));
  auto assembled = torii::testing::assemble(out);
  ASSERT_EQ(assembled.arguments.size(), 1u) << out;
  EXPECT_EQ(assembled.arguments[0], "{}");
  EXPECT_NE(out.find("[DONE]"), std::string::npos);
}

// fuzz_config: yaml-cpp 0.7 never gets past a ',' outside a flow collection
// (a stray comma after a list item): LoadAll made empty documents until the
// memory ran out, so `torii check` hung and a reload (watch, SIGHUP, the
// admin API) took the gateway down. It is an error on its line now.
TEST(FuzzFindings, ConfigCommaOutsideAFlowCollectionIsAnError) {
  for (const char* text : {"- a\n, b\n", "[a], b\n", "{ workers: 2 }, b\n", ",\n"}) {
    torii::ConfigResult r = torii::load_config_text(text, "c.yaml");
    ASSERT_FALSE(r.config) << text;
    ASSERT_EQ(r.errors.size(), 1u) << text;
    EXPECT_GE(r.errors[0].line, 1);
    EXPECT_NE(r.errors[0].message.find("unexpected ','"), std::string::npos) << r.errors[0].to_string();
  }
  EXPECT_EQ(torii::load_config_text("- a\n, b\n", "c.yaml").errors[0].line, 2);
}

// fuzz_config: a `keys:` entry whose model_limits or metadata had a list or
// a map as a key threw yaml-cpp's bad conversion out of the loader.
TEST(FuzzFindings, ConfigStaticKeyMapsWithNonStringKeysAreErrors) {
  for (const char* text : {"keys:\n  - { key: abcdefgh12, model_limits: { [a]: { rpm: 1 } } }\n",
                           "keys:\n  - { key: abcdefgh12, metadata: { {a: 1}: b } }\n"}) {
    torii::ConfigResult r;
    EXPECT_NO_THROW(r = torii::load_config_text(text, "c.yaml")) << text;
    ASSERT_FALSE(r.config) << text;
    ASSERT_FALSE(r.errors.empty());
    EXPECT_EQ(r.errors[0].line, 2);
    EXPECT_EQ(r.errors[0].key.rfind("keys[0].", 0), 0u) << r.errors[0].to_string();
  }
}

namespace {
std::optional<std::string> param_of(const std::optional<torii::app::Answer>& a) {
  if (!a) return std::nullopt;
  EXPECT_EQ(a->status, 400);
  return std::string(json::parse(a->body).at("error").at("param").as_string());
}
}  // namespace

// fuzz_admin_bodies: a limit past int64 (boost::json holds it as a uint64)
// made to_number<int64_t>() throw out of the body parser: a 500 for what is
// a 400.
TEST(FuzzFindings, AdminLimitsPastInt64AreRefused) {
  torii::store::KeyRow key;
  auto member = [](const std::string&, const std::string&) { return std::optional<torii::app::Answer>(); };
  std::optional<torii::app::Answer> a;
  EXPECT_NO_THROW(a = torii::app::apply_key_body(parsed(R"({"rpm":18446744073709551615})"), key, member));
  EXPECT_EQ(param_of(a), "rpm");
  torii::store::EntityRow team;
  EXPECT_NO_THROW(a = torii::app::apply_entity_body(
                      parsed(R"({"model_limits":{"gpt-*":{"tpm":9223372036854775808}}})"), team));
  EXPECT_EQ(param_of(a), "model_limits");
  int64_t grace = -1;
  EXPECT_NO_THROW(a = torii::app::read_rotate_body(parsed(R"({"grace_period_s":18446744073709551615})"), grace));
  EXPECT_EQ(param_of(a), "grace_period_s");
  EXPECT_FALSE(torii::app::read_rotate_body(parsed(R"({"grace_period_s":60})"), grace));
  EXPECT_EQ(grace, 60);
}

// fuzz_admin_bodies: metadata holding 1e400 (an infinity to boost::json) was
// kept as {"cost":Infinity}, which every later read of the key, team or
// user (GET, the list) failed to parse.
TEST(FuzzFindings, AdminMetadataNumbersBeyondADoubleAreRefused) {
  torii::store::KeyRow key;
  auto member = [](const std::string&, const std::string&) { return std::optional<torii::app::Answer>(); };
  json::object body = json::parse(R"({"alias":"m","metadata":{"cost":1e400}})").as_object();
  EXPECT_EQ(param_of(torii::app::apply_key_body(body, key, member)), "metadata");
  torii::store::EntityRow user;
  EXPECT_EQ(param_of(torii::app::apply_entity_body(json::parse(R"({"metadata":{"x":[0e400]}})").as_object(), user)),
            "metadata");
  EXPECT_EQ(user.metadata_json, "{}");
}

namespace {
using namespace torii::filters::guardrails;

std::shared_ptr<Rule> compiled(RuleType type, Action action, std::vector<std::string> words = {}) {
  auto r = std::make_shared<Rule>();
  r->name = "r";
  r->type = type;
  r->action = action;
  (type == RuleType::regex ? r->patterns : r->words) = std::move(words);
  std::string error;
  EXPECT_TRUE(r->compile(error)) << error;
  return r;
}

std::vector<std::string> pii_found(std::string_view text, Detector d) {
  std::vector<torii::filters::guardrails::Span> spans;  // not llm::Span
  find_pii(text, bit(d), spans);
  std::vector<std::string> out;
  for (const auto& s : spans) out.emplace_back(text.substr(s.begin, s.end - s.begin));
  return out;
}

// `text` as OpenAI chunk events, one delta per piece, then the finishing chunk.
std::string chunks(const std::vector<std::string>& pieces) {
  std::string out;
  auto chunk = [&](json::object delta, json::value finish) {
    json::object c{{"id", "c"}, {"object", "chat.completion.chunk"}, {"created", 1}, {"model", "m"}};
    c["choices"] = json::array{json::object{{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", finish}}};
    out += "data: " + json::serialize(c) + "\n\n";
  };
  for (const auto& p : pieces) chunk(json::object{{"content", p}}, nullptr);
  chunk(json::object{}, "stop");
  return out + "data: [DONE]\n\n";
}

// What a guard over `rule` sends of those events: the content, every event checked to be JSON.
std::string streamed(const Rule& rule, const std::vector<std::string>& pieces, bool* blocked = nullptr) {
  Scrubber s({&rule});
  StreamGuard g(s, false);
  std::string events = chunks(pieces);
  const bool go = g.feed(events);
  if (blocked) *blocked = !go;
  std::string content;
  for (size_t at = events.find("data: "); at != std::string::npos; at = events.find("data: ", at + 1)) {
    const std::string data = events.substr(at + 6, events.find("\n\n", at) - at - 6);
    if (data == "[DONE]") continue;
    json::error_code ec;
    json::value v = json::parse(data, ec);
    EXPECT_FALSE(ec) << data;
    if (ec || !v.as_object().contains("choices")) continue;
    if (const json::value* c = v.at("choices").at(0).at("delta").as_object().if_contains("content"))
      content += c->as_string();
  }
  return content;
}
}  // namespace

// fuzz_guardrails: the email detector took a NUL for a character of an
// address's local part (strchr finds the terminator), so "bo\0\0b@..." was
// one address.
TEST(FuzzFindings, EmailLocalPartsStopAtANul) {
  EXPECT_EQ(pii_found(std::string_view("ships to bo\0\0b@example.org", 27), Detector::email),
            std::vector<std::string>{"b@example.org"});
}

// fuzz_guardrails (redacting again found them): a phone number followed by
// a space and another number was read as one longer run and missed.
TEST(FuzzFindings, PhoneNumbersFollowedByAnotherNumberAreFound) {
  EXPECT_EQ(pii_found("Call 415-555-0100 24/7", Detector::phone), std::vector<std::string>{"415-555-0100"});
  EXPECT_EQ(pii_found("or 415-555-0100 123-45-6789", Detector::phone), std::vector<std::string>{"415-555-0100"});
  EXPECT_EQ(pii_found("+1 415 555 0100 12345 now", Detector::phone), std::vector<std::string>{"+1 415 555 0100"});
  EXPECT_EQ(pii_found("call +1 415 555 0100 now", Detector::phone), std::vector<std::string>{"+1 415 555 0100"});
  // And a plus with a space after it is no E.164 number.
  EXPECT_TRUE(pii_found("dial + 4915112345678 now", Detector::phone).empty());
}

// fuzz_guardrails: of findings of two rules that overlap, the later was
// dropped whole, so the part of it past the first stayed in the text.
TEST(FuzzFindings, OverlappingFindingsAreRedactedAsOne) {
  auto pii = compiled(RuleType::pii, Action::redact);
  auto regex = compiled(RuleType::regex, Action::redact, {"example\\.com and secret"});
  Scrubber s({pii.get(), regex.get()});
  std::string text = "mail bob@example.com and secret now";
  EXPECT_EQ(s.apply(text, kInput, true), nullptr);
  EXPECT_EQ(text, "mail [EMAIL_1] now");
}

// fuzz_guardrails: a stream released "(" and a space after ")" or after an
// IBAN's letters before the rest came, so "(415) 555-0100" and "GB82 WEST
// 1234 ..." split there went out unredacted.
TEST(FuzzFindings, StreamsHoldBackParenthesisedPhonesAndIbanGroups) {
  EXPECT_EQ(StreamGuard::releasable("Call ("), 5u);
  EXPECT_EQ(StreamGuard::releasable("Call (415) "), 5u);
  EXPECT_EQ(StreamGuard::releasable("IBAN GB82 WEST "), 5u);
  EXPECT_EQ(StreamGuard::releasable("the WEST "), 9u);
  auto pii = compiled(RuleType::pii, Action::redact);
  pii->on = kOutput;
  EXPECT_EQ(streamed(*pii, {"Call (", "415)", " 555", "-0100 now."}), "Call [PHONE_1] now.");
  EXPECT_EQ(streamed(*pii, {"IBAN GB82 WEST ", "1234 5698 ", "7654 32 ok"}), "IBAN [IBAN_1] ok");
}

// fuzz_guardrails: past 256 held bytes the cut could fall inside a
// character (any long run of CJK text): events carried invalid UTF-8.
TEST(FuzzFindings, LongNonAsciiStreamsAreCutBetweenCharacters) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "\xe4\xb8\xad";
  EXPECT_EQ(StreamGuard::releasable(text) % 3, 0u);
  auto pii = compiled(RuleType::pii, Action::redact);
  pii->on = kOutput;
  std::vector<std::string> pieces;
  for (size_t i = 0; i < text.size(); i += 6) pieces.push_back(text.substr(i, 6));
  EXPECT_EQ(streamed(*pii, pieces), text);
}

// fuzz_guardrails: a block rule blocked a stream on a match at the end of
// what had come, which the next delta made no match ("Bluebird", then "s").
TEST(FuzzFindings, StreamBlockRulesWaitForTheWordToEnd) {
  auto words = compiled(RuleType::words, Action::block, {"Bluebird"});
  words->on = kOutput;
  bool blocked = true;
  EXPECT_EQ(streamed(*words, {"Bluebird", "s fly south."}, &blocked), "Bluebirds fly south.");
  EXPECT_FALSE(blocked);
  streamed(*words, {"A Bluebird", " flies."}, &blocked);
  EXPECT_TRUE(blocked);
}
