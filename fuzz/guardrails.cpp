// The guardrail matchers (src/filters/guardrails/): the PII detectors, word
// lists, prompt-injection phrases and regexes of rules as the config builds
// them (Rule::compile), applied to a text by a request's Scrubber (whole
// texts: requests and answers) and by the StreamGuard over an OpenAI stream
// whose content deltas are the text cut in pieces.
//
// Input: byte 0 picks the rules (bit 0 pii, 1 words, 2 prompt_injection,
// 3 regex), byte 1 the PII detectors (0 = all), byte 2 the flags (bit 0
// whole_word, 1 case_sensitive, 2 every rule blocks instead of redacting,
// 3 restore: redact on input with restore, 4 check the whole text as output
// rather than input), bytes 3-6 how the stream cuts the text; then a line of
// words or phrases separated by '|', a line of regexes separated by tabs,
// and the text.
//
// Properties:
// - nothing throws;
// - redaction leaves no detected byte: the output is the text with each run
//   of bytes some redact rule found (overlapping findings joined) replaced
//   by one typed placeholder, `[LABEL_N]`, the same value always by the
//   same placeholder and N counting each label's values from 1;
// - redacting the redacted text again finds nothing new: whatever a rule
//   finds then overlaps a placeholder (rules may match the placeholders
//   themselves) or comes within two bytes of one. The detectors decide on
//   up to two bytes around a match ("555-0100-45" is no phone number,
//   "1.2.3.4.5" no address), and a placeholder there changes what they
//   see: in "(415) 555-0100-45::ff" only "45::ff" is an address, and
//   "(415) 555-0100-[IP_1]" then has a phone number; in
//   "::ffff:1.2.3.48::8a2e" only the IPv4 address is one, and
//   "::ffff:[IP_1]::8a2e" then reads as the IPv6 address ::ffff;
// - a block rule that finds something blocks, and nothing is rewritten;
// - valid UTF-8 in, valid UTF-8 out, whole and streamed;
// - with restore, restoring the redacted text gives the text back, and so
//   does streaming the redacted text as an answer (placeholders split
//   across deltas held until whole);
// - streamed, the events are whole and JSON; without findings the content
//   is the text, byte for byte; with block rules, what the whole text
//   blocks the stream blocks (matches under 200 bytes); with redact rules
//   the content is the whole text's redaction when each match is under
//   200 bytes and made of the characters the stream holds back (README
//   "Guardrails", Output: "the run of characters at the end that a
//   detector's match may contain");
// - which is every PII detector's match but a PEM block (README: a redact
//   match longer than 256 bytes is a documented limit, and a real key is).
#include <map>
#include <memory>
#include <set>

#include "filters/guardrails/rules.hpp"
#include "filters/guardrails/scrubber.hpp"
#include "filters/guardrails/stream_guard.hpp"
#include "fuzz.hpp"

namespace {

namespace json = boost::json;
using namespace torii::filters::guardrails;

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
    for (size_t k = 1; k < n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n;
  }
  return true;
}

bool applies(const Rule& r, uint8_t side, bool from_user) {
  if (!(r.on & side)) return false;
  if (r.type == RuleType::prompt_injection) return from_user;
  return true;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at <= s.size()) {
    size_t end = s.find(sep, at);
    if (end == std::string_view::npos) end = s.size();
    if (end > at) out.emplace_back(s.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

struct Found {
  size_t begin, end;
  std::set<std::string_view> labels;
};

// Every finding of the rules that apply, overlapping ones joined.
std::vector<Found> joined_findings(const std::vector<const Rule*>& rules, std::string_view text, uint8_t side,
                                   bool from_user) {
  std::vector<Finding> all;
  for (const Rule* r : rules)
    if (applies(*r, side, from_user)) r->find(text, all);
  std::sort(all.begin(), all.end(), [](const Finding& a, const Finding& b) { return a.begin < b.begin; });
  std::vector<Found> out;
  for (const Finding& f : all) {
    FUZZ_CHECK(f.begin < f.end && f.end <= text.size());
    if (!out.empty() && f.begin < out.back().end) {
      out.back().end = std::max(out.back().end, f.end);
      out.back().labels.insert(f.label);
    } else {
      out.push_back({f.begin, f.end, {f.label}});
    }
  }
  return out;
}

struct Placeholder {
  size_t begin, end;  // in the redacted text
};

// Checks `out` is `text` with each joined finding replaced by a placeholder;
// returns where the placeholders are in `out`.
std::vector<Placeholder> check_redaction(std::string_view text, std::string_view out, const std::vector<Found>& found,
                                         std::map<std::string, std::string, std::less<>>& given,
                                         std::map<std::string, int, std::less<>>& counts) {
  std::vector<Placeholder> where;
  size_t at = 0, pos = 0;
  for (const Found& f : found) {
    const std::string_view gap = text.substr(at, f.begin - at);
    FUZZ_CHECK(out.substr(pos, gap.size()) == gap);
    pos += gap.size();
    FUZZ_CHECK(pos < out.size() && out[pos] == '[');
    const size_t close = out.find(']', pos);
    FUZZ_CHECK(close != std::string_view::npos);
    const std::string_view ph = out.substr(pos, close + 1 - pos);
    const std::string_view original = text.substr(f.begin, f.end - f.begin);
    if (auto it = given.find(original); it != given.end()) {
      FUZZ_CHECK(ph == it->second);  // the same value, the same placeholder
    } else {
      const size_t us = ph.rfind('_');
      FUZZ_CHECK(us != std::string_view::npos && us > 1);
      const std::string_view label = ph.substr(1, us - 1);
      FUZZ_CHECK(f.labels.count(label));
      FUZZ_CHECK(ph.substr(us + 1, ph.size() - us - 2) == std::to_string(++counts[std::string(label)]));
      for (const auto& [o, p] : given) FUZZ_CHECK(p != ph);  // another value, another placeholder
      given.emplace(std::string(original), std::string(ph));
    }
    where.push_back({pos, close + 1});
    pos = close + 1;
    at = f.end;
  }
  FUZZ_CHECK(out.substr(pos) == text.substr(at));
  return where;
}

// OpenAI chunk events carrying `text` as content deltas, cut by `seed` at
// character boundaries, then the finishing chunk and [DONE].
std::vector<std::string> stream_of(std::string_view text, std::string_view seed) {
  std::vector<std::string> events;
  auto chunk = [](json::object delta, json::value finish) {
    json::object choice{{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", std::move(finish)}};
    json::object c{{"id", "chatcmpl-1"}, {"object", "chat.completion.chunk"}, {"created", 1}, {"model", "m"},
                   {"choices", json::array{std::move(choice)}}};
    return "data: " + json::serialize(c) + "\n\n";
  };
  size_t at = 0;
  for (std::string_view piece : fuzz::pieces(text, seed)) {
    size_t end = size_t(piece.data() - text.data()) + piece.size();
    if (end <= at) continue;
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
    events.push_back(chunk(json::object{{"content", text.substr(at, end - at)}}, nullptr));
    at = end;
  }
  events.push_back(chunk(json::object{}, "stop"));
  events.push_back("data: [DONE]\n\n");
  return events;
}

struct Streamed {
  std::string content;
  bool blocked = false;
};

Streamed stream(Scrubber& s, std::string_view text, std::string_view seed) {
  StreamGuard guard(s, false);
  std::string all;
  Streamed out;
  for (std::string events : stream_of(text, seed)) {
    const bool go = fuzz::must_not_throw("StreamGuard::feed", [&] { return guard.feed(events); });
    all += events;
    if (!go) {
      out.blocked = true;
      FUZZ_CHECK(guard.blocked_by() != nullptr);
      break;
    }
  }
  for (const auto& ev : fuzz::check_sse_output(all)) {
    if (ev.data == "[DONE]") continue;
    json::value v = json::parse(ev.data);
    const json::object& o = v.get_object();
    if (const json::value* e = o.if_contains("error")) {
      FUZZ_CHECK(out.blocked);
      FUZZ_CHECK(e->get_object().at("code") == "guardrail_violation");
      continue;
    }
    for (const auto& c : o.at("choices").get_array())
      if (const json::value* content = c.get_object().at("delta").get_object().if_contains("content"))
        out.content += content->get_string();
  }
  return out;
}

// Whether the stream would hold `match` back whole, wherever a delta ends in it.
bool held_whole(std::string_view match) {
  for (size_t k = 1; k <= match.size(); ++k)
    if (StreamGuard::releasable(match.substr(0, k)) != 0) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8192) return 0;
  fuzz::Input in(data, size);
  const uint8_t which = in.byte(), detectors = in.byte(), flags = in.byte();
  std::string seed;
  for (int i = 0; i < 4; ++i) seed += char(in.byte());
  const std::string words_line(in.until("\n"));
  const std::string patterns_line(in.until("\n"));
  const std::string text(in.rest());
  if (words_line.size() > 256 || patterns_line.size() > 128) return 0;

  const bool block = flags & 4, restore = (flags & 8) && !block;
  const uint8_t side = restore || !(flags & 16) ? kInput : kOutput;
  std::vector<std::shared_ptr<Rule>> owned;
  auto add = [&](RuleType type) {
    auto r = std::make_shared<Rule>();
    r->name = std::string(type_name(type)) + "-rule";
    r->type = type;
    r->action = block ? Action::block : Action::redact;
    r->on = restore || type == RuleType::prompt_injection ? kInput : kInput | kOutput;
    r->restore = restore;
    r->whole_word = flags & 1;
    r->case_sensitive = flags & 2;
    if (type == RuleType::pii) r->detectors = (detectors & kAllDetectors) ? (detectors & kAllDetectors) : kAllDetectors;
    if (type == RuleType::words || type == RuleType::prompt_injection) r->words = split(words_line, '|');
    if (type == RuleType::regex) r->patterns = split(patterns_line, '\t');
    if (type == RuleType::words && r->words.empty()) return;
    if (type == RuleType::regex && r->patterns.empty()) return;
    std::string error;
    if (fuzz::must_not_throw("Rule::compile", [&] { return r->compile(error); })) owned.push_back(std::move(r));
  };
  if (which & 1) add(RuleType::pii);
  if (which & 2) add(RuleType::words);
  if (which & 4) add(RuleType::prompt_injection);
  if (which & 8) add(RuleType::regex);
  if (owned.empty()) return 0;
  std::vector<const Rule*> rules;
  for (const auto& r : owned) rules.push_back(r.get());

  const bool utf8 = valid_utf8(text);
  const bool from_user = true;

  // The whole text, as a request's or an answer's.
  Scrubber scrubber(rules);
  std::string out = text;
  const Rule* blocked = fuzz::must_not_throw("Scrubber::apply", [&] { return scrubber.apply(out, side, from_user); });
  const std::vector<Found> found = joined_findings(rules, text, side, from_user);
  if (block) {
    FUZZ_CHECK((blocked != nullptr) == !found.empty());
    FUZZ_CHECK(out == text);
  } else {
    FUZZ_CHECK(!blocked);
    std::map<std::string, std::string, std::less<>> given;
    std::map<std::string, int, std::less<>> counts;
    const std::vector<Placeholder> placeholders = check_redaction(text, out, found, given, counts);
    if (utf8) FUZZ_CHECK(valid_utf8(out));
    // Nothing new the second time.
    for (const Found& again : joined_findings(rules, out, side, from_user)) {
      const bool near_one = std::any_of(placeholders.begin(), placeholders.end(), [&](const Placeholder& p) {
        return again.begin <= p.end + 2 && again.end + 2 >= p.begin;
      });
      if (!near_one)
        std::fprintf(stderr, "found again at %zu-%zu: '%.*s'\n", again.begin, again.end,
                     int(again.end - again.begin), out.data() + again.begin);
      FUZZ_CHECK(near_one);
    }
    if (restore && text.find('[') == std::string::npos) {
      std::string back = out;
      FUZZ_CHECK(scrubber.restore(back) == found.size());
      FUZZ_CHECK(back == text);
      // The answer repeats the placeholders: the client gets the values back.
      if (utf8) FUZZ_CHECK(stream(scrubber, out, seed).content == text);
    }
  }
  if (!utf8 || restore) return 0;

  // The text as a streamed answer.
  Scrubber whole_scrubber(rules), stream_scrubber(rules);
  std::string whole = text;
  const Rule* whole_block = whole_scrubber.apply(whole, kOutput, false);
  const std::vector<Found> out_found = joined_findings(rules, text, kOutput, false);
  const Streamed s = stream(stream_scrubber, text, seed);
  FUZZ_CHECK(valid_utf8(s.content));
  // A regex anchored to the text's start or end also matches at a delta's
  // (what the stream has not released yet is all it sees).
  bool anchored = false;
  for (const Rule* r : rules)
    for (const auto& p : r->patterns)
      anchored = anchored || p.find_first_of("^$") != std::string::npos || p.find("\\A") != std::string::npos ||
                 p.find("\\z") != std::string::npos;
  if (out_found.empty()) {
    if (!anchored) FUZZ_CHECK(!s.blocked && s.content == text);
    return 0;
  }
  bool short_matches = true, held = true;
  for (const Found& f : out_found) {
    short_matches = short_matches && f.end - f.begin < 200;
    held = held && held_whole(std::string_view(text).substr(f.begin, f.end - f.begin));
  }
  if (block) {
    FUZZ_CHECK(whole_block);
    if (short_matches) FUZZ_CHECK(s.blocked);
    return 0;
  }
  FUZZ_CHECK(!s.blocked);
  if (short_matches && held && !anchored) FUZZ_CHECK(s.content == whole);
  // The README's promise: a detector's match is made of what the stream holds back.
  for (const Rule* r : rules) {
    if (r->type != RuleType::pii) continue;
    std::vector<Span> spans;
    find_pii(text, r->detectors, spans);
    for (const Span& sp : spans) {
      const std::string_view m = std::string_view(text).substr(sp.begin, sp.end - sp.begin);
      if (m.size() >= 200 || m.starts_with("-----BEGIN ")) continue;
      if (!held_whole(m)) std::fprintf(stderr, "not held back: '%.*s'\n", int(m.size()), m.data());
      FUZZ_CHECK(held_whole(m));
    }
  }
  return 0;
}
