#pragma once
// OTLP/HTTP's protobuf body: an ExportTraceServiceRequest
// (opentelemetry/proto/collector/trace/v1/trace_service.proto) with one
// ResourceSpans for this process, written directly in the protobuf wire
// format (no code generator, no library).
#include <string>
#include <vector>

#include "filters/tracing/span.hpp"

namespace torii::filters::tracing {

struct ResourceInfo {
  std::string service_name;
  std::string service_version;
};

std::string encode_export_request(const ResourceInfo& resource, const std::vector<const SpanData*>& spans);

}  // namespace torii::filters::tracing
