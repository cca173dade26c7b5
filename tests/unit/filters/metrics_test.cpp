// The metrics shards and their exposition: buckets, merging across threads,
// the cap on label sets, escaping.
#include <gtest/gtest.h>

#include <thread>

#include "filters/metrics/exposition.hpp"
#include "filters/metrics/series.hpp"

using namespace torii::filters::metrics;

namespace {

// The value of the first exposition line that starts with `prefix`.
std::string sample(const std::string& text, const std::string& prefix) {
  size_t at = text.find("\n" + prefix);
  if (at == std::string::npos) return "";
  size_t start = at + 1 + prefix.size();
  return text.substr(start + 1, text.find('\n', start) - start - 1);
}

}  // namespace

TEST(MetricsHistogram, CountsFallIntoTheirBucketAndInfinity) {
  Histogram h;
  h.observe(Buckets::request, 0.004);  // first bucket (le 0.005)
  h.observe(Buckets::request, 0.005);  // bounds are inclusive
  h.observe(Buckets::request, 1e9);    // past the last bound: +Inf
  EXPECT_EQ(h.counts[0].get(), 2u);
  EXPECT_EQ(h.counts[kMaxBuckets].get(), 1u);
  EXPECT_DOUBLE_EQ(h.sum.get(), 0.009 + 1e9);
}

TEST(MetricsExposition, MergesEveryThreadsShard) {
  const std::string model = "merge-test-model";
  auto work = [&] {
    Series& s = local_shard().series(model, "p", "2xx");
    for (int i = 0; i < 1000; ++i) {
      s.requests.add(1);
      s.duration.observe(Buckets::request, 0.02);
    }
  };
  std::thread a(work), b(work);
  a.join();
  b.join();
  const std::string text = render_exposition();
  EXPECT_EQ(sample(text, "torii_requests_total{model=\"merge-test-model\",provider=\"p\",status=\"2xx\"}"), "2000");
  EXPECT_EQ(sample(text, "torii_request_duration_seconds_bucket{model=\"merge-test-model\",provider=\"p\",le=\"0.01\"}"), "0");
  EXPECT_EQ(sample(text, "torii_request_duration_seconds_bucket{model=\"merge-test-model\",provider=\"p\",le=\"0.025\"}"), "2000");
  EXPECT_EQ(sample(text, "torii_request_duration_seconds_count{model=\"merge-test-model\",provider=\"p\"}"), "2000");
}

TEST(MetricsShard, LabelSetsPastTheCapFoldIntoOther) {
  std::thread t([] {
    Shard& shard = local_shard();
    for (size_t i = 0; i < Shard::kCapacity + 50; ++i) shard.series("m" + std::to_string(i), "p", "2xx").requests.add(1);
    EXPECT_EQ(shard.published(), Shard::kCapacity + 1);
    const Series& other = shard.at(Shard::kCapacity);
    EXPECT_EQ(other.model, "other");
    EXPECT_EQ(other.requests.get(), 50u);
    // A label set seen before the cap keeps its own series.
    EXPECT_EQ(&shard.series("m3", "p", "2xx"), &shard.at(3));
  });
  t.join();
}

TEST(MetricsExposition, EscapesLabelValues) {
  EXPECT_EQ(label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}
