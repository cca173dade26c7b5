#include "providers/bedrock/event_stream.hpp"

#include <array>
#include <stdexcept>

namespace torii::bedrock::eventstream {

namespace {

constexpr std::size_t kMaxEncodedValue = 32767;  // what every AWS decoder takes for a u16-length value

constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}

constexpr auto kCrcTable = make_crc_table();

std::uint32_t read_u32(const char* p) {
  auto b = [&](int i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])); };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

std::uint64_t read_be(const char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void write_be(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

int fixed_width(HeaderType t) {
  switch (t) {
    case HeaderType::bool_true:
    case HeaderType::bool_false: return 0;
    case HeaderType::byte: return 1;
    case HeaderType::int16: return 2;
    case HeaderType::int32: return 4;
    case HeaderType::int64:
    case HeaderType::timestamp: return 8;
    case HeaderType::uuid: return 16;
    default: return -1;  // length-prefixed
  }
}

// Sign-extends a big-endian integer of `bytes` bytes.
std::int64_t signed_value(std::uint64_t raw, int bytes) {
  if (bytes == 8) return static_cast<std::int64_t>(raw);
  std::uint64_t sign = std::uint64_t{1} << (8 * bytes - 1);
  return static_cast<std::int64_t>((raw ^ sign) - sign);
}

void encode_header(std::string& out, const Header& h) {
  if (h.name.empty() || h.name.size() > 255)
    throw std::invalid_argument("event-stream header name must be 1 to 255 bytes: '" + h.name + "'");
  out += static_cast<char>(h.name.size());
  out += h.name;
  out += static_cast<char>(h.value.type);
  int width = fixed_width(h.value.type);
  switch (h.value.type) {
    case HeaderType::bool_true:
    case HeaderType::bool_false: return;
    case HeaderType::byte:
    case HeaderType::int16:
    case HeaderType::int32:
    case HeaderType::int64:
    case HeaderType::timestamp:
      write_be(out, static_cast<std::uint64_t>(h.value.integer), width);
      return;
    case HeaderType::uuid:
      if (h.value.data.size() != 16) throw std::invalid_argument("event-stream uuid header '" + h.name + "' needs 16 bytes");
      out += h.value.data;
      return;
    case HeaderType::bytes:
    case HeaderType::string:
      if (h.value.data.size() > kMaxEncodedValue)
        throw std::invalid_argument("event-stream header '" + h.name + "' value is over 32767 bytes");
      write_be(out, h.value.data.size(), 2);
      out += h.value.data;
      return;
  }
  throw std::invalid_argument("event-stream header '" + h.name + "' has an unknown type");
}

}  // namespace

std::uint32_t crc32(std::string_view data, std::uint32_t crc) {
  crc = ~crc;
  for (unsigned char c : data) crc = kCrcTable[(crc ^ c) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

const HeaderValue* Message::find(std::string_view name) const {
  for (const auto& h : headers)
    if (h.name == name) return &h.value;
  return nullptr;
}

std::string_view Message::header(std::string_view name) const {
  const HeaderValue* v = find(name);
  return v && v->type == HeaderType::string ? std::string_view(v->data) : std::string_view();
}

std::string encode(const Message& message) {
  std::string headers;
  for (const auto& h : message.headers) encode_header(headers, h);
  Limits limits;
  if (headers.size() > limits.max_headers) throw std::invalid_argument("event-stream headers over 128 KiB");
  std::size_t total = kPreludeSize + headers.size() + message.payload.size() + 4;
  if (total > limits.max_message) throw std::invalid_argument("event-stream message over 16 MiB");
  std::string out;
  out.reserve(total);
  write_be(out, total, 4);
  write_be(out, headers.size(), 4);
  write_be(out, crc32(out), 4);
  out += headers;
  out += message.payload;
  write_be(out, crc32(out), 4);
  return out;
}

Message event(std::string_view event_type, std::string payload) {
  Message m;
  m.headers.push_back({":event-type", HeaderValue::text(std::string(event_type))});
  m.headers.push_back({":content-type", HeaderValue::text("application/json")});
  m.headers.push_back({":message-type", HeaderValue::text("event")});
  m.payload = std::move(payload);
  return m;
}

Message exception(std::string_view exception_type, std::string payload) {
  Message m;
  m.headers.push_back({":exception-type", HeaderValue::text(std::string(exception_type))});
  m.headers.push_back({":content-type", HeaderValue::text("application/json")});
  m.headers.push_back({":message-type", HeaderValue::text("exception")});
  m.payload = std::move(payload);
  return m;
}

std::string_view to_string(DecodeError e) {
  switch (e) {
    case DecodeError::none: return "none";
    case DecodeError::bad_length: return "bad_length";
    case DecodeError::prelude_crc: return "prelude_crc";
    case DecodeError::message_crc: return "message_crc";
    case DecodeError::bad_header: return "bad_header";
  }
  return "unknown";
}

void Decoder::feed(std::string_view bytes) {
  if (failed()) return;
  // Drop consumed messages once they are the larger part, so memory follows
  // the unfinished message rather than the whole stream.
  if (pos_ > 0 && pos_ * 2 >= buffer_.size()) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
  buffer_.append(bytes);
}

std::optional<Message> Decoder::fail(DecodeError e, std::string message) {
  error_ = e;
  message_ = std::move(message);
  buffer_.clear();
  buffer_.shrink_to_fit();
  pos_ = 0;
  return std::nullopt;
}

std::optional<Message> Decoder::next() {
  if (failed()) return std::nullopt;
  std::size_t available = buffer_.size() - pos_;
  if (available < kPreludeSize) return std::nullopt;
  const char* p = buffer_.data() + pos_;
  std::uint32_t total = read_u32(p);
  std::uint32_t headers_length = read_u32(p + 4);
  std::uint32_t prelude_crc = read_u32(p + 8);
  std::uint32_t computed = crc32(std::string_view(p, 8));
  // The prelude is checked as soon as it is here, so a corrupt or absurd
  // length is refused without waiting for (or buffering) that many bytes.
  if (computed != prelude_crc)
    return fail(DecodeError::prelude_crc, "event-stream prelude CRC mismatch (got " + std::to_string(prelude_crc) +
                                              ", computed " + std::to_string(computed) + ")");
  if (total < kMinMessageSize || total > limits_.max_message)
    return fail(DecodeError::bad_length, "event-stream message length " + std::to_string(total) + " out of range");
  if (headers_length > total - kMinMessageSize || headers_length > limits_.max_headers)
    return fail(DecodeError::bad_length, "event-stream headers length " + std::to_string(headers_length) +
                                             " does not fit a " + std::to_string(total) + "-byte message");
  if (available < total) return std::nullopt;

  std::uint32_t message_crc = read_u32(p + total - 4);
  computed = crc32(std::string_view(p, total - 4));
  if (computed != message_crc)
    return fail(DecodeError::message_crc, "event-stream message CRC mismatch (got " + std::to_string(message_crc) +
                                              ", computed " + std::to_string(computed) + ")");

  Message m;
  const char* h = p + kPreludeSize;
  const char* end = h + headers_length;
  while (h < end) {
    std::size_t name_length = static_cast<unsigned char>(*h++);
    if (name_length == 0) return fail(DecodeError::bad_header, "event-stream header with an empty name");
    if (static_cast<std::size_t>(end - h) < name_length + 1)
      return fail(DecodeError::bad_header, "event-stream header name runs past the headers");
    Header header;
    header.name.assign(h, name_length);
    h += name_length;
    auto type_byte = static_cast<unsigned char>(*h++);
    if (type_byte > static_cast<unsigned char>(HeaderType::uuid))
      return fail(DecodeError::bad_header,
                  "event-stream header '" + header.name + "' has unknown type " + std::to_string(type_byte));
    header.value.type = static_cast<HeaderType>(type_byte);
    int width = fixed_width(header.value.type);
    if (width < 0) {
      if (end - h < 2) return fail(DecodeError::bad_header, "event-stream header '" + header.name + "' is cut short");
      width = static_cast<int>(read_be(h, 2));
      h += 2;
    }
    if (end - h < width)
      return fail(DecodeError::bad_header, "event-stream header '" + header.name + "' value runs past the headers");
    switch (header.value.type) {
      case HeaderType::bool_true:
      case HeaderType::bool_false: break;
      case HeaderType::byte:
      case HeaderType::int16:
      case HeaderType::int32:
      case HeaderType::int64:
      case HeaderType::timestamp: header.value.integer = signed_value(read_be(h, width), width); break;
      case HeaderType::bytes:
      case HeaderType::string:
      case HeaderType::uuid: header.value.data.assign(h, static_cast<std::size_t>(width)); break;
    }
    h += width;
    m.headers.push_back(std::move(header));
  }
  m.payload.assign(end, static_cast<std::size_t>(p + total - 4 - end));
  pos_ += total;
  return m;
}

std::optional<Message> decode(std::string_view bytes, DecodeError* error, Limits limits) {
  Decoder d(limits);
  d.feed(bytes);
  std::optional<Message> m = d.next();
  DecodeError e = d.error();
  if (m && d.partial()) {
    m.reset();
    e = DecodeError::bad_length;  // trailing bytes: the length field does not describe this buffer
  } else if (!m && e == DecodeError::none) {
    e = DecodeError::bad_length;  // too short for the length it announces
  }
  if (error) *error = e;
  return m;
}

}  // namespace torii::bedrock::eventstream
