#pragma once
// The AWS event-stream binary framing (application/vnd.amazon.eventstream),
// which ConverseStream answers in. A message is
//   prelude:  total length (u32 BE), headers length (u32 BE), CRC32 of those 8 bytes
//   headers:  name length (u8), name, value type (u8), value
//   payload
//   CRC32 of everything before it
// Both CRCs are checked; bad input is reported, never trusted.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace torii::bedrock::eventstream {

// CRC-32 as in zlib/IEEE 802.3. Pass the previous result to continue a sum.
std::uint32_t crc32(std::string_view data, std::uint32_t crc = 0);

enum class HeaderType : std::uint8_t {
  bool_true = 0,
  bool_false = 1,
  byte = 2,
  int16 = 3,
  int32 = 4,
  int64 = 5,
  bytes = 6,
  string = 7,
  timestamp = 8,  // milliseconds since the epoch
  uuid = 9,       // 16 bytes
};

struct HeaderValue {
  HeaderType type = HeaderType::string;
  std::int64_t integer = 0;  // byte, int16, int32, int64, timestamp
  std::string data;          // bytes, string, uuid

  static HeaderValue boolean(bool v) { return {v ? HeaderType::bool_true : HeaderType::bool_false, 0, {}}; }
  static HeaderValue number(HeaderType t, std::int64_t v) { return {t, v, {}}; }
  static HeaderValue text(std::string v) { return {HeaderType::string, 0, std::move(v)}; }
  static HeaderValue binary(HeaderType t, std::string v) { return {t, 0, std::move(v)}; }
  bool as_bool() const { return type == HeaderType::bool_true; }
  bool operator==(const HeaderValue&) const = default;
};

struct Header {
  std::string name;
  HeaderValue value;
  bool operator==(const Header&) const = default;
};

struct Message {
  std::vector<Header> headers;
  std::string payload;

  const HeaderValue* find(std::string_view name) const;
  // A string header's value ("" when absent or not a string): :event-type,
  // :message-type, :exception-type, :content-type.
  std::string_view header(std::string_view name) const;
};

constexpr std::size_t kPreludeSize = 12;
constexpr std::size_t kMinMessageSize = 16;  // prelude + message CRC

struct Limits {
  // What AWS's own decoders accept: 16 MiB messages, 128 KiB of headers.
  std::size_t max_message = 16 * 1024 * 1024;
  std::size_t max_headers = 128 * 1024;
};

// Throws std::invalid_argument for a message the format cannot carry (a name
// over 255 bytes, a string over 65535, a uuid that is not 16 bytes, ...).
std::string encode(const Message& message);

// A message with the three headers every ConverseStream event carries.
Message event(std::string_view event_type, std::string payload);
// A modelled error inside a stream (:message-type exception).
Message exception(std::string_view exception_type, std::string payload);

enum class DecodeError {
  none,
  bad_length,         // total or headers length outside what a message can be
  prelude_crc,
  message_crc,
  bad_header,         // a header runs past its section, or has an unknown type
};

std::string_view to_string(DecodeError e);

// Incremental: feed() whatever arrived, then take messages with next() until
// it returns nothing. The first error is final, since the framing cannot be
// trusted after it; a stream that ends with partial() true was truncated.
class Decoder {
 public:
  explicit Decoder(Limits limits = {}) : limits_(limits) {}

  void feed(std::string_view bytes);
  std::optional<Message> next();

  DecodeError error() const { return error_; }
  const std::string& error_message() const { return message_; }
  bool failed() const { return error_ != DecodeError::none; }
  // Bytes of an unfinished message are waiting.
  bool partial() const { return !failed() && pos_ < buffer_.size(); }

 private:
  std::optional<Message> fail(DecodeError e, std::string message);

  Limits limits_;
  std::string buffer_;
  std::size_t pos_ = 0;          // start of the first unconsumed message in buffer_
  DecodeError error_ = DecodeError::none;
  std::string message_;
};

// Decodes one complete message; `error` tells why not. Convenience for tests
// and for callers holding a whole buffer.
std::optional<Message> decode(std::string_view bytes, DecodeError* error = nullptr, Limits limits = {});

}  // namespace torii::bedrock::eventstream
