#include "filters/tracing/trace_context.hpp"

#include <random>

namespace torii::filters::tracing {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool hex_bytes(std::string_view s, uint8_t* out, size_t n) {
  if (s.size() != n * 2) return false;
  bool nonzero = false;
  for (size_t i = 0; i < n; ++i) {
    int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = uint8_t(hi << 4 | lo);
    nonzero = nonzero || out[i];
  }
  return nonzero;
}

std::mt19937_64& rng() {
  thread_local std::mt19937_64 g(std::random_device{}());
  return g;
}

}  // namespace

bool parse_traceparent(std::string_view h, ParsedTraceparent& out) {
  while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) h.remove_suffix(1);
  while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.remove_prefix(1);
  if (h.size() < 55 || h[2] != '-' || h[35] != '-' || h[52] != '-') return false;
  uint8_t version;
  if (!hex_bytes(h.substr(0, 2), &version, 1) && h.substr(0, 2) != "00") return false;
  if (h.substr(0, 2) == "ff") return false;
  // Version 00 is exactly 55 characters; later versions may append fields.
  if (h.substr(0, 2) == "00" ? h.size() != 55 : (h.size() > 55 && h[55] != '-')) return false;
  if (!hex_bytes(h.substr(3, 32), out.trace_id, 16)) return false;
  uint8_t parent[8];
  if (!hex_bytes(h.substr(36, 16), parent, 8)) return false;
  out.parent_span_id = 0;
  for (uint8_t b : parent) out.parent_span_id = out.parent_span_id << 8 | b;
  uint8_t flags;
  if (!hex_bytes(h.substr(53, 2), &flags, 1) && h.substr(53, 2) != "00") return false;
  if (h.substr(53, 2) == "00") flags = 0;
  out.sampled = flags & 1;
  return true;
}

void new_trace_id(uint8_t (&id)[16]) {
  uint64_t a = rng()(), b = rng()() | 1;
  for (int i = 0; i < 8; ++i) {
    id[i] = uint8_t(a >> (8 * (7 - i)));
    id[8 + i] = uint8_t(b >> (8 * (7 - i)));
  }
}

uint64_t new_span_id() { return rng()() | 1; }

double sample_draw() { return double(rng()() >> 11) * 0x1.0p-53; }

}  // namespace torii::filters::tracing
