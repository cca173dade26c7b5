#pragma once
// The `metrics:` section. Metrics are on by default at /metrics, unauthenticated
// like a Prometheus target usually is; `auth: true` asks for an admin key.
#include <string>

#include "config/config.hpp"

namespace torii::filters::metrics {

struct MetricsSection {
  bool enabled = true;
  std::string path = "/metrics";
  bool auth = false;  // true: the admin keys (admin.keys) are required to scrape
  // true: the counters also carry a `key` label (the caller's key alias, else
  // its id), one series per key and model; histograms stay per model.
  bool key_labels = false;
};

// The config's section, or the defaults when the file has none.
const MetricsSection& metrics_section(const Config& config);

}  // namespace torii::filters::metrics
