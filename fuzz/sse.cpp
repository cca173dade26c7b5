// SSE framing (src/http/sse.*): SseSplitter fed in network-sized pieces, as
// the pass-through path forwards upstream events, and parse_sse_event on
// each event.
//
// Properties: the events handed out plus the pending tail are exactly the
// bytes fed, in order (never more, never altered, never dropped); each event
// ends with a blank line; the split does not depend on how the bytes were
// cut; a parsed event's data is no longer than the event.
#include "fuzz.hpp"
#include "http/sse.hpp"

namespace {

using namespace torii::http;

std::vector<std::string> split(const std::vector<std::string_view>& feeds, size_t& pending) {
  SseSplitter s;
  std::vector<std::string> events;
  std::string e;
  for (auto piece : feeds) {
    s.feed(piece);
    while (s.next(e)) events.push_back(e);
  }
  pending = s.pending();
  return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  std::string_view seed = in.until(std::string_view("\0", 1));
  std::string_view bytes = in.rest();
  if (bytes.empty()) {
    bytes = fuzz::text_of(data, size);
    seed = {};
  }

  size_t pending_whole = 0, pending_split = 0;
  auto whole = split({bytes}, pending_whole);
  auto pieces = split(fuzz::pieces(bytes, seed), pending_split);

  std::string joined;
  for (const auto& ev : whole) {
    FUZZ_CHECK(ev.size() >= 2);
    FUZZ_CHECK(ev.compare(ev.size() - 2, 2, "\n\n") == 0 ||
               (ev.size() >= 3 && ev.compare(ev.size() - 3, 3, "\n\r\n") == 0));
    joined += ev;
  }
  FUZZ_CHECK(joined.size() + pending_whole == bytes.size());
  FUZZ_CHECK(std::string_view(joined) == bytes.substr(0, joined.size()));
  FUZZ_CHECK(whole == pieces);
  FUZZ_CHECK(pending_whole == pending_split);

  SseEvent parsed;
  for (const auto& ev : whole) {
    if (parse_sse_event(ev, parsed)) {
      FUZZ_CHECK(parsed.data.size() <= ev.size());
      FUZZ_CHECK(parsed.event.size() <= ev.size());
    }
  }
  // A trailing partial event is parsed too when a stream ends (as the cache's
  // collector and the translators do with what they hold).
  (void)parse_sse_event(bytes.substr(joined.size()), parsed);
  std::string framed = sse_data_event(bytes.substr(0, 64));
  FUZZ_CHECK(framed.size() == std::min<size_t>(bytes.size(), 64) + 8);
  return 0;
}
