#pragma once
// Traces requests: on_request continues the client's W3C traceparent (or
// starts a trace) and decides sampling (the client's sampled flag when it
// sent one, else `sample_ratio`); the router then gives every upstream
// attempt a span id and sends it upstream as traceparent. on_complete turns
// the request into spans (the request's, a child per attempt) with the
// OpenTelemetry GenAI attributes, and hands them to the exporter.
#include <string>

#include "config/config.hpp"
#include "filters/tracing/exporter.hpp"
#include "pipeline/filter.hpp"

namespace torii::filters::tracing {

struct TracingSection {
  std::string otlp_endpoint;  // "" = tracing off
  double sample_ratio = 1.0;
  std::string service_name = "torii";
  uint32_t timeout_ms = 5000;
  std::vector<std::pair<std::string, std::string>> headers;
};

const TracingSection* tracing_section(const Config& config);

class TracingFilter final : public pipeline::Filter {
 public:
  TracingFilter(double ratio, Exporter* exporter) : ratio_(ratio), exporter_(exporter) {}
  std::string_view name() const override { return "tracing"; }
  std::optional<ApiError> on_request(pipeline::RequestContext& ctx) const override;
  void on_complete(pipeline::RequestContext& ctx) const override;

 private:
  double ratio_;
  Exporter* exporter_;  // null: nothing is exported, traceparent is passed on as it came
};

// Starts the process's exporter when the config traces; null without an
// error when it does not.
Exporter* start_exporter(const Config& config, std::string& error);

}  // namespace torii::filters::tracing
