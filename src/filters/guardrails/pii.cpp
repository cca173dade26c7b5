#include "filters/guardrails/pii.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

namespace torii::filters::guardrails {

namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }
bool upper(char c) { return c >= 'A' && c <= 'Z'; }
bool alpha(char c) { return upper(c) || (c >= 'a' && c <= 'z'); }
bool alnum(char c) { return digit(c) || alpha(c); }
bool hex(char c) { return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
// (strchr would also find the terminating NUL: a NUL is not part of an address.)
bool email_local(char c) { return alnum(c) || std::string_view("._%+-").find(c) != std::string_view::npos; }
bool email_domain(char c) { return alnum(c) || c == '.' || c == '-'; }
bool token(char c) { return alnum(c) || c == '_' || c == '-'; }
// Bytes that continue a word: a match must not be glued to one.
bool wordish(char c) { return alnum(c) || c == '_' || static_cast<unsigned char>(c) >= 0x80; }

bool before_ok(std::string_view s, size_t at) { return at == 0 || !wordish(s[at - 1]); }
bool after_ok(std::string_view s, size_t end) { return end >= s.size() || !wordish(s[end]); }

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

// Digits at `at` in groups joined by one space or dash: their count and
// where they end.
size_t grouped_digits(std::string_view s, size_t at, size_t max, std::string& digits) {
  digits.clear();
  size_t i = at, end = at;
  while (i < s.size() && digits.size() < max) {
    if (digit(s[i])) {
      digits += s[i++];
      end = i;
    } else if ((s[i] == ' ' || s[i] == '-') && !digits.empty() && i + 1 < s.size() && digit(s[i + 1])) {
      ++i;
    } else {
      break;
    }
  }
  return end;
}

void emails(std::string_view s, std::vector<Span>& out) {
  for (size_t at = s.find('@'); at != std::string_view::npos; at = s.find('@', at + 1)) {
    size_t b = at;
    while (b > 0 && email_local(s[b - 1])) --b;
    while (b < at && s[b] == '.') ++b;
    if (b == at || s[at - 1] == '.') continue;
    size_t e = at + 1;
    while (e < s.size() && email_domain(s[e])) ++e;
    while (e > at + 1 && (s[e - 1] == '.' || s[e - 1] == '-')) --e;
    const std::string_view domain = s.substr(at + 1, e - at - 1);
    const size_t dot = domain.rfind('.');
    if (dot == std::string_view::npos || dot == 0 || domain.find("..") != std::string_view::npos) continue;
    const std::string_view tld = domain.substr(dot + 1);
    if (tld.size() < 2 || !std::all_of(tld.begin(), tld.end(), alpha)) continue;
    out.push_back({b, e, Detector::email});
    at = e - 1;
  }
}

void cards(std::string_view s, const std::vector<uint32_t>& starts, std::vector<Span>& out) {
  std::string digits;
  size_t covered = 0;
  for (size_t i : starts) {
    if (i < covered) continue;
    const size_t end = grouped_digits(s, i, 19, digits);
    if (digits.size() >= 13 && after_ok(s, end) && luhn(digits)) {
      out.push_back({i, end, Detector::credit_card});
      covered = end;
    }
  }
}

int iban_length(std::string_view country) {
  // ISO 13616 lengths of the countries that use IBANs most; others: 15 to 34.
  static constexpr std::array<std::pair<std::string_view, int>, 36> lengths = {{
      {"AT", 20}, {"BE", 16}, {"BG", 22}, {"CH", 21}, {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DK", 18}, {"EE", 20},
      {"ES", 24}, {"FI", 18}, {"FR", 27}, {"GB", 22}, {"GR", 27}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IS", 26},
      {"IT", 27}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"MC", 27}, {"MT", 31}, {"NL", 18}, {"NO", 15},
      {"PL", 28}, {"PT", 25}, {"RO", 24}, {"SA", 24}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"TR", 26}}};
  for (const auto& [c, n] : lengths)
    if (c == country) return n;
  return 0;
}

bool mod97(const std::string& iban) {
  // Country and check digits move to the end; letters count as 10..35.
  const std::string moved = iban.substr(4) + iban.substr(0, 4);
  int rem = 0;
  for (char c : moved) {
    const int v = digit(c) ? c - '0' : (c & ~0x20) - 'A' + 10;
    rem = v >= 10 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
  }
  return rem == 1;
}

void ibans(std::string_view s, const std::vector<uint32_t>& starts, std::vector<Span>& out) {
  std::string compact;
  size_t covered = 0;
  for (size_t i : starts) {
    if (i < covered || i + 15 > s.size()) continue;
    if (!upper(s[i]) || !upper(s[i + 1]) || !digit(s[i + 2]) || !digit(s[i + 3]) || !before_ok(s, i)) continue;
    compact.assign(s.substr(i, 4));
    size_t j = i + 4, end = j;
    // Groups of alphanumerics, optionally separated by single spaces.
    while (j < s.size() && compact.size() < 34) {
      if (alnum(s[j])) {
        compact += static_cast<char>(std::toupper(static_cast<unsigned char>(s[j])));
        end = ++j;
      } else if (s[j] == ' ' && j + 1 < s.size() && alnum(s[j + 1]) && (compact.size() % 4 == 0)) {
        ++j;
      } else {
        break;
      }
    }
    const int want = iban_length(compact.substr(0, 2));
    if (want && int(compact.size()) > want) {
      // A longer run: the IBAN is its first `want` characters if those validate.
      compact.resize(size_t(want));
      size_t k = i, n = 0;
      while (n < size_t(want)) n += alnum(s[k++]) ? 1 : 0;
      end = k;
    }
    const bool length_ok = want ? int(compact.size()) == want : compact.size() >= 15;
    if (length_ok && after_ok(s, end) && mod97(compact)) {
      out.push_back({i, end, Detector::iban});
      covered = end;
    }
  }
}

void ssns(std::string_view s, const std::vector<uint32_t>& starts, std::vector<Span>& out) {
  for (size_t i : starts) {
    if (i + 11 > s.size()) continue;
    const std::string_view c = s.substr(i, 11);
    if (!(digit(c[0]) && digit(c[1]) && digit(c[2]) && c[3] == '-' && digit(c[4]) && digit(c[5]) && c[6] == '-' &&
          digit(c[7]) && digit(c[8]) && digit(c[9]) && digit(c[10])))
      continue;
    if (!before_ok(s, i) || !after_ok(s, i + 11) || (i > 0 && s[i - 1] == '-') || (i + 11 < s.size() && s[i + 11] == '-'))
      continue;
    const std::string_view area = c.substr(0, 3), group = c.substr(4, 2), serial = c.substr(7, 4);
    if (area == "000" || area == "666" || area[0] == '9' || group == "00" || serial == "0000") continue;
    out.push_back({i, i + 11, Detector::ssn});
  }
}

// E.164 (+ then 8 to 15 digits, spaces, dashes, dots or parentheses
// between) and the North American national forms (NNN-NNN-NNNN,
// (NNN) NNN-NNNN, NNN.NNN.NNNN): separators are required, so a bare run of
// digits (an id, an amount) is not a phone number.
void phones(std::string_view s, const std::vector<uint32_t>& starts, std::vector<Span>& out) {
  size_t covered = 0;
  for (size_t i : starts) {
    if (i < covered) continue;
    const char c = s[i];
    if (i > 0 && (wordish(s[i - 1]) || s[i - 1] == '+' || s[i - 1] == '-' || s[i - 1] == '.')) continue;
    size_t j = i + (c == '+' ? 1 : 0), digits = 0, separators = 0, end = j;
    size_t spaced_end = 0, spaced_digits = 0;  // the run up to its last space
    bool paren_open = false;
    while (j < s.size()) {
      const char d = s[j];
      if (digit(d)) {
        ++digits;
        end = ++j;
      } else if ((d == ' ' || d == '-' || d == '.') && j + 1 < s.size() && (digit(s[j + 1]) || s[j + 1] == '(')) {
        // A national number has a space only after its (NNN): another one
        // ends it ("415-555-0100 24/7" is a phone number).
        if (d == ' ' && c != '+' && s[j - 1] != ')') break;
        if (j == i + 1 && c == '+') break;  // "+ 49...": the digits follow the plus
        if (d == ' ' && !paren_open) {
          spaced_end = end;
          spaced_digits = digits;
        }
        ++separators;
        ++j;
      } else if (d == '(' && !paren_open) {
        paren_open = true;
        ++separators;
        ++j;
      } else if (d == ')' && paren_open) {
        paren_open = false;
        ++separators;
        end = ++j;
      } else {
        break;
      }
      if (digits > 15) break;
    }
    // Past 15 digits, what follows the last space is another number
    // ("+1 415 555 0100 12345"): the phone ends before it.
    if (c == '+' && digits > 15 && spaced_digits >= 8 && spaced_digits <= 15) {
      end = spaced_end;
      digits = spaced_digits;
      paren_open = false;
    }
    if (paren_open || !after_ok(s, end) || (end < s.size() && (s[end] == '-' || s[end] == '.') && end + 1 < s.size() && digit(s[end + 1])))
      continue;
    const std::string_view text = s.substr(i, end - i);
    const bool e164 = c == '+' && digits >= 8 && digits <= 15;
    bool national = false;
    if (c != '+' && digits == 10 && separators >= 2) {
      // NNN?NNN?NNNN with the same separator, or (NNN) NNN-NNNN.
      const bool dashed = text.size() == 12 && text[3] == text[7] && (text[3] == '-' || text[3] == '.');
      const bool paren = text.size() == 14 && text[0] == '(' && text[4] == ')' && text[5] == ' ' && text[9] == '-';
      national = dashed || paren;
    }
    if (e164 || national) {
      out.push_back({i, end, Detector::phone});
      covered = end;
    }
  }
}

void ipv4s(std::string_view s, const std::vector<uint32_t>& starts, std::vector<Span>& out) {
  for (size_t i : starts) {
    if (i > 0 && s[i - 1] == '.') continue;
    size_t j = i;
    int octets = 0;
    bool ok = true;
    while (octets < 4) {
      size_t k = j;
      int v = 0;
      while (k < s.size() && digit(s[k]) && k - j < 3) v = v * 10 + (s[k++] - '0');
      if (k == j || v > 255 || (k - j > 1 && s[j] == '0')) {
        ok = false;
        break;
      }
      ++octets;
      j = k;
      if (octets < 4) {
        if (j >= s.size() || s[j] != '.') {
          ok = false;
          break;
        }
        ++j;
      }
    }
    if (!ok || (j < s.size() && (wordish(s[j]) || (s[j] == '.' && j + 1 < s.size() && digit(s[j + 1]))))) continue;
    out.push_back({i, j, Detector::ip});
  }
}

void ipv6s(std::string_view s, std::vector<Span>& out) {
  // An address has colons: start from each, back to its token's start.
  size_t done = 0;
  for (size_t colon = s.find(':'); colon != std::string_view::npos; colon = s.find(':', colon + 1)) {
    if (colon < done) continue;
    size_t i = colon;
    while (i > 0 && (hex(s[i - 1]) || s[i - 1] == ':' || s[i - 1] == '.') && colon - i < 45) --i;
    done = colon + 1;
    if (i > 0 && wordish(s[i - 1])) continue;
    size_t j = i, colons = 0;
    while (j < s.size() && (hex(s[j]) || s[j] == ':' || s[j] == '.') && j - i < 45) colons += s[j++] == ':';
    while (j > i && (s[j - 1] == '.' || (s[j - 1] == ':' && !(j >= 2 && s[j - 2] == ':')))) --j;
    if (colons < 2 || !after_ok(s, j)) continue;
    const std::string candidate(s.substr(i, j - i));
    in6_addr addr;
    done = std::max(done, j);
    if (inet_pton(AF_INET6, candidate.c_str(), &addr) == 1) out.push_back({i, j, Detector::ip});
  }
}

// Whether two bytes can open a secret's shape (below): sk-, sk_, rk_,
// tk-, AKIA/ASIA/AIza, gh?_/github_pat_/glpat-, xox?-, eyJ (JWT), -----BEGIN.
bool may_open_secret(char a, char b) {
  switch (a) {
    case 's': case 'r': return b == 'k';
    case 't': return b == 'k';
    case 'A': return b == 'K' || b == 'S' || b == 'I';
    case 'g': return b == 'h' || b == 'i' || b == 'l';
    case 'x': return b == 'o';
    case 'e': return b == 'y';
    case '-': return b == '-';
  }
  return false;
}

// Known secret shapes: a prefix, then enough token characters.
struct SecretShape {
  std::string_view prefix;
  size_t min_rest;
  bool (*chars)(char);
};

void secrets(std::string_view s, const std::vector<uint32_t>& starts, std::vector<Span>& out) {
  static constexpr SecretShape shapes[] = {
      {"sk-ant-", 20, token},  {"sk-proj-", 20, token}, {"sk-", 20, token},      {"sk_live_", 16, token},
      {"sk_test_", 16, token}, {"rk_live_", 16, token}, {"tk-", 32, alnum},      {"AKIA", 16, [](char c) { return upper(c) || digit(c); }},
      {"ASIA", 16, [](char c) { return upper(c) || digit(c); }},                  {"ghp_", 36, alnum},
      {"gho_", 36, alnum},     {"ghu_", 36, alnum},     {"ghs_", 36, alnum},      {"ghr_", 36, alnum},
      {"github_pat_", 22, token}, {"xoxb-", 10, token}, {"xoxp-", 10, token},     {"xoxa-", 10, token},
      {"AIza", 35, token},     {"glpat-", 20, token}};
  size_t covered = 0;
  for (size_t i : starts) {
    if (i < covered) continue;
    if (s[i] == '-' && s.compare(i, 11, "-----BEGIN ") == 0) {
      const size_t head_end = s.find("-----", i + 11);
      if (head_end != std::string_view::npos && s.substr(i, head_end - i).find("PRIVATE KEY") != std::string_view::npos) {
        const size_t tail = s.find("-----END ", head_end + 5);
        const size_t close = tail == std::string_view::npos ? tail : s.find("-----", tail + 9);
        if (close != std::string_view::npos) {
          out.push_back({i, close + 5, Detector::secret});
          covered = close + 5;
          continue;
        }
      }
    }
    if (s[i] == 'e' && s.compare(i, 3, "eyJ") == 0 && before_ok(s, i)) {
      // A JWT: three base64url segments, the first two JSON ("eyJ").
      auto b64 = [](char c) { return alnum(c) || c == '-' || c == '_'; };
      size_t j = i, dots = 0, seg = 0;
      bool second_json = false;
      while (j < s.size() && (b64(s[j]) || s[j] == '.')) {
        if (s[j] == '.') {
          if (seg == 0) break;
          ++dots;
          seg = 0;
          if (dots == 1) second_json = s.compare(j + 1, 3, "eyJ") == 0;
        } else {
          ++seg;
        }
        ++j;
      }
      if (dots == 2 && seg >= 2 && second_json && j - i >= 32 && after_ok(s, j)) {
        out.push_back({i, j, Detector::secret});
        covered = j;
        continue;
      }
    }
    for (const auto& shape : shapes) {
      if (shape.prefix[0] != s[i] || s.compare(i, shape.prefix.size(), shape.prefix) != 0) continue;
      if (!before_ok(s, i)) break;
      size_t j = i + shape.prefix.size();
      while (j < s.size() && shape.chars(s[j])) ++j;
      if (j - i - shape.prefix.size() >= shape.min_rest && after_ok(s, j)) {
        out.push_back({i, j, Detector::secret});
        covered = j;
      }
      break;
    }
  }
}

}  // namespace

const char* detector_name(Detector d) {
  static constexpr const char* kNames[kDetectors] = {"email", "phone", "credit_card", "iban", "ssn", "ip", "secret"};
  return kNames[size_t(d)];
}

const char* detector_label(Detector d) {
  static constexpr const char* kLabels[kDetectors] = {"EMAIL", "PHONE", "CARD", "IBAN", "SSN", "IP", "SECRET"};
  return kLabels[size_t(d)];
}

bool detector_from_name(std::string_view name, Detector& out) {
  for (size_t i = 0; i < kDetectors; ++i)
    if (name == detector_name(Detector(i))) {
      out = Detector(i);
      return true;
    }
  return false;
}

void find_pii(std::string_view text, DetectorMask mask, std::vector<Span>& out) {
  // One pass finds where a match may start; each detector then looks only
  // there (emails and IPv6 addresses start from their '@' and ':').
  std::vector<uint32_t> numbers, phone_starts, iban_starts, secret_starts;
  static const auto kClass = [] {
    std::array<uint8_t, 256> t{};
    for (int c = '0'; c <= '9'; ++c) t[size_t(c)] |= 1;
    t[size_t('+')] |= 2;
    t[size_t('(')] |= 2;
    for (char c : std::string_view("kyAgx-")) t[static_cast<unsigned char>(c)] |= 4;
    return t;
  }();
  const size_t n = std::min<size_t>(text.size(), UINT32_MAX);
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  for (size_t i = 0;; ++i) {
    // The tight loop over bytes that start nothing: no stores, registers only.
    while (i < n && !kClass[bytes[i]]) ++i;
    if (i >= n) break;
    const uint8_t k = kClass[bytes[i]];
    if (k == 4) {
      // A secret's shape opens with two known bytes; keyed on the rarer one
      // (the k of sk-, the y of eyJ) so that common letters stay on the fast path.
      const size_t start = (bytes[i] == 'k' || bytes[i] == 'y') ? i - (i > 0) : i;
      if (start + 1 >= n || !may_open_secret(text[start], text[start + 1])) continue;
      if (start == 0 || !wordish(text[start - 1])) secret_starts.push_back(uint32_t(start));
      continue;
    }
    const char prev = i ? text[i - 1] : ' ';
    if (k & 1) {
      if (!wordish(prev)) {
        numbers.push_back(uint32_t(i));
        if (prev != '+' && prev != '-' && prev != '.') phone_starts.push_back(uint32_t(i));
      } else if (i >= 2 && upper(prev) && upper(text[i - 2]) && i + 1 < n && digit(text[i + 1])) {
        iban_starts.push_back(uint32_t(i - 2));
      }
    } else if ((k & 2) && !wordish(prev) && prev != '+' && prev != '-' && prev != '.') {
      phone_starts.push_back(uint32_t(i));
    }
  }
  std::vector<Span> found;
  if (mask & bit(Detector::secret)) secrets(text, secret_starts, found);
  if (mask & bit(Detector::email)) emails(text, found);
  if (mask & bit(Detector::iban)) ibans(text, iban_starts, found);
  if (mask & bit(Detector::credit_card)) cards(text, numbers, found);
  if (mask & bit(Detector::ssn)) ssns(text, numbers, found);
  if (mask & bit(Detector::phone)) phones(text, phone_starts, found);
  if (mask & bit(Detector::ip)) {
    ipv4s(text, numbers, found);
    ipv6s(text, found);
  }
  // Text order; of overlapping claims the earliest start wins, then the
  // longer, then the detector found first above (secrets before the rest).
  std::stable_sort(found.begin(), found.end(), [](const Span& a, const Span& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
  });
  size_t covered = 0;
  for (const Span& m : found) {
    if (m.begin < covered) continue;
    out.push_back(m);
    covered = m.end;
  }
}

}  // namespace torii::filters::guardrails
