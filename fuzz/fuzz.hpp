#pragma once
// What the fuzz targets share: a property check that aborts (so libFuzzer
// reports it as a crash, with the input), a reader that splits one input
// into pieces, a no-exception guard, and JSON and SSE helpers.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "http/sse.hpp"
#include "llm/json_dom.hpp"

// Aborts on a violated property. Unlike assert(), on in every build type.
#define FUZZ_CHECK(cond)                                                                    \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #cond);   \
      std::abort();                                                                         \
    }                                                                                       \
  } while (0)

namespace fuzz {

inline std::string_view text_of(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Takes an input apart: a few leading bytes as choices, the rest as text.
class Input {
 public:
  Input(const uint8_t* data, size_t size) : rest_(text_of(data, size)) {}
  // One byte (0 when the input is used up).
  uint8_t byte() {
    if (rest_.empty()) return 0;
    auto b = static_cast<uint8_t>(rest_[0]);
    rest_.remove_prefix(1);
    return b;
  }
  // Everything not taken yet.
  std::string_view rest() const { return rest_; }
  // The rest, up to the first occurrence of `separator` (consumed), or all of it.
  std::string_view until(std::string_view separator) {
    size_t at = rest_.find(separator);
    std::string_view piece = rest_.substr(0, at);
    rest_ = at == std::string_view::npos ? std::string_view() : rest_.substr(at + separator.size());
    return piece;
  }

 private:
  std::string_view rest_;
};

// Cuts `text` into pieces whose sizes follow `seed` (1 to 256 bytes, cycling
// through the seed's bytes), as a network would deliver it.
inline std::vector<std::string_view> pieces(std::string_view text, std::string_view seed) {
  std::vector<std::string_view> out;
  size_t i = 0, k = 0;
  while (i < text.size()) {
    size_t n = seed.empty() ? text.size() : size_t(static_cast<unsigned char>(seed[k++ % seed.size()])) + 1;
    n = std::min(n, text.size() - i);
    out.push_back(text.substr(i, n));
    i += n;
  }
  return out;
}

// Appends `bytes` to a Beast/Asio dynamic buffer, as a socket read would.
template <class DynamicBuffer>
void append(DynamicBuffer& buffer, std::string_view bytes) {
  if (bytes.empty()) return;  // memcpy from a null data() is UB, even for 0 bytes
  auto dest = buffer.prepare(bytes.size());
  std::memcpy(dest.data(), bytes.data(), bytes.size());
  buffer.commit(bytes.size());
}

// Does `text` parse as JSON (with boost::json, strictly: no comments, no
// trailing commas, no Infinity or NaN, valid UTF-8)?
inline bool parses(std::string_view text) {
  boost::json::error_code ec;
  boost::json::parse_options options;
  options.max_depth = 100000;
  boost::json::parse(text, ec, {}, options);
  return !ec;
}

// The JSON text of `v`, checked to parse back: what a translator sends
// upstream or to a client must be valid JSON.
inline std::string serialized(const boost::json::value& v) {
  std::string s = boost::json::serialize(v);
  if (!parses(s)) {
    std::fprintf(stderr, "serialised JSON does not parse back: %.400s\n", s.c_str());
    std::abort();
  }
  return s;
}

// Parses as the translating paths do (llm::parse_json); null on error.
inline boost::json::value parse_or_null(std::string_view text) {
  boost::json::error_code ec;
  boost::json::value v = torii::llm::parse_json(text, ec);
  if (ec) return nullptr;
  return v;
}

// Runs `f`, aborting if it throws: translators report what they cannot
// translate through their error out-parameter or return value, and an
// exception would reach the server's catch-all (a 500, or a stream cut
// without its error event).
template <class F>
auto must_not_throw(const char* what, F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s threw: %s\n", what, e.what());
    std::abort();
  }
}

// A translator's SSE output is a whole number of events, and every "data:"
// payload is JSON or [DONE]. Returns the events, parsed.
inline std::vector<torii::http::SseEvent> check_sse_output(std::string_view events) {
  torii::http::SseSplitter splitter;
  splitter.feed(events);
  std::string raw;
  std::vector<torii::http::SseEvent> out;
  torii::http::SseEvent ev;
  while (splitter.next(raw)) {
    if (!torii::http::parse_sse_event(raw, ev) || ev.data.empty()) continue;
    if (ev.data != "[DONE]" && !parses(ev.data)) {
      std::fprintf(stderr, "SSE data is not JSON: %.400s\n", ev.data.c_str());
      std::abort();
    }
    out.push_back(ev);
  }
  FUZZ_CHECK(splitter.pending() == 0);
  return out;
}

}  // namespace fuzz
