#include "llm/json_scan.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

namespace torii::llm {

namespace {

// Bytes that can appear in a JSON string without further checks: printable
// ASCII except the quote and the backslash.
constexpr auto kPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[c] = c != '"' && c != '\\';
  return t;
}();

// True when one of the eight bytes in `w` may need a closer look: a quote, a
// backslash, a control character or a non-ASCII byte. (The zero-byte tests
// can also flag a byte next to a real hit; the byte loop sorts that out.)
inline bool word_needs_look(uint64_t w) {
  constexpr uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  const uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
  const uint64_t t = ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) | ((w - ones * 0x20) & ~w) | w;
  return (t & highs) != 0;
}

// "reasoning_effort": "high", or "reasoning": {"effort": "high", ...}: the
// effort's name (a small value, decoded only when present).
void read_effort(std::string_view key, std::string_view token, bool is_string, std::string& effort) {
  if (key == "reasoning_effort" ? !is_string : token.empty() || token.front() != '{') return;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(token, ec);
  if (ec) return;
  if (v.is_string()) effort = std::string(v.get_string());
  else if (const auto* e = v.is_object() ? v.get_object().if_contains("effort") : nullptr; e && e->is_string())
    effort = std::string(e->get_string());
}

// A strict RFC 8259 recogniser. It records spans rather than building values.
class Scanner {
 public:
  Scanner(std::string_view text, int max_depth) : s_(text), max_depth_(max_depth) {}

  // Parses one value at the top level and checks that only whitespace follows.
  bool document(RequestScan* scan) {
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == '{' && scan) {
      scan->is_object = true;
      if (!top_object(*scan)) return false;
    } else {
      if (scan) scan->is_object = false;
      if (!value(0)) return false;
    }
    skip_ws();
    if (pos_ != s_.size()) return fail("unexpected data after the JSON value");
    return true;
  }

  std::string error() const { return error_ + " at offset " + std::to_string(error_pos_); }

 private:
  bool fail(const char* why) {
    if (error_.empty()) {
      error_ = why;
      error_pos_ = pos_;
    }
    return false;
  }

  void skip_ws() {
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') break;
      ++pos_;
    }
  }

  bool literal(const char* word) {
    size_t n = std::strlen(word);
    if (s_.substr(pos_, n) != word) return fail("invalid literal");
    pos_ += n;
    return true;
  }

  bool number() {
    size_t start = pos_;
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    if (pos_ >= s_.size()) return fail("invalid number");
    if (s_[pos_] == '0') {
      ++pos_;
    } else if (s_[pos_] >= '1' && s_[pos_] <= '9') {
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    } else {
      return fail("invalid number");
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      size_t d = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      if (pos_ == d) return fail("invalid number");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      size_t d = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      if (pos_ == d) return fail("invalid number");
    }
    return pos_ > start;
  }

  static bool hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  // Expects pos_ at the opening quote. Sets has_escape when the raw token
  // differs from its decoded text.
  bool string(bool* has_escape = nullptr) {
    ++pos_;  // opening quote
    while (pos_ < s_.size()) {
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c == '\\') {
        if (has_escape) *has_escape = true;
        ++pos_;
        if (pos_ >= s_.size()) break;
        char e = s_[pos_];
        if (e == 'u') {
          if (pos_ + 4 >= s_.size() || !hex(s_[pos_ + 1]) || !hex(s_[pos_ + 2]) || !hex(s_[pos_ + 3]) ||
              !hex(s_[pos_ + 4]))
            return fail("invalid \\u escape");
          pos_ += 5;
        } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
                   e == 't') {
          ++pos_;
        } else {
          return fail("invalid escape");
        }
        continue;
      }
      if (c < 0x20) return fail("control character in string");
      if (c < 0x80) {
        // Plain ASCII runs are the common case: one table lookup per byte
        // for short ones (most keys and values), eight bytes at a time past that.
        ++pos_;
        const size_t short_end = std::min(pos_ + 8, s_.size());
        while (pos_ < short_end && kPlain[static_cast<unsigned char>(s_[pos_])]) ++pos_;
        if (pos_ == short_end) {
          skip_plain_words();
          while (pos_ < s_.size() && kPlain[static_cast<unsigned char>(s_[pos_])]) ++pos_;
        }
        continue;
      }
      if (!utf8()) return false;
    }
    return fail("unterminated string");
  }

  void skip_plain_words() {
    const char* p = s_.data();
    size_t i = pos_;
    while (i + 8 <= s_.size()) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if (word_needs_look(w)) break;
      i += 8;
    }
    pos_ = i;
  }

  // One multi-byte UTF-8 sequence, rejecting overlongs and surrogates.
  bool utf8() {
    auto at = [&](size_t i) { return static_cast<unsigned char>(s_[i]); };
    unsigned char c = at(pos_);
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c == 0xE0) len = 3, lo = 0xA0;
    else if (c >= 0xE1 && c <= 0xEC) len = 3;
    else if (c == 0xED) len = 3, hi = 0x9F;
    else if (c >= 0xEE && c <= 0xEF) len = 3;
    else if (c == 0xF0) len = 4, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3) len = 4;
    else if (c == 0xF4) len = 4, hi = 0x8F;
    else return fail("invalid UTF-8");
    if (pos_ + len > s_.size()) return fail("invalid UTF-8");
    if (at(pos_ + 1) < lo || at(pos_ + 1) > hi) return fail("invalid UTF-8");
    for (size_t i = 2; i < len; ++i)
      if (at(pos_ + i) < 0x80 || at(pos_ + i) > 0xBF) return fail("invalid UTF-8");
    pos_ += len;
    return true;
  }

  bool value(int depth) {
    if (pos_ >= s_.size()) return fail("unexpected end of input");
    switch (s_[pos_]) {
      case '{': return object(depth + 1);
      case '[': return array(depth + 1);
      case '"': return string();
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default:
        if (s_[pos_] == '-' || (s_[pos_] >= '0' && s_[pos_] <= '9')) return number();
        return fail("unexpected character");
    }
  }

  bool object(int depth) {
    if (depth > max_depth_) return fail("nesting too deep");
    ++pos_;
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != '"') return fail("expected a string key");
      if (!string()) return false;
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != ':') return fail("expected ':'");
      ++pos_;
      skip_ws();
      if (!value(depth)) return false;
      skip_ws();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        return true;
      }
      return fail("expected ',' or '}'");
    }
  }

  bool array(int depth) {
    if (depth > max_depth_) return fail("nesting too deep");
    ++pos_;
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_ws();
      if (!value(depth)) return false;
      skip_ws();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        return true;
      }
      return fail("expected ',' or ']'");
    }
  }

  // A non-negative integer token as a number, saturated at 10^12; -1 when
  // it is not one (the provider refuses what is not a count; this is only
  // for estimates).
  static int64_t small_count(std::string_view t) {
    if (t.empty()) return -1;
    if (t.size() > 12) {
      for (char c : t)
        if (c < '0' || c > '9') return -1;
      return 1'000'000'000'000;
    }
    int64_t v = 0;
    for (char c : t) {
      if (c < '0' || c > '9') return -1;
      v = v * 10 + (c - '0');
    }
    return v;
  }

  // The top-level object, recording the fields the router needs. Duplicate
  // keys: the last one wins, as in most JSON parsers upstream.
  bool top_object(RequestScan& scan) {
    ++pos_;
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != '"') return fail("expected a string key");
      size_t key_begin = pos_;
      bool key_escaped = false;
      if (!string(&key_escaped)) return false;
      std::string_view key = s_.substr(key_begin + 1, pos_ - key_begin - 2);
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != ':') return fail("expected ':'");
      ++pos_;
      skip_ws();
      size_t value_begin = pos_;
      bool value_escaped = false;
      bool is_string = pos_ < s_.size() && s_[pos_] == '"';
      if (is_string ? !string(&value_escaped) : !value(1)) return false;
      std::string_view token = s_.substr(value_begin, pos_ - value_begin);
      if (!key_escaped && key == "model") {
        scan.has_model = true;
        scan.model_is_string = is_string;
        scan.model_token = {value_begin, pos_};
        scan.model.clear();
        if (is_string) {
          if (value_escaped) {
            // The grammar lets a lone surrogate escape ("\ud83d") through,
            // but it decodes to no string: the body is refused, not thrown on.
            boost::system::error_code ec;
            auto v = boost::json::parse(token, ec);
            if (ec) return fail("invalid model string (a lone surrogate escape)");
            scan.model = std::string(v.as_string());
          } else {
            scan.model = std::string(token.substr(1, token.size() - 2));
          }
        }
      } else if (!key_escaped && key == "stream") {
        scan.stream = token == "true";
      } else if (!key_escaped && key == "stream_options") {
        scan.has_stream_options = true;
        scan.stream_options_token = {value_begin, pos_};
      } else if (!key_escaped && key == "usage") {
        scan.usage_token = {value_begin, pos_};
      } else if (!key_escaped && key == "user") {
        scan.user_token = {value_begin, pos_};
      } else if (!key_escaped && key == "metadata") {
        scan.metadata_token = {value_begin, pos_};
      } else if (!key_escaped && (key == "reasoning_effort" || key == "reasoning")) {
        read_effort(key, token, is_string, scan.reasoning_effort);
      }
      // The output caps, also under an escaped spelling ("max\u005ftokens"),
      // which upstream parsers decode: the largest of them counts, so a
      // budget's estimate is never below what the upstream may generate.
      std::string unescaped;
      std::string_view name = key;
      if (key_escaped) {
        boost::system::error_code kec;
        auto k = boost::json::parse(s_.substr(key_begin, key.size() + 2), kec);
        if (!kec && k.is_string()) unescaped = std::string(k.as_string());
        name = unescaped;
      }
      if (name == "max_tokens" || name == "max_completion_tokens" || name == "max_output_tokens") {
        scan.max_output_tokens = std::max(scan.max_output_tokens, small_count(token));
      } else if (name == "n") {
        scan.choices = std::max<int64_t>(scan.choices, small_count(token));
      }
      skip_ws();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        return true;
      }
      return fail("expected ',' or '}'");
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
  int max_depth_;
  std::string error_;
  size_t error_pos_ = 0;
};

}  // namespace

RequestScan scan_request(std::string_view body, int max_depth) {
  RequestScan scan;
  Scanner scanner(body, max_depth);
  scan.valid = scanner.document(&scan);
  if (!scan.valid) {
    scan.error = scanner.error();
    scan.has_model = false;
    scan.model.clear();
    scan.stream = false;
  }
  return scan;
}

bool is_valid_json(std::string_view text, std::string* error, int max_depth) {
  Scanner scanner(text, max_depth);
  bool ok = scanner.document(nullptr);
  if (!ok && error) *error = scanner.error();
  return ok;
}

void append_json_string(std::string& out, std::string_view v) {
  static constexpr char digits[] = "0123456789abcdef";
  out += '"';
  for (char ch : v) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += digits[c >> 4];
          out += digits[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

std::string body_user(std::string_view body, const RequestScan& scan) {
  // Only small values are decoded; they were validated by the scan.
  auto decode = [&](Span span) -> boost::json::value {
    if (span.empty() || span.end > body.size() || span.end - span.begin > 4096) return nullptr;
    boost::system::error_code ec;
    auto v = boost::json::parse(body.substr(span.begin, span.end - span.begin), ec);
    return ec ? boost::json::value(nullptr) : v;
  };
  if (auto u = decode(scan.user_token); u.is_string()) return std::string(u.as_string());
  if (auto m = decode(scan.metadata_token); m.is_object()) {
    if (auto* id = m.as_object().if_contains("user_id"); id && id->is_string()) return std::string(id->as_string());
  }
  return "";
}

std::string replace_model(std::string_view body, const RequestScan& scan, std::string_view model) {
  std::string out;
  out.reserve(body.size() + model.size() + 8);
  out.append(body.substr(0, scan.model_token.begin));
  append_json_string(out, model);
  out.append(body.substr(scan.model_token.end));
  return out;
}

std::string with_first_member(std::string_view body, std::string_view member) {
  // Only the opening brace needs finding.
  std::string out;
  size_t brace = body.find('{');
  out.reserve(body.size() + member.size() + 1);
  out.append(body.substr(0, brace + 1));
  out += member;
  // An empty object gets no trailing comma.
  size_t next = body.find_first_not_of(" \t\r\n", brace + 1);
  if (next != std::string_view::npos && body[next] != '}') out += ',';
  out.append(body.substr(brace + 1));
  return out;
}

bool with_stream_usage(std::string_view body, const RequestScan& scan, std::string& out) {
  out.clear();
  if (!scan.has_stream_options) {
    out = with_first_member(body, R"("stream_options":{"include_usage":true})");
    return true;
  }
  std::string_view token = body.substr(scan.stream_options_token.begin,
                                       scan.stream_options_token.end - scan.stream_options_token.begin);
  boost::json::error_code ec;
  boost::json::value v = boost::json::parse(token, ec);
  if (ec || !v.is_object()) return false;  // not ours to repair; the upstream will say what is wrong
  auto& o = v.get_object();
  if (auto* iu = o.if_contains("include_usage"); iu && iu->is_bool() && iu->get_bool()) return false;
  o["include_usage"] = true;
  out.reserve(body.size() + 24);
  out.append(body.substr(0, scan.stream_options_token.begin));
  out += boost::json::serialize(o);
  out.append(body.substr(scan.stream_options_token.end));
  return true;
}

bool is_usage_only_chunk(std::string_view event) {
  // Matches "choices" : [ ] with any spacing, without a DOM: OpenAI sends an
  // empty choices array only in the usage chunk.
  size_t at = event.find("\"choices\"");
  if (at == std::string_view::npos) return false;
  size_t i = at + 9;
  auto skip = [&] {
    while (i < event.size() && (event[i] == ' ' || event[i] == '\t' || event[i] == '\r' || event[i] == '\n')) ++i;
  };
  skip();
  if (i >= event.size() || event[i] != ':') return false;
  ++i;
  skip();
  if (i >= event.size() || event[i] != '[') return false;
  ++i;
  skip();
  return i < event.size() && event[i] == ']';
}

}  // namespace torii::llm
