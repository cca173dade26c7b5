#pragma once
// /metrics: every thread's shard merged into the Prometheus text format
// (version 0.0.4). Runs on the scraping request's thread; it reads the
// shards' atomics and never blocks their writers.
#include <string>
#include <string_view>

namespace torii::filters::metrics {

inline constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

// The request metrics, followed by `extra` (gauges other parts of the
// gateway render in the same format, e.g. breaker states).
std::string render_exposition(const std::string& extra = "");

// A label value with \, " and newline escaped as the format requires.
std::string label_value(std::string_view v);

}  // namespace torii::filters::metrics
