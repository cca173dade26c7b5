// The upstream client's response parsing (src/http/wire.hpp ResponseParser,
// fed as client.cpp feeds it: eager, 64 KiB header limit, no body limit; the
// head first, then the body read piece by piece into the caller's string;
// an EOF ends an EOF-delimited body). Bodies may be Content-Length framed,
// chunked (with extensions and trailers) or delimited by the connection's end.
//
// Properties: the de-chunked body is never larger than the bytes received;
// it is the same whether the bytes come in one read or in many (and the
// outcome, success or error, is the same too).
#include <boost/beast/core/flat_buffer.hpp>

#include "fuzz.hpp"
#include "http/wire.hpp"

namespace {

using namespace torii::http;

struct Outcome {
  bool ok = false;
  int status = 0;
  std::string body;
  size_t headers = 0;
};

Outcome run(const std::vector<std::string_view>& reads) {
  Outcome o;
  wire::ResponseParser parser;
  parser.header_limit(64 * 1024);
  parser.body_limit(boost::none);
  parser.eager(true);
  boost::beast::flat_buffer buffer;
  size_t next = 0;
  auto more = [&]() {
    if (next >= reads.size()) return false;
    fuzz::append(buffer, reads[next++]);
    return true;
  };
  // parse_until(enough) without a socket: the reads come from `reads`.
  auto until = [&](auto enough) -> boost::system::error_code {
    for (;;) {
      if (auto ec = wire::parse_buffered(buffer, parser, enough)) return ec;
      if (parser.is_done() || enough()) return {};
      if (!more()) {
        if (!parser.got_some()) return wire::bhttp::error::end_of_stream;
        boost::system::error_code ec;
        parser.put_eof(ec);
        if (ec) return ec;
        if (!parser.is_done()) return wire::bhttp::error::partial_message;
      }
    }
  };
  auto head_done = [&] { return parser.is_header_done(); };
  if (until(head_done)) return o;
  o.status = parser.status;
  // What came with the head, then the body as read_some() reads it.
  o.body = parser.pending;
  parser.pending.clear();
  while (!parser.is_done()) {
    const size_t before = o.body.size();
    parser.sink = &o.body;
    auto got_more = [&] { return o.body.size() > before; };
    auto ec = until(got_more);
    parser.sink = &parser.pending;
    if (ec) return o;
  }
  (void)parser.keep_alive();
  // Counted at the end: trailer fields join the headers, and an eager
  // parser that got the whole message in one read has them already at the
  // head.
  o.headers = parser.headers.size();
  o.ok = true;
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  std::string_view seed = in.until(std::string_view("\0\0", 2));
  std::string_view bytes = in.rest();
  if (bytes.empty()) {  // no separator: the whole input is the response
    bytes = fuzz::text_of(data, size);
    seed = {};
  }
  Outcome whole = run({bytes});
  FUZZ_CHECK(whole.body.size() <= bytes.size());
  Outcome split = run(fuzz::pieces(bytes, seed.empty() ? std::string_view("\x03\x00\x10", 3) : seed));
  FUZZ_CHECK(split.body.size() <= bytes.size());
  FUZZ_CHECK(whole.ok == split.ok);
  if (whole.ok) {
    FUZZ_CHECK(whole.status == split.status);
    FUZZ_CHECK(whole.headers == split.headers);
    FUZZ_CHECK(whole.body == split.body);
  }
  return 0;
}
