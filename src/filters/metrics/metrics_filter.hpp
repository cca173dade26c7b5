#pragma once
// Records every finished request on the API surfaces into the calling
// thread's shard (series.hpp): counts, durations, time to first token, time
// per output token, upstream time and the gateway's own overhead, tokens by
// type, cost, attempts and fallbacks.
#include "pipeline/filter.hpp"

namespace torii::filters::metrics {

class MetricsFilter final : public pipeline::Filter {
 public:
  explicit MetricsFilter(bool key_labels) : key_labels_(key_labels) {}
  std::string_view name() const override { return "metrics"; }
  void on_complete(pipeline::RequestContext& ctx) const override;

 private:
  bool key_labels_;  // metrics.key_labels
};

}  // namespace torii::filters::metrics
