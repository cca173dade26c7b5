#pragma once
// Server-sent events: splitting a byte stream into whole events, reading their
// fields, and framing new ones.
#include <string>
#include <string_view>

namespace torii::http {

// Accumulates upstream bytes and hands out complete events (the raw bytes of
// each, including the blank line that ends it), so events can be forwarded
// byte-identical and never half-written.
class SseSplitter {
 public:
  void feed(std::string_view bytes) { buffer_.append(bytes); }
  // Pops the next complete event into `event`; false when none is complete.
  bool next(std::string& event);
  // Bytes of an incomplete trailing event.
  size_t pending() const { return buffer_.size() - start_; }

 private:
  std::string buffer_;
  size_t start_ = 0;  // first byte not yet handed out
  size_t scan_ = 0;   // where to resume looking for the end of an event
};

struct SseEvent {
  std::string event;  // "" when the event has no `event:` field
  std::string data;   // `data:` lines joined with '\n'
  std::string id;
};

// Parses one complete event as returned by SseSplitter::next. Comment lines
// (":" prefix) and unknown fields are ignored. Returns false when the event
// carries no data and no event name (e.g. a keep-alive comment).
bool parse_sse_event(std::string_view raw, SseEvent& out);

// "data: <payload>\n\n"
std::string sse_data_event(std::string_view payload);

}  // namespace torii::http
