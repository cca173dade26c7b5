// The AWS event-stream decoder (src/providers/bedrock/event_stream.*) and
// what the bedrock adapter does with each message: exceptions and errors
// end the stream, events go to ConverseToOpenAIStream
// (src/llm/bedrock_format.*), and the stream's end is checked.
//
// With the first byte odd, the input's CRCs are recomputed before decoding,
// so that mutations reach the headers, the payloads and the translator
// rather than stopping at a CRC mismatch.
//
// Properties: the messages decoded do not depend on how the bytes were cut;
// re-encoding a decoded message gives back its exact bytes; the translated
// output is whole SSE events whose data is JSON (or [DONE]).
#include "fuzz.hpp"
#include "llm/bedrock_format.hpp"
#include "providers/bedrock/event_stream.hpp"

namespace {

namespace es = torii::bedrock::eventstream;

uint32_t be32(const std::string& s, size_t at) {
  return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) | (uint32_t(uint8_t(s[at + 2])) << 8) |
         uint32_t(uint8_t(s[at + 3]));
}
void put_be32(std::string& s, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + size_t(i)] = char(v >> (24 - 8 * i));
}

// Recomputes the prelude and message CRCs of every whole frame.
void fix_crcs(std::string& s) {
  size_t at = 0;
  while (at + es::kPreludeSize <= s.size()) {
    uint32_t total = be32(s, at);
    put_be32(s, at + 8, es::crc32(std::string_view(s).substr(at, 8)));
    if (total < es::kMinMessageSize || at + total > s.size()) return;
    put_be32(s, at + total - 4, es::crc32(std::string_view(s).substr(at, total - 4)));
    at += total;
  }
}

struct Decoded {
  std::vector<es::Message> messages;
  bool failed = false, partial = false;
};

Decoded decode_all(const std::vector<std::string_view>& feeds) {
  es::Limits limits;
  limits.max_message = 1 << 20;  // keeps the fuzzer's memory small; the logic is the same
  es::Decoder d(limits);
  Decoded out;
  for (auto piece : feeds) {
    d.feed(piece);
    while (auto m = d.next()) out.messages.push_back(std::move(*m));
  }
  out.failed = d.failed();
  out.partial = d.partial();
  if (out.failed) FUZZ_CHECK(!d.error_message().empty() && d.error() != es::DecodeError::none);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  const uint8_t mode = in.byte();
  const uint8_t split = in.byte();
  std::string bytes(in.rest());
  if (mode & 1) fix_crcs(bytes);

  Decoded whole = decode_all({bytes});
  char seed[2] = {char(split), char(split * 7 + 3)};
  Decoded pieces = decode_all(fuzz::pieces(bytes, std::string_view(seed, 2)));
  FUZZ_CHECK(whole.messages.size() == pieces.messages.size());
  FUZZ_CHECK(whole.failed == pieces.failed && whole.partial == pieces.partial);

  // Each message re-encodes to its own bytes.
  size_t at = 0;
  for (size_t i = 0; i < whole.messages.size(); ++i) {
    const es::Message& m = whole.messages[i];
    FUZZ_CHECK(m.headers == pieces.messages[i].headers && m.payload == pieces.messages[i].payload);
    std::string again = es::encode(m);
    FUZZ_CHECK(std::string_view(bytes).substr(at, again.size()) == again);
    at += again.size();
    std::optional<es::Message> one = es::decode(again);
    FUZZ_CHECK(one && one->headers == m.headers && one->payload == m.payload);
  }

  // As the bedrock adapter's ConverseEvents::step does.
  torii::llm::ConverseToOpenAIStream converter("fuzz-model", (mode & 2) != 0, "chatcmpl-fuzz",
                                               (mode & 4) ? "json_answer" : "");
  std::string out, why;
  bool ended = false;
  for (const es::Message& m : whole.messages) {
    std::string_view kind = m.header(":message-type");
    if (kind == "exception") {
      (void)torii::llm::converse_exception_status(m.header(":exception-type"));
      ended = true;
      break;
    }
    if (kind == "error") {
      (void)m.header(":error-code");
      ended = true;
      break;
    }
    if (!converter.feed(m.header(":event-type"), m.payload, out, why)) {
      FUZZ_CHECK(!why.empty());
      ended = true;
      break;
    }
  }
  if (!ended && !whole.failed && !whole.partial) (void)converter.finish(out, why);
  fuzz::check_sse_output(out);
  return 0;
}
