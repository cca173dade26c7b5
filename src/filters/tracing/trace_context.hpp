#pragma once
// W3C Trace Context: reading a client's traceparent, making new ids.
#include <cstdint>
#include <string_view>

namespace torii::filters::tracing {

struct ParsedTraceparent {
  uint8_t trace_id[16] = {};
  uint64_t parent_span_id = 0;
  bool sampled = false;
};

// "00-<32 hex>-<16 hex>-<2 hex>" (any version but ff, lower-case hex, ids
// not all zero, as the spec requires); false when it is not one.
bool parse_traceparent(std::string_view header, ParsedTraceparent& out);

// Random non-zero ids from the calling thread's generator.
void new_trace_id(uint8_t (&id)[16]);
uint64_t new_span_id();
// Uniform in [0, 1), for sampling.
double sample_draw();

}  // namespace torii::filters::tracing
