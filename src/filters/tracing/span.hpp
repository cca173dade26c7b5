#pragma once
// A finished span, as the exporter sends it (OTLP's Span, trimmed to what
// Torii emits). Built on the worker in on_complete; owned by the exporter.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace torii::filters::tracing {

struct Attribute {
  std::string_view key;  // always a literal (the conventions' names): no copy per span
  std::variant<std::string, int64_t, double, bool, std::vector<std::string>> value;  // the last: a string array
};

struct SpanEvent {
  uint64_t time_unix_nano = 0;
  std::string name;
  std::vector<Attribute> attributes;
};

enum class SpanKind : int { internal = 1, server = 2, client = 3 };
enum class StatusCode : int { unset = 0, ok = 1, error = 2 };

struct SpanData {
  uint8_t trace_id[16] = {};
  uint64_t span_id = 0;
  uint64_t parent_span_id = 0;  // 0: a root span
  std::string trace_state;
  std::string name;
  SpanKind kind = SpanKind::internal;
  uint64_t start_unix_nano = 0, end_unix_nano = 0;
  std::vector<Attribute> attributes;
  std::vector<SpanEvent> events;
  StatusCode status = StatusCode::unset;
  std::string status_message;
};

// One request's spans: its own and one per upstream attempt.
struct TraceBatch {
  std::vector<SpanData> spans;
};

}  // namespace torii::filters::tracing
