// The cache's parts without a network: the canonical key, the client's
// controls, the memory store, streams added up into answers and answers
// replayed as streams, the stored form, the semantic index and what it
// embeds, and the config sections.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "config/config.hpp"
#include "filters/cache/cache_key.hpp"
#include "filters/cache/cache_section.hpp"
#include "filters/cache/cached_answer.hpp"
#include "filters/cache/controls.hpp"
#include "filters/cache/memory_store.hpp"
#include "filters/cache/replay.hpp"
#include "filters/cache/semantic_index.hpp"
#include "filters/cache/semantic_query.hpp"

namespace json = boost::json;
using namespace torii::filters::cache;

namespace {

json::object obj(std::string_view text) { return json::parse(text).as_object(); }

std::shared_ptr<const CachedAnswer> answer(std::string body) {
  auto a = std::make_shared<CachedAnswer>();
  a->body = std::move(body);
  a->provider = "p";
  return a;
}

}  // namespace

TEST(CacheKey, CanonicalTextIgnoresKeyOrderAndDeliveryFields) {
  const auto a = canonical_request(obj(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":0.5})"));
  const auto b = canonical_request(obj(
      R"({"temperature":0.5,"stream":true,"stream_options":{"include_usage":true},"user":"u1","metadata":{"x":1},)"
      R"("messages":[{"content":"hi","role":"user"}],"model":"m"})"));
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, R"({"messages":[{"content":"hi","role":"user"}],"model":"m","temperature":5E-1})");
  // What changes the answer changes the text.
  for (const char* other : {R"({"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":0.6})",
                            R"({"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":0.5,"tool_choice":"none"})",
                            R"({"model":"m","messages":[{"role":"system","content":"x"},{"role":"user","content":"hi"}],"temperature":0.5})"})
    EXPECT_NE(canonical_request(obj(other)), a) << other;
  // Only top-level `user`/`metadata` are left out: inside a message they count.
  EXPECT_NE(canonical_request(obj(R"({"messages":[{"role":"user","content":"hi","metadata":1}]})")),
            canonical_request(obj(R"({"messages":[{"role":"user","content":"hi"}]})")));
}

TEST(CacheKey, EntryKeysSeparateNamespacesSurfacesAndModels) {
  const std::string ns = namespace_tag("key:k1");
  EXPECT_EQ(ns.size(), 16u);
  const auto base = entry_key(ns, "chat", "mini", "{}");
  EXPECT_TRUE(base.starts_with(ns + ":"));
  EXPECT_EQ(base.size(), 16u + 1 + 64);
  EXPECT_EQ(base, entry_key(ns, "chat", "mini", "{}"));
  EXPECT_NE(base, entry_key(namespace_tag("key:k2"), "chat", "mini", "{}"));
  EXPECT_NE(base, entry_key(ns, "anthropic", "mini", "{}"));
  EXPECT_NE(base, entry_key(ns, "chat", "mini2", "{}"));
  // Lengths are part of the hashed text: moving bytes between fields changes the key.
  EXPECT_NE(entry_key(ns, "ab", "c", "{}"), entry_key(ns, "a", "bc", "{}"));
}

TEST(CacheControls, ReadsEveryHeaderAndRefusesNonsense) {
  torii::http::Headers h;
  h.add("x-torii-cache", "No-Store");
  h.add("x-torii-cache-ttl", "120");
  h.add("x-torii-cache-namespace", "project-x");
  h.add("cache-control", "max-age=30, private");
  Controls c;
  std::string error;
  ASSERT_TRUE(read_controls(h, c, error)) << error;
  EXPECT_TRUE(c.lookup);
  EXPECT_FALSE(c.store);
  EXPECT_EQ(c.ttl_s, 120u);
  EXPECT_EQ(c.max_age_s, 30);
  EXPECT_EQ(c.ns, "project-x");

  for (auto [name, value] : {std::pair{"x-torii-cache", "refresh"}, std::pair{"cache-control", "no-cache"},
                             std::pair{"cache-control", "max-age=0"}}) {
    torii::http::Headers one;
    one.add(name, value);
    Controls d;
    ASSERT_TRUE(read_controls(one, d, error));
    EXPECT_FALSE(d.lookup) << name << ": " << value;
    EXPECT_TRUE(d.store);
  }
  for (auto [name, value] : {std::pair{"x-torii-cache", "maybe"}, std::pair{"x-torii-cache-ttl", "0"},
                             std::pair{"x-torii-cache-ttl", "12s"}, std::pair{"x-torii-cache-namespace", "a b"},
                             std::pair{"cache-control", "max-age=soon"}}) {
    torii::http::Headers one;
    one.add(name, value);
    Controls d;
    error.clear();
    EXPECT_FALSE(read_controls(one, d, error)) << name << ": " << value;
    EXPECT_FALSE(error.empty());
  }
}

TEST(MemoryStore, ExpiresEvictsLeastRecentlyUsedAndErasesByPrefix) {
  MemoryStore store(64 * 1024, 16 * 1024);  // a few shards of ~8 KiB
  store.put("aa:1", answer("one"), 1000);
  EXPECT_NE(store.get("aa:1", 999), nullptr);
  EXPECT_EQ(store.get("aa:1", 1000), nullptr);  // expired, and dropped
  EXPECT_EQ(store.totals().entries, 0u);

  // Far more than the cap: the store stays under it, and what was used
  // recently survives what was not.
  const std::string big(2000, 'x');
  store.put("keep:0", answer(big), 1'000'000);
  for (int i = 0; i < 200; ++i) {
    store.put("fill:" + std::to_string(i), answer(big), 1'000'000);
    store.get("keep:0", 1);
  }
  const auto t = store.totals();
  EXPECT_LE(t.bytes, 64u * 1024);
  EXPECT_LT(t.entries, 200u);
  EXPECT_NE(store.get("keep:0", 1), nullptr);
  EXPECT_EQ(store.get("fill:0", 1), nullptr);

  // Too large for a shard: not kept.
  store.put("huge:1", answer(std::string(40 * 1024, 'y')), 1'000'000);
  EXPECT_EQ(store.get("huge:1", 1), nullptr);

  store.put("ns1:a", answer("a"), 1'000'000);
  store.put("ns2:b", answer("b"), 1'000'000);
  EXPECT_EQ(store.erase("ns1:"), 1u);
  EXPECT_EQ(store.get("ns1:a", 1), nullptr);
  EXPECT_NE(store.get("ns2:b", 1), nullptr);
  EXPECT_GT(store.erase(), 0u);
  EXPECT_EQ(store.totals().entries, 0u);
}

TEST(CachedAnswerForm, RoundTripsThroughTheRedisForm) {
  CachedAnswer a;
  a.body = "{\"a\":\"line\\nbreak\"}\n trailing";
  a.provider = "oai";
  a.upstream_model = "gpt-4o-mini";
  a.usage.input = 3;
  a.usage.output = 5;
  a.usage.cached_read = 2;
  a.usage.reported = true;
  a.cost_usd = 0.000012345678901234;
  a.created_us = 1234567890123456;
  CachedAnswer b;
  ASSERT_TRUE(decode(encode(a), b));
  EXPECT_EQ(b.body, a.body);
  EXPECT_EQ(b.provider, a.provider);
  EXPECT_EQ(b.upstream_model, a.upstream_model);
  EXPECT_EQ(b.usage, a.usage);
  EXPECT_EQ(b.cost_usd, a.cost_usd);
  EXPECT_EQ(b.created_us, a.created_us);
  a.cost_usd.reset();
  ASSERT_TRUE(decode(encode(a), b));
  EXPECT_FALSE(b.cost_usd);
  EXPECT_FALSE(decode("not the form", b));
  EXPECT_FALSE(decode("{\"v\":2}\n{}", b));
}

TEST(StreamCollector, AddsUpAnOpenAIStreamWithToolCallsAndUsage) {
  StreamCollector c(false);
  const std::string events =
      R"(data: {"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","system_fingerprint":"fp","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]})"
      "\n\n"
      R"(data: {"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]})"
      "\n\n"
      R"(data: {"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":null}]})"
      "\n\n"
      R"(data: {"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}}]},"finish_reason":null}]})"
      "\n\n"
      R"(data: {"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":"}}]},"finish_reason":null}]})"
      "\n\n"
      R"(data: {"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]},"finish_reason":null}]})"
      "\n\n"
      R"(data: {"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]})"
      "\n\n"
      R"(data: {"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[],"usage":{"prompt_tokens":4,"completion_tokens":6,"total_tokens":10}})"
      "\n\ndata: [DONE]\n\n";
  // Fed in awkward slices, as the network hands them over.
  for (size_t i = 0; i < events.size(); i += 7) c.feed(std::string_view(events).substr(i, 7));
  ASSERT_TRUE(c.complete());
  const json::object out = json::parse(c.answer({})).as_object();
  EXPECT_EQ(out.at("object"), "chat.completion");
  EXPECT_EQ(out.at("id"), "c1");
  EXPECT_EQ(out.at("system_fingerprint"), "fp");
  const auto& choice = out.at("choices").as_array()[0].as_object();
  EXPECT_EQ(choice.at("finish_reason"), "tool_calls");
  const auto& message = choice.at("message").as_object();
  EXPECT_EQ(message.at("content"), "Hello");
  const auto& call = message.at("tool_calls").as_array()[0].as_object();
  EXPECT_EQ(call.at("id"), "call_1");
  EXPECT_EQ(call.at("function").at("name"), "f");
  EXPECT_EQ(call.at("function").at("arguments"), "{\"a\":1}");
  EXPECT_EQ(out.at("usage").at("total_tokens"), 10);

  // And back: replayed as a stream, it adds up to the same answer.
  StreamCollector again(false);
  again.feed(openai_stream_of(out, true));
  ASSERT_TRUE(again.complete());
  EXPECT_EQ(json::parse(again.answer({})), json::value(out));
}

TEST(StreamCollector, RefusesCutOrFailedStreamsAndFillsInUsageTheClientDidNotAskFor) {
  const std::string chunk =
      R"(data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}]})"
      "\n\n";
  StreamCollector cut(false);
  cut.feed(chunk);
  EXPECT_FALSE(cut.complete());
  EXPECT_EQ(cut.answer({}), "");

  StreamCollector failed(false);
  failed.feed(chunk + "data: {\"error\":{\"message\":\"boom\"}}\n\ndata: [DONE]\n\n");
  EXPECT_FALSE(failed.complete());

  StreamCollector anthropic_failed(true);
  anthropic_failed.feed("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"}}\n\n");
  EXPECT_FALSE(anthropic_failed.complete());

  StreamCollector no_usage(false);
  no_usage.feed(chunk + "data: [DONE]\n\n");
  torii::llm::Usage u;
  u.input = 3;
  u.cached_read = 2;
  u.output = 4;
  u.reported = true;
  const json::object out = json::parse(no_usage.answer(u)).as_object();
  EXPECT_EQ(out.at("usage").at("prompt_tokens"), 5);
  EXPECT_EQ(out.at("usage").at("completion_tokens"), 4);
  EXPECT_EQ(out.at("usage").at("prompt_tokens_details").at("cached_tokens"), 2);
}

TEST(StreamCollector, AddsUpAnAnthropicStreamAndReplaysIt) {
  const json::object message = obj(R"({"id":"msg_1","type":"message","role":"assistant","model":"claude",
    "content":[{"type":"thinking","thinking":"Let me see.","signature":"sig"},
               {"type":"text","text":"Calling the tool."},
               {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Oslo","days":[1,2]}}],
    "stop_reason":"tool_use","stop_sequence":null,
    "usage":{"input_tokens":12,"cache_read_input_tokens":3,"cache_creation_input_tokens":0,"output_tokens":9}})");
  const std::string events = anthropic_stream_of(message);
  EXPECT_TRUE(events.starts_with("event: message_start\n"));
  EXPECT_NE(events.find("event: message_stop\n"), std::string::npos);
  EXPECT_NE(events.find("\"partial_json\""), std::string::npos);
  EXPECT_NE(events.find("\"signature_delta\""), std::string::npos);
  StreamCollector c(true);
  c.feed("event: ping\ndata: {\"type\":\"ping\"}\n\n" + events);
  ASSERT_TRUE(c.complete());
  EXPECT_EQ(json::parse(c.answer({})), json::value(message));
}

TEST(SemanticIndex, FindsTheNearestLiveVectorWithinItsPartitionOnly) {
  SemanticIndex index(1000);
  index.insert("p1", {1, 0, 0, 0}, "k-a", 1'000'000);
  index.insert("p1", {0, 1, 0, 0}, "k-b", 1'000'000);
  index.insert("p2", {0.9f, 0.1f, 0, 0}, "k-other", 1'000'000);
  auto m = index.nearest("p1", {2, 0.2f, 0, 0}, 1);  // not unit length: normalised
  ASSERT_TRUE(m);
  EXPECT_EQ(m->entry_key, "k-a");
  EXPECT_NEAR(m->similarity, 2 / std::sqrt(4.04), 1e-5);
  EXPECT_FALSE(index.nearest("p3", {1, 0, 0, 0}, 1));
  EXPECT_FALSE(index.nearest("p1", {1, 0, 0}, 1));   // another embedding's size
  EXPECT_FALSE(index.nearest("p1", {0, 0, 0, 0}, 1));
  // Expired vectors are passed over.
  EXPECT_EQ(index.nearest("p1", {1, 0.1f, 0, 0}, 1'000'000), std::nullopt);
  EXPECT_EQ(index.size(), 3u);
  index.erase("p1");
  EXPECT_FALSE(index.nearest("p1", {1, 0, 0, 0}, 1));
  EXPECT_EQ(index.size(), 1u);
}

TEST(SemanticIndex, GrowsPastItsFirstCapacityAndKeepsAtMostMaxEntries) {
  SemanticIndex index(300);
  for (int i = 0; i < 500; ++i) {
    std::vector<float> v(8, 0.0f);
    v[size_t(i % 8)] = 1.0f;
    v[size_t((i / 8) % 8)] += float(i) / 500.0f;
    index.insert("p", v, "k" + std::to_string(i), 1'000'000);
  }
  EXPECT_EQ(index.size(), 300u);
  // The oldest were dropped: an exact copy of vector 0 no longer finds it.
  std::vector<float> first(8, 0.0f);
  first[0] = 1.0f;
  auto m = index.nearest("p", first, 1);
  ASSERT_TRUE(m);
  EXPECT_NE(m->entry_key, "k0");
  EXPECT_GE(std::stoi(m->entry_key.substr(1)), 200);
}

TEST(SemanticQuery, EmbedsTheLastUserTurnAndKeepsTheRestAsContext) {
  const auto q = semantic_query(obj(R"({"model":"m","messages":[{"role":"system","content":"Be brief."},
      {"role":"user","content":[{"type":"text","text":"What is"},{"type":"text","text":"our policy?"}]}]})"), false, false);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->text, "What is\nour policy?");
  const auto other = semantic_query(obj(R"({"model":"m","messages":[{"role":"system","content":"Be brief."},
      {"role":"user","content":"Something else entirely"}]})"), false, false);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->context, q->context);  // the same context: compared
  const auto other_system = semantic_query(obj(R"({"model":"m","messages":[{"role":"system","content":"Be long."},
      {"role":"user","content":"Something else entirely"}]})"), false, false);
  EXPECT_NE(other_system->context, q->context);

  // Not looked up: images, assistant prefill, tool results (unless allowed).
  EXPECT_FALSE(semantic_query(obj(R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]})"), false, false));
  EXPECT_FALSE(semantic_query(obj(R"({"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]})"), false, false));
  EXPECT_FALSE(semantic_query(obj(R"({"messages":[{"role":"tool","tool_call_id":"1","content":"sunny"}]})"), false, false));
  EXPECT_TRUE(semantic_query(obj(R"({"messages":[{"role":"tool","tool_call_id":"1","content":"sunny"}]})"), false, true));
  const char* anthropic_tool = R"({"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"sunny"}]}]})";
  EXPECT_FALSE(semantic_query(obj(anthropic_tool), true, false));
  ASSERT_TRUE(semantic_query(obj(anthropic_tool), true, true));
  EXPECT_EQ(semantic_query(obj(anthropic_tool), true, true)->text, "sunny");

  EXPECT_EQ(first_embedding(R"({"data":[{"embedding":[0.5,-1,2]}]})"), (std::vector<float>{0.5f, -1.0f, 2.0f}));
  EXPECT_TRUE(first_embedding(R"({"data":[]})").empty());
  EXPECT_TRUE(first_embedding(R"({"data":[{"embedding":"AAAA"}]})").empty());
}

TEST(CacheConfig, ReadsTheSectionsAndLaysAModelsFieldsOverTheGateways) {
  auto r = torii::load_config_text(R"(
providers: [{ name: p, type: openai, base_url: "http://127.0.0.1:1/v1", api_key: k }]
cache: { mode: exact, ttl_s: 100, namespace: per_team, max_bytes: 1048576, semantic: { embedding_model: e, threshold: 0.9 } }
models:
  - { name: a, targets: [{ provider: p, model: x }] }
  - { name: b, cache: { mode: semantic, ttl_s: 5 }, targets: [{ provider: p, model: x }] }
  - { name: e, targets: [{ provider: p, model: text-embedding-3-small }] }
)", "t.yaml");
  ASSERT_TRUE(r.config) << (r.errors.empty() ? "" : r.errors[0].message);
  const auto* gw = r.config->section<GatewayCache>("cache");
  ASSERT_TRUE(gw);
  EXPECT_EQ(gw->max_bytes, 1048576u);
  const Settings a = effective(gw, r.config->models[0].section<Fields>("cache"));
  EXPECT_EQ(a.mode, Mode::exact);
  EXPECT_EQ(a.ttl_s, 100u);
  EXPECT_EQ(a.scope, Scope::per_team);
  const Settings b = effective(gw, r.config->models[1].section<Fields>("cache"));
  EXPECT_EQ(b.mode, Mode::semantic);
  EXPECT_EQ(b.ttl_s, 5u);
  EXPECT_EQ(b.scope, Scope::per_team);
  EXPECT_EQ(b.embedding_model, "e");
  EXPECT_DOUBLE_EQ(b.threshold, 0.9);

  auto bad = torii::load_config_text(R"(
providers: [{ name: p, type: openai, base_url: "http://127.0.0.1:1/v1", api_key: k }]
cache: { mode: sometimes }
models:
  - { name: a, cache: { namespace: everyone, max_bytes: 5 }, targets: [{ provider: p, model: x }] }
)", "t.yaml");
  ASSERT_FALSE(bad.config);
  std::string all;
  for (const auto& e : bad.errors) all += e.key + ": " + e.message + "\n";
  EXPECT_NE(all.find("cache.mode: expected off, exact or semantic"), std::string::npos) << all;
  EXPECT_NE(all.find("models[0].cache.namespace: expected global"), std::string::npos) << all;
  EXPECT_NE(all.find("max_bytes"), std::string::npos) << all;  // a gateway-wide field only
}
