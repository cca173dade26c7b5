#include "filters/guardrails/stream_guard.hpp"

#include <algorithm>
#include <optional>

#include <boost/json.hpp>

#include "llm/anthropic_format.hpp"
#include "llm/json_dom.hpp"
#include "llm/json_get.hpp"

namespace torii::filters::guardrails {

namespace json = boost::json;

namespace {

constexpr size_t kMaxHeld = 256;
constexpr size_t kRecent = 256;

bool sticky(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         static_cast<unsigned char>(c) >= 0x80 || std::string_view("@._%+-:/=").find(c) != std::string_view::npos;
}
bool digit(char c) { return c >= '0' && c <= '9'; }

// An event of the surface's stream: OpenAI's have no name, Anthropic's do.
std::string event(std::string_view name, const json::object& data) {
  return name.empty() ? http::sse_data_event(json::serialize(data)) : llm::anthropic_event(name, data);
}

// Whether the space at `at` follows the groups of an IBAN written in fours
// ("GB82 WEST 1234"): where the IBAN starts, if it does.
std::optional<size_t> iban_before(std::string_view text, size_t at) {
  auto alnum = [](char c) { return digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  auto wordish = [&](char c) { return alnum(c) || c == '_' || static_cast<unsigned char>(c) >= 0x80; };
  for (int groups = 0; groups < 9 && at >= 4; ++groups) {
    const size_t g = at - 4;
    if (!std::all_of(text.begin() + g, text.begin() + at, alnum)) return std::nullopt;
    if (upper(text[g]) && upper(text[g + 1]) && digit(text[g + 2]) && digit(text[g + 3]) &&
        (g == 0 || !wordish(text[g - 1])))
      return g;
    if (g == 0 || text[g - 1] != ' ') return std::nullopt;
    at = g - 1;
  }
  return std::nullopt;
}

}  // namespace

size_t StreamGuard::releasable(std::string_view text) {
  size_t i = text.size();
  while (i > 0 && text.size() - i < kMaxHeld) {
    const char c = text[i - 1];
    const char before = i >= 2 ? text[i - 2] : '\0';
    // A space or a dash between digits may be inside a card or a phone
    // number, and so may "(" and a space after ")": "(415) 555-0100".
    const bool joins_digits = ((c == ' ' || c == '-' || c == '(' || c == ')') && digit(before)) || c == '(' ||
                              (c == ' ' && before == ')');
    if (sticky(c) || joins_digits) {
      --i;
      continue;
    }
    // A space between the letters and digits of an IBAN's groups.
    if (c == ' ')
      if (std::optional<size_t> start = iban_before(text, i - 1); start && text.size() - *start < kMaxHeld) {
        i = *start;
        continue;
      }
    break;
  }
  // Not inside a character: a long run of non-ASCII text is cut between two.
  while (i > 0 && i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) --i;
  return i;
}

std::string StreamGuard::release(Part& p, std::string_view delta, bool final) {
  p.held.append(delta);
  size_t hold = final ? p.held.size() : releasable(p.held);
  if (const Rule* r = scrubber_.apply_streamed(p.recent, p.held, &hold)) {
    blocked_ = r;
    return {};
  }
  // A placeholder the answer repeats goes out restored, so it waits until it is whole.
  if (!final)
    if (const size_t open = scrubber_.open_placeholder(std::string_view(p.held).substr(0, hold));
        open != std::string_view::npos)
      hold = open;
  std::string out = p.held.substr(0, hold);
  p.held.erase(0, hold);
  scrubber_.restore(out);
  p.recent += out;
  if (p.recent.size() > kRecent) p.recent.erase(0, p.recent.size() - kRecent);
  if (at_end) p.all += out;
  return out;
}

void StreamGuard::block(std::string& out) {
  ApiError e = make_error(400, "guardrail_violation: the answer was stopped by the rule '" + blocked_->name + "'",
                          "guardrail_violation", blocked_->name);
  if (anthropic_) {
    out += "event: error\ndata: " + anthropic_error_body(e) + "\n\n";
  } else {
    out += http::sse_data_event(openai_error_body(e));
  }
}

bool StreamGuard::openai_event(const std::string& data, const std::string& raw, std::string& out) {
  if (data == "[DONE]") {
    out += "data: [DONE]\n\n";
    return true;
  }
  json::error_code ec;
  json::value v = llm::parse_json(data, ec);
  json::value* choices = !ec && v.is_object() ? v.get_object().if_contains("choices") : nullptr;
  if (!choices || !choices->is_array()) {
    out += raw;
    return true;
  }
  json::object& chunk = v.get_object();
  std::string before;  // chunks releasing what a finishing choice held
  for (auto& cv : choices->get_array()) {
    if (!cv.is_object()) continue;
    json::object& c = cv.get_object();
    const int64_t index = llm::get::integer(c, "index");
    const json::value* fr = c.if_contains("finish_reason");
    const bool finishing = fr && !fr->is_null();
    json::value* dv = c.if_contains("delta");
    if (dv && dv->is_object()) {
      json::object& delta = dv->get_object();
      if (json::value* content = delta.if_contains("content"); content && content->is_string()) {
        *content = release(parts_[{index, -1}], content->get_string(), false);
        if (blocked_) return false;
      }
      if (json::value* calls = delta.if_contains("tool_calls"); calls && calls->is_array())
        for (auto& call : calls->get_array()) {
          if (!call.is_object()) continue;
          json::value* fn = call.get_object().if_contains("function");
          json::value* args = fn && fn->is_object() ? fn->get_object().if_contains("arguments") : nullptr;
          if (!args || !args->is_string()) continue;
          *args = release(parts_[{index, llm::get::integer(call.get_object(), "index")}], args->get_string(), false);
          if (blocked_) return false;
        }
    }
    if (!finishing) continue;
    // The choice ends: what its parts still hold goes out first.
    for (auto it = parts_.lower_bound({index, INT64_MIN}); it != parts_.end() && it->first.first == index; ++it) {
      const std::string rest = release(it->second, "", true);
      if (blocked_) return false;
      if (rest.empty()) continue;
      json::object delta;
      if (it->first.second < 0) {
        delta["content"] = rest;
      } else {
        delta["tool_calls"] = json::array{json::object{{"index", it->first.second},
                                                       {"function", json::object{{"arguments", rest}}}}};
      }
      json::object extra = chunk;
      extra["choices"] = json::array{json::object{{"index", index}, {"delta", std::move(delta)}, {"finish_reason", nullptr}}};
      extra.erase("usage");
      before += event("", extra);
    }
    if (at_end)
      if (auto it = parts_.find({index, -1}); it != parts_.end())
        if (const Rule* r = at_end(it->second.all)) {
          blocked_ = r;
          out += before;
          return false;
        }
  }
  out += before;
  out += event("", chunk);
  return true;
}

bool StreamGuard::anthropic_event(const std::string& name, const std::string& data, const std::string& raw,
                                  std::string& out) {
  json::error_code ec;
  json::value v = llm::parse_json(data, ec);
  if (ec || !v.is_object()) {
    out += raw;
    return true;
  }
  json::object& e = v.get_object();
  const std::string_view t = llm::get::str(e, "type");
  const int64_t index = llm::get::integer(e, "index");
  if (t == "content_block_delta") {
    json::value* dv = e.if_contains("delta");
    if (dv && dv->is_object()) {
      json::object& delta = dv->get_object();
      for (auto [field, kind] : {std::pair{"text", 0}, std::pair{"partial_json", 1}, std::pair{"thinking", 2}})
        if (json::value* text = delta.if_contains(field); text && text->is_string()) {
          *text = release(parts_[{index, kind}], text->get_string(), false);
          if (blocked_) return false;
        }
    }
  } else if (t == "message_delta" && at_end) {
    // The answer is complete: its text blocks, in order, as one text.
    std::string text;
    for (const auto& [key, part] : parts_)
      if (key.second == 0) text += part.all;
    if (const Rule* r = at_end(text)) {
      blocked_ = r;
      return false;
    }
    out += raw;
    return true;
  } else if (t != "content_block_stop") {
    out += raw;  // nothing to check: passed on byte for byte
    return true;
  } else {
    static constexpr const char* kDeltaTypes[] = {"text_delta", "input_json_delta", "thinking_delta"};
    static constexpr const char* kFields[] = {"text", "partial_json", "thinking"};
    for (auto it = parts_.lower_bound({index, INT64_MIN}); it != parts_.end() && it->first.first == index; ++it) {
      const std::string rest = release(it->second, "", true);
      if (blocked_) return false;
      if (rest.empty()) continue;
      const auto kind = size_t(it->first.second);
      out += event("content_block_delta",
                   json::object{{"type", "content_block_delta"},
                                {"index", index},
                                {"delta", json::object{{"type", kDeltaTypes[kind]}, {kFields[kind], rest}}}});
    }
  }
  out += event(name, e);
  return true;
}

bool StreamGuard::feed(std::string& events) {
  if (blocked_) {
    events.clear();
    return false;
  }
  splitter_.feed(events);
  std::string out, raw;
  http::SseEvent ev;
  while (splitter_.next(raw)) {
    if (!http::parse_sse_event(raw, ev)) {
      out += raw;  // comments and keep-alives as they came
      continue;
    }
    const bool go = anthropic_ ? anthropic_event(ev.event, ev.data, raw, out) : openai_event(ev.data, raw, out);
    if (!go) {
      block(out);
      events = std::move(out);
      return false;
    }
  }
  events = std::move(out);
  return true;
}

}  // namespace torii::filters::guardrails
