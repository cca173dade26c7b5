// The server's request parsing (src/http/wire.hpp RequestParser, fed as
// server.cpp feeds it: eager, header and body limits, pipelined requests in
// one buffer), then what handlers read off a request: path, query, headers,
// the percent-decoded query, and the header writer.
//
// Properties: a parsed body never exceeds the body limit; path() + query()
// come from the target; a header line written by append_header_line is one
// line (no CR, LF or NUL before its CRLF); percent_decode undoes percent_encode.
#include <boost/beast/core/flat_buffer.hpp>

#include "fuzz.hpp"
#include "http/message.hpp"
#include "http/percent.hpp"
#include "http/wire.hpp"

namespace {

using namespace torii::http;

constexpr size_t kMaxHeader = 8 * 1024;
constexpr size_t kMaxBody = 64 * 1024;

void check_request(const Request& req) {
  FUZZ_CHECK(req.body.size() <= kMaxBody);
  std::string_view path = req.path(), query = req.query();
  FUZZ_CHECK(std::string_view(req.target).substr(0, path.size()) == path);
  if (!query.empty()) FUZZ_CHECK(req.target.size() >= path.size() + 1 + query.size());
  // Lookups as handlers do them.
  (void)req.headers.get("content-type");
  (void)req.headers.get("expect");
  (void)iequals(req.headers.get("connection"), "close");
  std::string line;
  for (const auto& h : req.headers) {
    line.clear();
    if (append_header_line(line, h.name, h.value)) {
      FUZZ_CHECK(line.size() >= 4 && line.compare(line.size() - 2, 2, "\r\n") == 0);
      std::string_view inner(line.data(), line.size() - 2);
      FUZZ_CHECK(inner.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos);
    }
  }
  std::string decoded = percent_decode(query, true);
  FUZZ_CHECK(decoded.size() <= query.size());
  FUZZ_CHECK(percent_decode(percent_encode(req.target)) == req.target);
  FUZZ_CHECK(percent_decode(percent_encode(req.target, true)) == req.target);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  const uint8_t mode = in.byte();
  std::string_view bytes = in.rest();

  boost::beast::flat_buffer buffer;
  // Mode bit 0: the whole input at once (as a request that came in one read);
  // otherwise in small reads, as parse_until gets them.
  std::vector<std::string_view> reads =
      (mode & 1) ? std::vector<std::string_view>{bytes} : fuzz::pieces(bytes, bytes.substr(0, 4));
  size_t next_read = 0;
  auto more = [&]() {
    if (next_read >= reads.size()) return false;
    fuzz::append(buffer, reads[next_read++]);
    return true;
  };
  if (!more()) return 0;

  for (int requests = 0; requests < 64; ++requests) {
    Request req;
    wire::RequestParser parser(req);
    parser.eager(true);
    parser.header_limit(kMaxHeader);
    parser.body_limit(kMaxBody);
    auto never = [] { return false; };
    boost::system::error_code ec;
    for (;;) {
      ec = wire::parse_buffered(buffer, parser, never);
      if (ec || parser.is_done()) break;
      if (!more()) {
        // The peer closed: as parse_until does on EOF.
        if (parser.got_some()) parser.put_eof(ec);
        else ec = wire::bhttp::error::end_of_stream;
        break;
      }
    }
    if (ec || !parser.is_done()) return 0;
    check_request(req);
    (void)parser.keep_alive();
    (void)parser.head_request();
    if (buffer.size() == 0 && !more()) return 0;
  }
  return 0;
}
