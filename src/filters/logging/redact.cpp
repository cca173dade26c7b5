#include "filters/logging/redact.hpp"

#include <array>
#include <cstring>

namespace torii::filters::logging {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool email_local(char c) { return is_alnum(c) || std::strchr("._%+-", c) != nullptr; }
bool email_domain(char c) { return is_alnum(c) || c == '.' || c == '-'; }
bool token_char(char c) { return is_alnum(c) || c == '_' || c == '-' || c == '.'; }

bool luhn(const std::string& digits) {
  int sum = 0;
  bool twice = false;
  for (size_t i = digits.size(); i-- > 0;) {
    int d = digits[i] - '0';
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

// Length of a card number at `at` (13 to 19 digits, single spaces or dashes
// between groups), 0 when there is none.
size_t card_at(std::string_view s, size_t at) {
  if (at > 0 && (is_alnum(s[at - 1]))) return 0;
  std::string digits;
  size_t i = at, end = at;
  while (i < s.size() && digits.size() < 19) {
    if (is_digit(s[i])) {
      digits += s[i++];
      end = i;
    } else if ((s[i] == ' ' || s[i] == '-') && i + 1 < s.size() && is_digit(s[i + 1]) && !digits.empty()) {
      ++i;
    } else {
      break;
    }
  }
  if (end < s.size() && is_alnum(s[end])) return 0;
  return digits.size() >= 13 && luhn(digits) ? end - at : 0;
}

// Length of a secret token at `at`, 0 when there is none.
size_t secret_at(std::string_view s, size_t at) {
  static constexpr std::array<std::string_view, 9> prefixes = {"sk-", "sk_live_", "sk_test_", "tk-", "AKIA",
                                                               "ghp_", "gho_", "xoxb-", "eyJ"};
  if (at > 0 && token_char(s[at - 1])) return 0;
  for (std::string_view p : prefixes) {
    if (s.substr(at, p.size()) != p) continue;
    size_t end = at + p.size();
    while (end < s.size() && token_char(s[end])) ++end;
    if (end - at - p.size() >= 16) return end - at;
  }
  return 0;
}

}  // namespace

// Bytes that can start something to redact: a digit (card), '@' (email),
// or the first letter of a secret's prefix.
bool may_start(char c) {
  return is_digit(c) || c == '@' || c == 's' || c == 't' || c == 'A' || c == 'g' || c == 'x' || c == 'e';
}

std::string redact(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0, copied = 0;  // s[copied, i) is still to be appended
  auto flush = [&] {
    out.append(s.substr(copied, i - copied));
    copied = i;
  };
  while (i < s.size()) {
    const char c = s[i];
    if (!may_start(c)) {
      ++i;
      continue;
    }
    if (is_digit(c)) {
      if (size_t n = card_at(s, i)) {
        flush();
        out += "[CARD]";
        i += n;
        copied = i;
        continue;
      }
      // Skip the rest of the digit run: a card cannot start inside it.
      while (i < s.size() && is_digit(s[i])) ++i;
      continue;
    }
    if (c == '@') {
      flush();
      // Walk back over the local part already copied, forward over the domain.
      size_t local = out.size();
      while (local > 0 && email_local(out[local - 1])) --local;
      size_t end = i + 1;
      while (end < s.size() && email_domain(s[end])) ++end;
      std::string_view domain = s.substr(i + 1, end - i - 1);
      while (!domain.empty() && (domain.back() == '.' || domain.back() == '-')) domain.remove_suffix(1);
      const size_t dot = domain.find('.');
      if (local < out.size() && dot != std::string_view::npos && dot > 0 && dot + 1 < domain.size()) {
        out.resize(local);
        out += "[EMAIL]";
        i += 1 + domain.size();
        copied = i;
        continue;
      }
      ++i;
      continue;
    }
    if (size_t n = secret_at(s, i)) {
      flush();
      out += "[SECRET]";
      i += n;
      copied = i;
      continue;
    }
    ++i;
  }
  flush();
  return out;
}

}  // namespace torii::filters::logging
