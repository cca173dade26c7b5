// Micro-benchmarks of the per-request hot path: request scanning and the model
// rewrite, SSE splitting of a stream, upstream error normalisation, and the
// guardrails' PII scan.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "core/errors.hpp"
#include "filters/guardrails/pii.hpp"
#include "http/sse.hpp"
#include "llm/json_scan.hpp"

namespace {

// A chat request of roughly `target` bytes: several messages of plain words,
// some escapes and non-ASCII text, model and stream fields in front.
std::string chat_body(size_t target) {
  std::string body = R"({"model":"bench","stream":false,"temperature":0.2,"messages":[)";
  body += R"({"role":"system","content":"You are a helpful assistant. Answer briefly."})";
  const std::string words =
      "the gateway forwards each request byte for byte \\\"quoted\\\" caf\u00e9 \\n newline and tabs \\t ok ";
  int i = 0;
  while (body.size() + 64 < target) {
    body += R"(,{"role":")";
    body += (i++ % 2) ? "assistant" : "user";
    body += R"(","content":")";
    size_t chunk = std::min<size_t>(2000, target - body.size() - 48);
    while (chunk > words.size()) {
      body += words;
      chunk -= words.size();
    }
    body += R"("})";
  }
  body += R"(],"max_tokens":256})";
  return body;
}

void BM_ScanRequest(benchmark::State& state) {
  const std::string body = chat_body(size_t(state.range(0)));
  for (auto _ : state) {
    auto scan = torii::llm::scan_request(body);
    benchmark::DoNotOptimize(scan);
    if (!scan.valid || !scan.has_model) state.SkipWithError("body did not scan");
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(body.size()));
  state.counters["body_bytes"] = double(body.size());
}
BENCHMARK(BM_ScanRequest)->Arg(200)->Arg(4 << 10)->Arg(40 << 10)->Arg(400 << 10);

// A non-streaming chat completion as OpenAI answers it: forwarded as is, but
// validated first so that a broken answer fails over instead of reaching the client.
void BM_ValidateResponse(benchmark::State& state) {
  const std::string body =
      R"({"id":"chatcmpl-9xYz1234567890abcdef","object":"chat.completion","created":1700000000,)"
      R"("model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant",)"
      R"("content":"Hello! How can I help you today?","refusal":null},"logprobs":null,)"
      R"("finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21,)"
      R"("prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":)"
      R"({"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},)"
      R"("system_fingerprint":"fp_0ba0d124f1"})";
  for (auto _ : state) {
    bool ok = torii::llm::is_valid_json(body);
    benchmark::DoNotOptimize(ok);
    if (!ok) state.SkipWithError("response did not validate");
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(body.size()));
}
BENCHMARK(BM_ValidateResponse);

void BM_ReplaceModel(benchmark::State& state) {
  const std::string body = chat_body(size_t(state.range(0)));
  const auto scan = torii::llm::scan_request(body);
  for (auto _ : state) {
    std::string out = torii::llm::replace_model(body, scan, "mock-1");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(body.size()));
  state.counters["body_bytes"] = double(body.size());
}
BENCHMARK(BM_ReplaceModel)->Arg(200)->Arg(4 << 10)->Arg(40 << 10)->Arg(400 << 10);

// A 200-event chat stream as an OpenAI upstream sends it, cut into reads of
// `range(0)` bytes (1 event per read at 0).
void BM_SseSplitter(benchmark::State& state) {
  std::vector<std::string> events;
  events.push_back(R"(data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"mock-1","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]})"
                   "\n\n");
  for (int i = 0; i < 197; ++i)
    events.push_back(R"(data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"mock-1","choices":[{"index":0,"delta":{"content":" word)" +
                     std::to_string(i) + R"("},"finish_reason":null}]})" "\n\n");
  events.push_back(R"(data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"mock-1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})"
                   "\n\n");
  events.push_back("data: [DONE]\n\n");
  std::vector<std::string> reads;
  const size_t cut = size_t(state.range(0));
  if (cut == 0) {
    reads = events;
  } else {
    std::string all;
    for (auto& e : events) all += e;
    for (size_t i = 0; i < all.size(); i += cut) reads.push_back(all.substr(i, cut));
  }
  size_t bytes = 0;
  for (auto& r : reads) bytes += r.size();
  std::string event;
  for (auto _ : state) {
    torii::http::SseSplitter splitter;
    size_t n = 0;
    for (auto& r : reads) {
      splitter.feed(r);
      while (splitter.next(event)) ++n;
    }
    if (n != events.size()) state.SkipWithError("wrong event count");
    benchmark::DoNotOptimize(n);
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(bytes));
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(events.size()));
}
BENCHMARK(BM_SseSplitter)->Arg(0)->Arg(64)->Arg(1460)->Arg(16384);

void BM_NormaliseUpstreamError(benchmark::State& state) {
  static const std::string bodies[] = {
      R"({"error":{"message":"Rate limit reached for gpt-4o-mini in organization org-x on tokens per min (TPM): Limit 200000, Used 199500, Requested 1200.","type":"requests","param":null,"code":"rate_limit_exceeded"}})",
      R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})",
      "<html><body><h1>502 Bad Gateway</h1></body></html>",
  };
  static const int statuses[] = {429, 529, 502};
  const auto k = size_t(state.range(0));
  for (auto _ : state) {
    auto e = torii::normalise_upstream_error(statuses[k], bodies[k]);
    benchmark::DoNotOptimize(e);
  }
  state.SetLabel(k == 0 ? "openai 429" : k == 1 ? "anthropic 529" : "html 502");
}
BENCHMARK(BM_NormaliseUpstreamError)->DenseRange(0, 2);

}  // namespace

// The full PII detector set over prose with a little PII in it (an email,
// a phone number and a card every ~2 KB), as a guardrail scans a request.
void BM_PiiScan(benchmark::State& state) {
  const std::string prose =
      "The gateway forwards each request to the provider the route picks; retries, fallbacks and hedges follow "
      "the model's policy. Version 1.2.3 shipped on 2024-05-01 with 42 fixes and a 3.5% speedup. ";
  std::string text;
  while (text.size() < size_t(state.range(0))) {
    for (int i = 0; i < 10; ++i) text += prose;
    text += "Contact jane.doe@example.com or +1 415 555 0100, card 4111 1111 1111 1111. ";
  }
  std::vector<torii::filters::guardrails::Span> spans;
  for (auto _ : state) {
    spans.clear();
    torii::filters::guardrails::find_pii(text, torii::filters::guardrails::kAllDetectors, spans);
    benchmark::DoNotOptimize(spans.data());
    if (spans.empty()) state.SkipWithError("nothing found");
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(text.size()));
}
BENCHMARK(BM_PiiScan)->Arg(4 << 10)->Arg(64 << 10);

BENCHMARK_MAIN();
