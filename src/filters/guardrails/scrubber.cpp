#include "filters/guardrails/scrubber.hpp"

#include <algorithm>

namespace torii::filters::guardrails {

namespace {

bool applies(const Rule& r, uint8_t side, bool from_user) {
  if (!(r.on & side) || r.type == RuleType::limits || r.type == RuleType::webhook || r.type == RuleType::json_schema)
    return false;
  return r.type != RuleType::prompt_injection || from_user;
}

// In text order, overlapping findings joined into one: every byte some
// rule found goes ("bob@example.com and secret": the email and a regex's
// "example.com and secret" are one run). Restored only if each part is.
std::vector<Finding> joined(std::vector<Finding> found) {
  std::sort(found.begin(), found.end(), [](const Finding& a, const Finding& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
  });
  std::vector<Finding> out;
  for (const Finding& f : found) {
    if (!out.empty() && f.begin < out.back().end) {
      out.back().end = std::max(out.back().end, f.end);
      out.back().restore = out.back().restore && f.restore;
    } else {
      out.push_back(f);
    }
  }
  return out;
}

}  // namespace

uint64_t code_points(std::string_view text) {
  uint64_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

bool Scrubber::any(uint8_t side) const {
  return std::any_of(rules_.begin(), rules_.end(), [&](const Rule* r) { return r->on & side; });
}

void Scrubber::record(const Rule* r, Action a) {
  for (const auto& x : acted_)
    if (x.rule == r && x.action == a) return;
  acted_.push_back({r, a});
}

std::string Scrubber::placeholder(std::string_view original, const char* label, bool restorable) {
  auto it = given_.find(std::string(original));
  if (it == given_.end()) {
    const int n = ++counts_[label];
    it = given_.emplace(std::string(original), "[" + std::string(label) + "_" + std::to_string(n) + "]").first;
  }
  if (restorable) restorable_.emplace(it->second, std::string(original));
  return it->second;
}

size_t Scrubber::restore(std::string& text) const {
  if (restorable_.empty() || text.find('[') == std::string::npos) return 0;
  std::string out;
  size_t at = 0, n = 0;
  for (size_t open = text.find('['); open != std::string::npos; open = text.find('[', open + 1)) {
    const size_t close = text.find(']', open);
    if (close == std::string::npos) break;
    auto it = restorable_.find(text.substr(open, close - open + 1));
    if (it == restorable_.end()) continue;
    out.append(text, at, open - at);
    out += it->second;
    at = close + 1;
    open = close;
    ++n;
  }
  if (!n) return 0;
  out.append(text, at, std::string::npos);
  text = std::move(out);
  return n;
}

size_t Scrubber::open_placeholder(std::string_view text) const {
  if (restorable_.empty()) return std::string_view::npos;
  const size_t open = text.rfind('[');
  if (open == std::string_view::npos || text.find(']', open) != std::string_view::npos || text.size() - open > 24)
    return std::string_view::npos;
  return open;
}

const Rule* Scrubber::over_limits(uint64_t input_chars, uint64_t messages) {
  for (const Rule* r : rules_) {
    if (r->type != RuleType::limits) continue;
    const bool over = (r->max_input_chars && input_chars > *r->max_input_chars) ||
                      (r->max_messages && messages > *r->max_messages);
    if (!over) continue;
    record(r, r->action);
    if (r->action == Action::block) return r;
  }
  return nullptr;
}

const Rule* Scrubber::apply(std::string& text, uint8_t side, bool from_user) {
  std::vector<Finding> found;
  std::vector<Finding> redact;
  for (const Rule* r : rules_) {
    if (!applies(*r, side, from_user)) continue;
    found.clear();
    r->find(text, found);
    if (found.empty()) continue;
    record(r, r->action);
    if (r->action == Action::block) return r;
    if (r->action == Action::redact)
      for (Finding f : found) {
        f.restore = r->restore && side == kInput;
        redact.push_back(f);
      }
  }
  if (redact.empty()) return nullptr;
  std::string out;
  out.reserve(text.size());
  size_t at = 0;
  for (const auto& f : joined(std::move(redact))) {
    out.append(text, at, f.begin - at);
    out += placeholder(std::string_view(text).substr(f.begin, f.end - f.begin), f.label, f.restore);
    at = f.end;
  }
  out.append(text, at, std::string::npos);
  text = std::move(out);
  return nullptr;
}

const Rule* Scrubber::apply_streamed(std::string_view context, std::string& text, size_t* hold) {
  std::vector<Finding> found, redact;
  const std::string window = std::string(context) + text;
  for (const Rule* r : rules_) {
    if (!applies(*r, kOutput, false)) continue;
    found.clear();
    if (r->action == Action::block) {
      // Block rules see the recent output too: a phrase may span events.
      // A match in the held tail may still grow into none ("Bluebird" and
      // then "s"): it counts once the text after it is in.
      r->find(window, found);
      const size_t complete = context.size() + *hold;
      if (std::any_of(found.begin(), found.end(), [&](const Finding& f) { return f.end <= complete; })) {
        record(r, r->action);
        return r;
      }
      continue;
    }
    r->find(text, found);
    if (found.empty()) continue;
    for (const auto& f : found) {
      if (f.end > *hold) {
        *hold = std::min(*hold, f.begin);  // may still grow: wait for the rest
        continue;
      }
      if (f.begin >= *hold) continue;
      record(r, r->action);
      if (r->action == Action::redact) redact.push_back(f);
    }
  }
  // What a later rule held back is not released yet, nor what overlaps it.
  std::erase_if(redact, [&](const Finding& f) { return f.end > *hold; });
  if (redact.empty()) return nullptr;
  // Rewrite what is released ([0, hold)); the held tail stays as it came.
  std::string out;
  size_t at = 0;
  for (const auto& f : joined(std::move(redact))) {
    out.append(text, at, f.begin - at);
    out += placeholder(std::string_view(text).substr(f.begin, f.end - f.begin), f.label, f.restore);
    at = f.end;
  }
  out.append(text, at, *hold - at);
  const size_t released = out.size();
  out.append(text, *hold, std::string::npos);
  text = std::move(out);
  *hold = released;
  return nullptr;
}

}  // namespace torii::filters::guardrails
