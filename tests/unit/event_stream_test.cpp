// AWS event-stream framing: published known-good messages, round trips,
// incremental feeding, and every way a stream can be corrupt.
#include "providers/bedrock/event_stream.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

using namespace torii::bedrock::eventstream;

namespace {

std::string bytes(std::initializer_list<int> list) {
  std::string out;
  for (int b : list) out += static_cast<char>(b);
  return out;
}

std::string be32(std::uint32_t v) {
  return bytes({static_cast<int>(v >> 24), static_cast<int>((v >> 16) & 0xFF), static_cast<int>((v >> 8) & 0xFF),
                static_cast<int>(v & 0xFF)});
}

std::uint32_t read32(const std::string& s, size_t at) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at])) << 24) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 1])) << 16) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 2])) << 8) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 3]));
}

// A frame with valid CRCs around whatever headers/payload bytes are given, to
// reach the checks that come after the CRCs.
std::string frame(const std::string& headers, const std::string& payload, std::uint32_t total_override = 0,
                  std::uint32_t headers_override = 0xFFFFFFFF) {
  std::uint32_t total = total_override ? total_override : static_cast<std::uint32_t>(12 + headers.size() + payload.size() + 4);
  std::uint32_t hlen = headers_override != 0xFFFFFFFF ? headers_override : static_cast<std::uint32_t>(headers.size());
  std::string out = be32(total) + be32(hlen);
  out += be32(crc32(out));
  out += headers + payload;
  out += be32(crc32(out));
  return out;
}

Message all_types_message() {
  Message m;
  m.headers = {
      {"t", HeaderValue::boolean(true)},
      {"f", HeaderValue::boolean(false)},
      {"byte", HeaderValue::number(HeaderType::byte, -5)},
      {"short", HeaderValue::number(HeaderType::int16, -12345)},
      {"int", HeaderValue::number(HeaderType::int32, -2'000'000'000)},
      {"long", HeaderValue::number(HeaderType::int64, -9'000'000'000'000'000'000LL)},
      {"bytes", HeaderValue::binary(HeaderType::bytes, std::string("\x00\xFF\x01", 3))},
      {"string", HeaderValue::text("h\xC3\xA9llo")},
      {"when", HeaderValue::number(HeaderType::timestamp, 1'700'000'000'123LL)},
      {"id", HeaderValue::binary(HeaderType::uuid, std::string("\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xAA\xBB\xCC\xDD\xEE\xFF", 16))},
  };
  m.payload = R"({"hello":"world"})";
  return m;
}

TEST(EventStreamCrc, MatchesZlibCheckValue) {
  EXPECT_EQ(crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(crc32(""), 0u);
  EXPECT_EQ(crc32("56789", crc32("1234")), 0xCBF43926u);
}

// The known-good messages of AWS's C event-stream library tests.
TEST(EventStreamVectors, EmptyMessage) {
  std::string wire = bytes({0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x05, 0xc2, 0x48, 0xeb, 0x7d, 0x98, 0xc8, 0xff});
  DecodeError e;
  auto m = decode(wire, &e);
  ASSERT_TRUE(m) << to_string(e);
  EXPECT_TRUE(m->headers.empty());
  EXPECT_TRUE(m->payload.empty());
  EXPECT_EQ(encode(Message{}), wire);
}

TEST(EventStreamVectors, PayloadWithoutHeaders) {
  std::string wire = bytes({0x00, 0x00, 0x00, 0x1D, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x52, 0x8c, 0x5a}) + "{'foo':'bar'}" +
                     bytes({0xc3, 0x65, 0x39, 0x36});
  auto m = decode(wire);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->payload, "{'foo':'bar'}");
  EXPECT_EQ(encode(*m), wire);
}

TEST(EventStreamVectors, OneStringHeader) {
  std::string wire = bytes({0x00, 0x00, 0x00, 0x3D, 0x00, 0x00, 0x00, 0x20, 0x07, 0xFD, 0x83, 0x96, 0x0C}) +
                     "content-type" + bytes({0x07, 0x00, 0x10}) + "application/json" + "{'foo':'bar'}" +
                     bytes({0x8D, 0x9C, 0x08, 0xB1});
  auto m = decode(wire);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->headers.size(), 1u);
  EXPECT_EQ(m->header("content-type"), "application/json");
  EXPECT_EQ(m->payload, "{'foo':'bar'}");
  EXPECT_EQ(encode(*m), wire);
}

TEST(EventStreamVectors, Int32Header) {
  std::string wire = bytes({0, 0, 0, 45, 0, 0, 0, 16, 65, 196, 36, 184, 10}) + "event-type" + bytes({4, 0, 0, 160, 12}) +
                     "{'foo':'bar'}" + bytes({54, 244, 128, 160});
  auto m = decode(wire);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->headers.size(), 1u);
  EXPECT_EQ(m->find("event-type")->type, HeaderType::int32);
  EXPECT_EQ(m->find("event-type")->integer, 40972);
  EXPECT_EQ(encode(*m), wire);
}

// The "all_headers" vector of AWS's SDK event-stream test vectors: lengths and
// both CRCs our encoder must reproduce for that header list.
TEST(EventStreamVectors, AllHeaders) {
  Message m;
  m.headers = {
      {"event-type", HeaderValue::number(HeaderType::int32, 40972)},
      {"content-type", HeaderValue::text("application/json")},
      {"bool false", HeaderValue::boolean(false)},
      {"bool true", HeaderValue::boolean(true)},
      {"byte", HeaderValue::number(HeaderType::byte, -49)},
      {"byte buf", HeaderValue::binary(HeaderType::bytes, "I'm a little teapot!")},
      {"timestamp", HeaderValue::number(HeaderType::timestamp, 8675309)},
      {"int16", HeaderValue::number(HeaderType::int16, 42)},
      {"int64", HeaderValue::number(HeaderType::int64, 42424242)},
      {"uuid", HeaderValue::binary(HeaderType::uuid, bytes({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}))},
  };
  m.payload = "{'foo':'bar'}";
  std::string wire = encode(m);
  ASSERT_EQ(wire.size(), 204u);
  EXPECT_EQ(read32(wire, 0), 204u);
  EXPECT_EQ(read32(wire, 4), 175u);
  EXPECT_EQ(read32(wire, 8), 0x0FAE64CAu);
  EXPECT_EQ(read32(wire, 200), 0xABA5F10Cu);
  // The timestamp is 8 bytes: 0 0 0 0 0 132 95 237.
  EXPECT_NE(wire.find(std::string("timestamp\x08", 10) + bytes({0, 0, 0, 0, 0, 132, 95, 237})), std::string::npos);
  auto back = decode(wire);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->headers, m.headers);
  EXPECT_EQ(back->payload, m.payload);
}

// The same suite's negative vectors, derived from the positive ones above.
TEST(EventStreamVectors, CorruptedVectorsFail) {
  std::string one_header = bytes({0x00, 0x00, 0x00, 0x3D, 0x00, 0x00, 0x00, 0x20, 0x07, 0xFD, 0x83, 0x96, 0x0C}) +
                           "content-type" + bytes({0x07, 0x00, 0x10}) + "application/json" + "{'foo':'bar'}" +
                           bytes({0x8D, 0x9C, 0x08, 0xB1});
  std::string no_headers = bytes({0, 0, 0, 29, 0, 0, 0, 0, 253, 82, 140, 90}) + "{'foo':'bar'}" + bytes({195, 101, 57, 54});
  DecodeError e;
  std::string corrupted_headers = one_header;
  corrupted_headers[45] = 'a';  // "{'foo'" -> "{afoo'"
  EXPECT_FALSE(decode(corrupted_headers, &e));
  EXPECT_EQ(e, DecodeError::message_crc);
  std::string corrupted_header_len = one_header;
  corrupted_header_len[7] = 33;
  EXPECT_FALSE(decode(corrupted_header_len, &e));
  EXPECT_EQ(e, DecodeError::prelude_crc);
  std::string corrupted_length = one_header;
  corrupted_length[3] = 62;
  EXPECT_FALSE(decode(corrupted_length, &e));
  EXPECT_EQ(e, DecodeError::prelude_crc);
  std::string corrupted_payload = no_headers;
  corrupted_payload[12] = '[';
  EXPECT_FALSE(decode(corrupted_payload, &e));
  EXPECT_EQ(e, DecodeError::message_crc);
}

TEST(EventStream, RoundTripsEveryHeaderType) {
  Message m = all_types_message();
  auto back = decode(encode(m));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->headers, m.headers);
  EXPECT_EQ(back->payload, m.payload);
  EXPECT_TRUE(back->find("t")->as_bool());
  EXPECT_FALSE(back->find("f")->as_bool());
  EXPECT_EQ(back->find("byte")->integer, -5);
  EXPECT_EQ(back->find("long")->integer, -9'000'000'000'000'000'000LL);
  EXPECT_EQ(back->header("string"), "h\xC3\xA9llo");
  EXPECT_EQ(back->header("byte"), "");  // not a string header
  EXPECT_EQ(back->header("absent"), "");
}

TEST(EventStream, EventAndExceptionHelpersCarryTheBedrockHeaders) {
  auto ev = decode(encode(event("contentBlockDelta", R"({"contentBlockIndex":0})")));
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->header(":event-type"), "contentBlockDelta");
  EXPECT_EQ(ev->header(":content-type"), "application/json");
  EXPECT_EQ(ev->header(":message-type"), "event");
  auto ex = decode(encode(exception("throttlingException", R"({"message":"slow down"})")));
  ASSERT_TRUE(ex);
  EXPECT_EQ(ex->header(":exception-type"), "throttlingException");
  EXPECT_EQ(ex->header(":message-type"), "exception");
}

TEST(EventStream, ByteAtATimeFeedingYieldsEveryMessageOnce) {
  std::vector<Message> sent;
  std::string wire;
  for (int i = 0; i < 5; ++i) {
    Message m = i % 2 ? all_types_message() : event("contentBlockDelta", std::string(static_cast<size_t>(i * 37), 'x'));
    wire += encode(m);
    sent.push_back(std::move(m));
  }
  Decoder d;
  std::vector<Message> got;
  for (char c : wire) {
    d.feed(std::string_view(&c, 1));
    while (auto m = d.next()) got.push_back(std::move(*m));
  }
  EXPECT_FALSE(d.failed());
  EXPECT_FALSE(d.partial());
  ASSERT_EQ(got.size(), sent.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].headers, sent[i].headers);
    EXPECT_EQ(got[i].payload, sent[i].payload);
  }
}

TEST(EventStream, WholeStreamInOneFeed) {
  std::string wire = encode(event("messageStart", "{}")) + encode(event("messageStop", "{}"));
  Decoder d;
  d.feed(wire);
  auto a = d.next();
  auto b = d.next();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->header(":event-type"), "messageStart");
  EXPECT_EQ(b->header(":event-type"), "messageStop");
  EXPECT_FALSE(d.next());
  EXPECT_FALSE(d.partial());
}

TEST(EventStream, TruncatedInputWaitsAndIsReportedAsPartial) {
  std::string wire = encode(all_types_message());
  for (size_t cut : {size_t{0}, size_t{5}, size_t{11}, size_t{12}, wire.size() / 2, wire.size() - 1}) {
    Decoder d;
    d.feed(std::string_view(wire).substr(0, cut));
    EXPECT_FALSE(d.next()) << cut;
    EXPECT_FALSE(d.failed()) << cut;
    EXPECT_EQ(d.partial(), cut > 0) << cut;
    d.feed(std::string_view(wire).substr(cut));
    EXPECT_TRUE(d.next()) << cut;
  }
  DecodeError e;
  EXPECT_FALSE(decode(std::string_view(wire).substr(0, wire.size() - 1), &e));
  EXPECT_EQ(e, DecodeError::bad_length);
  EXPECT_FALSE(decode(wire + "x", &e));
  EXPECT_EQ(e, DecodeError::bad_length);
}

TEST(EventStream, BadPreludeCrcIsRefused) {
  std::string wire = encode(event("messageStart", "{}"));
  wire[9] ^= 0x01;
  Decoder d;
  d.feed(wire);
  EXPECT_FALSE(d.next());
  EXPECT_EQ(d.error(), DecodeError::prelude_crc);
  EXPECT_NE(d.error_message().find("prelude CRC"), std::string::npos);
}

TEST(EventStream, BadMessageCrcIsRefused) {
  std::string wire = encode(event("messageStart", R"({"role":"assistant"})"));
  wire[wire.size() - 1] ^= 0x80;
  DecodeError e;
  EXPECT_FALSE(decode(wire, &e));
  EXPECT_EQ(e, DecodeError::message_crc);

  std::string payload_flip = encode(event("messageStart", R"({"role":"assistant"})"));
  payload_flip[payload_flip.size() - 6] ^= 0x20;
  EXPECT_FALSE(decode(payload_flip, &e));
  EXPECT_EQ(e, DecodeError::message_crc);
}

// CRC-32 catches every single-bit error, so flipping any bit of a message is
// always caught by one CRC or the other, or by the length checks.
TEST(EventStream, EverySingleBitFlipIsDetected) {
  std::string wire = encode(all_types_message());
  for (size_t i = 0; i < wire.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = wire;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      Decoder d;
      d.feed(bad);
      EXPECT_FALSE(d.next()) << "byte " << i << " bit " << bit;
      EXPECT_TRUE(d.failed() || d.partial()) << "byte " << i << " bit " << bit;
    }
  }
}

TEST(EventStream, AbsurdLengthsAreRefusedBeforeBuffering) {
  DecodeError e;
  // A 4 GiB message announced by a prelude with a valid CRC.
  std::string huge = be32(0xFFFFFFF0u) + be32(0);
  huge += be32(crc32(huge));
  Decoder d;
  d.feed(huge);
  EXPECT_FALSE(d.next());
  EXPECT_EQ(d.error(), DecodeError::bad_length);

  EXPECT_FALSE(decode(frame("", "", 15), &e));  // shorter than a prelude and a CRC
  EXPECT_EQ(e, DecodeError::bad_length);
  EXPECT_FALSE(decode(frame("", "abc", 0, 4), &e));  // headers longer than the message holds
  EXPECT_EQ(e, DecodeError::bad_length);

  Limits small;
  small.max_message = 64;
  EXPECT_FALSE(decode(encode(event("x", std::string(100, 'a'))), &e, small));
  EXPECT_EQ(e, DecodeError::bad_length);
}

TEST(EventStream, MalformedHeadersAreRefused) {
  DecodeError e;
  EXPECT_FALSE(decode(frame(bytes({0x01, 'a', 0x0A}), ""), &e));  // type 10 does not exist
  EXPECT_EQ(e, DecodeError::bad_header);
  EXPECT_FALSE(decode(frame(bytes({0x00, 0x00}), ""), &e));  // empty name
  EXPECT_EQ(e, DecodeError::bad_header);
  EXPECT_FALSE(decode(frame(bytes({0x05, 'a', 'b'}), ""), &e));  // name past the section
  EXPECT_EQ(e, DecodeError::bad_header);
  EXPECT_FALSE(decode(frame(bytes({0x01, 'a', 0x04, 0x00, 0x01}), ""), &e));  // int32 cut short
  EXPECT_EQ(e, DecodeError::bad_header);
  EXPECT_FALSE(decode(frame(bytes({0x01, 'a', 0x07, 0x00, 0x09, 'x'}), ""), &e));  // string past the section
  EXPECT_EQ(e, DecodeError::bad_header);
  EXPECT_FALSE(decode(frame(bytes({0x01, 'a', 0x07, 0x00}), ""), &e));  // string length cut short
  EXPECT_EQ(e, DecodeError::bad_header);
  EXPECT_FALSE(decode(frame(bytes({0x01, 'a', 0x09}) + std::string(15, '\0'), ""), &e));  // uuid of 15
  EXPECT_EQ(e, DecodeError::bad_header);
  // A header section that ends exactly after a value-less header is fine.
  auto ok = decode(frame(bytes({0x01, 'a', 0x00}), "p"), &e);
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->find("a")->as_bool());
}

TEST(EventStream, ErrorsAreFinal) {
  std::string good = encode(event("messageStart", "{}"));
  std::string bad = good;
  bad[2] ^= 0x01;
  Decoder d;
  d.feed(bad);
  EXPECT_FALSE(d.next());
  EXPECT_TRUE(d.failed());
  d.feed(good);
  EXPECT_FALSE(d.next());
  EXPECT_EQ(d.error(), DecodeError::prelude_crc);
  EXPECT_FALSE(d.partial());
}

TEST(EventStream, GarbageNeverCrashes) {
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  auto rnd = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (int round = 0; round < 2000; ++round) {
    std::string junk(static_cast<size_t>(rnd() % 200), '\0');
    for (char& c : junk) c = static_cast<char>(rnd());
    // Half the rounds start from a plausible prelude so the later checks run too.
    if (round % 2 && junk.size() >= 12) {
      std::string prelude = be32(static_cast<std::uint32_t>(junk.size())) +
                            be32(static_cast<std::uint32_t>(rnd() % junk.size()));
      prelude += be32(crc32(prelude));
      junk.replace(0, 12, prelude);
    }
    Decoder d;
    size_t at = 0;
    while (at < junk.size()) {
      size_t n = std::min<size_t>(junk.size() - at, 1 + rnd() % 17);
      d.feed(std::string_view(junk).substr(at, n));
      at += n;
      while (d.next()) {
      }
    }
    SUCCEED();
  }
}

TEST(EventStream, EncoderRefusesWhatTheFormatCannotCarry) {
  Message m;
  m.headers = {{"", HeaderValue::text("x")}};
  EXPECT_THROW(encode(m), std::invalid_argument);
  m.headers = {{std::string(256, 'n'), HeaderValue::text("x")}};
  EXPECT_THROW(encode(m), std::invalid_argument);
  m.headers = {{"s", HeaderValue::text(std::string(40000, 'x'))}};
  EXPECT_THROW(encode(m), std::invalid_argument);
  m.headers = {{"u", HeaderValue::binary(HeaderType::uuid, "short")}};
  EXPECT_THROW(encode(m), std::invalid_argument);
  m.headers = {};
  m.payload.assign(17 * 1024 * 1024, 'x');
  EXPECT_THROW(encode(m), std::invalid_argument);
}

}  // namespace
