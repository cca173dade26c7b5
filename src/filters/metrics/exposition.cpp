#include "filters/metrics/exposition.hpp"

#include <charconv>
#include <map>
#include <tuple>

#include "filters/metrics/series.hpp"

namespace torii::filters::metrics {

namespace {

// Plain copies of a series' values, summed across shards.
struct HistogramSum {
  std::array<uint64_t, kMaxBuckets + 1> counts{};
  double sum = 0;
  void add(const Histogram& h) {
    for (size_t i = 0; i <= kMaxBuckets; ++i) counts[i] += h.counts[i].get();
    sum += h.sum.get();
  }
};

struct PairSum {  // by model and provider
  uint64_t attempts = 0, fallbacks = 0, cost_unknown = 0, rate_limited = 0, budget_exceeded = 0;
  double cost = 0, cache_saved = 0;
  std::array<uint64_t, kTokenTypes> tokens{};
  std::array<uint64_t, kCacheResults> cache{};
  HistogramSum duration, upstream, overhead, ttft, per_token;
};

// model and provider, and the key (metrics.key_labels; "" when off)
using Pair = std::tuple<std::string, std::string, std::string>;

std::string number(double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string labels(const Pair& p) {
  const auto& [model, provider, key] = p;
  std::string out = "model=\"" + label_value(model) + "\",provider=\"" + label_value(provider) + "\"";
  if (!key.empty()) out += ",key=\"" + label_value(key) + "\"";
  return out;
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void histogram(std::string& out, const std::map<Pair, PairSum>& pairs, const char* name, const char* help,
               Buckets family, HistogramSum PairSum::*member) {
  header(out, name, "histogram", help);
  BucketBounds b = bounds_of(family);
  for (const auto& [pair, sums] : pairs) {
    const HistogramSum& h = sums.*member;
    uint64_t total = 0;
    for (uint64_t c : h.counts) total += c;
    if (total == 0) continue;
    const std::string l = labels(pair);
    uint64_t cumulative = 0;
    for (size_t i = 0; i < b.count; ++i) {
      cumulative += h.counts[i];
      out += std::string(name) + "_bucket{" + l + ",le=\"" + number(b.bounds[i]) + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    out += std::string(name) + "_bucket{" + l + ",le=\"+Inf\"} " + std::to_string(total) + "\n";
    out += std::string(name) + "_sum{" + l + "} " + number(h.sum) + "\n";
    out += std::string(name) + "_count{" + l + "} " + std::to_string(total) + "\n";
  }
}

void counter(std::string& out, const std::map<Pair, PairSum>& pairs, const char* name, const char* help,
             uint64_t PairSum::*member) {
  header(out, name, "counter", help);
  for (const auto& [pair, sums] : pairs)
    out += std::string(name) + "{" + labels(pair) + "} " + std::to_string(sums.*member) + "\n";
}

}  // namespace

std::string label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string render_exposition(const std::string& extra) {
  std::map<std::pair<Pair, std::string>, uint64_t> requests;  // and the status class
  std::map<Pair, PairSum> pairs;  // the counters, per key too
  std::map<Pair, PairSum> timed;  // the histograms, summed over keys (their key is "")
  for_each_shard([&](const Shard& shard) {
    const size_t n = shard.published();
    for (size_t i = 0; i < n; ++i) {
      const Series& s = shard.at(i);
      requests[{{s.model, s.provider, s.key}, s.status_class}] += s.requests.get();
      PairSum& p = pairs[{s.model, s.provider, s.key}];
      PairSum& t = timed[{s.model, s.provider, std::string()}];
      p.attempts += s.attempts.get();
      p.fallbacks += s.fallbacks.get();
      p.cost_unknown += s.cost_unknown.get();
      p.rate_limited += s.rate_limited.get();
      p.budget_exceeded += s.budget_exceeded.get();
      p.cost += s.cost_usd.get();
      for (size_t t = 0; t < kTokenTypes; ++t) p.tokens[t] += s.tokens[t].get();
      for (size_t c = 0; c < kCacheResults; ++c) p.cache[c] += s.cache[c].get();
      p.cache_saved += s.cache_saved_usd.get();
      t.duration.add(s.duration);
      t.upstream.add(s.upstream);
      t.overhead.add(s.overhead);
      t.ttft.add(s.ttft);
      t.per_token.add(s.per_token);
    }
  });

  std::string out;
  out.reserve(4096 + timed.size() * 3072 + pairs.size() * 1024);
  header(out, "torii_requests_total", "counter",
         "Requests answered on the API surfaces, by configured model, answering provider and status class "
         "(\"cancelled\": the client left before the answer was complete).");
  for (const auto& [k, v] : requests) {
    const auto& [pair, status] = k;
    out += "torii_requests_total{" + labels(pair) + ",status=\"" + label_value(status) + "\"} " +
           std::to_string(v) + "\n";
  }
  histogram(out, timed, "torii_request_duration_seconds", "Time from the request's arrival to its answer's end.",
            Buckets::request, &PairSum::duration);
  histogram(out, timed, "torii_time_to_first_token_seconds", "Streams: time from arrival to the first chunk sent.",
            Buckets::request, &PairSum::ttft);
  histogram(out, timed, "torii_time_per_output_token_seconds",
            "Streams: time after the first chunk divided by the output tokens.", Buckets::per_token,
            &PairSum::per_token);
  histogram(out, timed, "torii_upstream_duration_seconds",
            "Time from the first upstream attempt to the answer's delivery (retries and backoff included).",
            Buckets::request, &PairSum::upstream);
  histogram(out, timed, "torii_overhead_seconds",
            "The gateway's own time: the request's duration minus its upstream time.", Buckets::overhead,
            &PairSum::overhead);

  header(out, "torii_tokens_total", "counter",
         "Tokens by type (input excludes cached reads and cache writes; output includes reasoning).");
  for (const auto& [pair, sums] : pairs)
    for (size_t t = 0; t < kTokenTypes; ++t)
      out += "torii_tokens_total{" + labels(pair) + ",type=\"" + token_type_name(TokenType(t)) + "\"} " +
             std::to_string(sums.tokens[t]) + "\n";
  header(out, "torii_cost_usd_total", "counter", "Cost of the answers at the targets' prices, in US dollars.");
  for (const auto& [pair, sums] : pairs) out += "torii_cost_usd_total{" + labels(pair) + "} " + number(sums.cost) + "\n";
  counter(out, pairs, "torii_cost_unknown_total",
          "Answers whose cost is unknown (no price for the target's model): not counted as 0.",
          &PairSum::cost_unknown);
  counter(out, pairs, "torii_attempts_total", "Upstream attempts (retries and hedges included).", &PairSum::attempts);
  counter(out, pairs, "torii_fallbacks_total", "Requests answered by a fallback model.", &PairSum::fallbacks);
  counter(out, pairs, "torii_ratelimited_total",
          "Requests refused with 429 by a rate limit (rpm, tpm, max_parallel) of their key, user or team.",
          &PairSum::rate_limited);
  counter(out, pairs, "torii_budget_exceeded_total",
          "Requests refused with 402 by a budget of their key, user or team.", &PairSum::budget_exceeded);
  header(out, "torii_cache_requests_total", "counter",
         "Requests the cache applied to, by result (bypass: not looked up, by the client's choice or not cacheable).");
  for (const auto& [pair, sums] : pairs)
    for (size_t c = 0; c < kCacheResults; ++c)
      if (sums.cache[c])
        out += "torii_cache_requests_total{" + labels(pair) + ",result=\"" + cache_result_name(CacheResult(c)) +
               "\"} " + std::to_string(sums.cache[c]) + "\n";
  header(out, "torii_cache_saved_usd_total", "counter",
         "What the answers served from the cache cost when they were first generated, in US dollars.");
  for (const auto& [pair, sums] : pairs)
    if (sums.cache_saved > 0)
      out += "torii_cache_saved_usd_total{" + labels(pair) + "} " + number(sums.cache_saved) + "\n";
  out += extra;
  return out;
}

}  // namespace torii::filters::metrics
