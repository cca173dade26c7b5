#include "providers/usage_meter.hpp"

#include "http/sse.hpp"
#include "llm/anthropic_format.hpp"
#include "llm/json_scan.hpp"

namespace torii::providers {

namespace {

// The end (one past the closing brace) of the object that starts at
// text[begin], or npos when it is cut off.
size_t object_end(std::string_view text, size_t begin) {
  int depth = 0;
  for (size_t i = begin; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\') ++i;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}' && --depth == 0) {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// Calls `f` with the text of each `"usage": {...}` object in `text`, in
// order. A raw `"usage"` followed by a colon can only be a key: inside a
// JSON string its quotes would be escaped.
template <class F>
void for_each_usage(std::string_view text, F&& f) {
  static constexpr std::string_view kKey = "\"usage\"";
  size_t at = 0;
  while ((at = text.find(kKey, at)) != std::string_view::npos) {
    at += kKey.size();
    size_t i = llm::skip_whitespace(text, at);
    if (i >= text.size() || text[i] != ':') continue;
    i = llm::skip_whitespace(text, i + 1);
    if (i >= text.size() || text[i] != '{') continue;  // "usage": null
    const size_t end = object_end(text, i);
    if (end == std::string_view::npos) return;
    f(text.substr(i, end - i));
    at = end;
  }
}

// Calls `f` with each string value of `key` (quotes included) in `text`,
// as it is written (escapes undecoded).
template <class F>
void for_each_string_value(std::string_view text, std::string_view key, F&& f) {
  size_t at = 0;
  while ((at = text.find(key, at)) != std::string_view::npos) {
    at += key.size();
    size_t i = llm::skip_whitespace(text, at);
    if (i >= text.size() || text[i] != ':') continue;
    i = llm::skip_whitespace(text, i + 1);
    if (i >= text.size() || text[i] != '"') continue;
    const size_t begin = i + 1;
    for (++i; i < text.size() && text[i] != '"'; ++i)
      if (text[i] == '\\') ++i;
    f(text.substr(begin, std::min(i, text.size()) - begin));
    at = i;
  }
}

// The length of each string value of `key` in `text` (escapes count as one).
size_t string_chars(std::string_view text, std::string_view key) {
  size_t total = 0;
  for_each_string_value(text, key, [&total](std::string_view raw) {
    for (size_t i = 0; i < raw.size(); ++i, ++total)
      if (raw[i] == '\\') ++i;
  });
  return total;
}

bool contains(std::string_view text, std::string_view what) { return text.find(what) != std::string_view::npos; }

}  // namespace

void UsageMeter::observe_object(std::string_view usage_json) {
  if (format_ == WireFormat::openai) usage_ = llm::usage_from_openai(usage_json);
  else if (format_ == WireFormat::responses) usage_ = llm::usage_from_responses(usage_json);
  else llm::update_from_anthropic(usage_, usage_json);
}

void UsageMeter::note_finish(std::string_view reason) {
  if (reason.empty() || reason.size() > 64) return;
  for (const auto& r : finish_)
    if (r == reason) return;
  finish_.emplace_back(reason);
}

void UsageMeter::observe_finish(std::string_view text) {
  auto note = [this](std::string_view reason) { note_finish(reason); };
  if (format_ == WireFormat::openai) {
    for_each_string_value(text, "\"finish_reason\"", note);
  } else if (format_ == WireFormat::anthropic) {
    for_each_string_value(text, "\"stop_reason\"",
                          [this](std::string_view r) { note_finish(llm::openai_finish_reason(r)); });
  } else if (format_ == WireFormat::responses) {
    // A response ends completed (stop, or tool_calls when it calls a
    // function) or incomplete for a reason (max_output_tokens: length). Only
    // the whole answer or a stream's last event says so; the item events
    // before it carry statuses of their own.
    const bool streamed = contains(text, "\"sequence_number\"");
    const bool incomplete = contains(text, "\"response.incomplete\"");
    if (streamed && !incomplete && !contains(text, "\"response.completed\"")) return;
    std::string_view reason;
    for_each_string_value(text, "\"reason\"", [&reason](std::string_view r) { reason = r; });
    if (!reason.empty()) note_finish(reason == "max_output_tokens" ? std::string_view("length") : reason);
    else if (!incomplete) note_finish(contains(text, "\"function_call\"") ? "tool_calls" : "stop");
  }
}

void UsageMeter::observe(std::string_view text) {
  for_each_usage(text, [this](std::string_view usage_json) { observe_object(usage_json); });
  observe_finish(text);
  // Kept only as a fallback: what was generated, should the usage never come.
  if (estimate_ && !usage_.reported) {
    if (format_ == WireFormat::openai)
      generated_chars_ += string_chars(text, "\"content\"") + string_chars(text, "\"arguments\"");
    else if (format_ == WireFormat::responses)
      generated_chars_ += string_chars(text, "\"delta\"");
    else
      generated_chars_ += string_chars(text, "\"text\"") + string_chars(text, "\"partial_json\"") +
                          string_chars(text, "\"thinking\"");
  }
}

llm::Usage UsageMeter::usage() const {
  if (usage_.reported || generated_chars_ == 0) return usage_;
  llm::Usage u = usage_;
  u.estimated = true;
  u.output = estimated_tokens(generated_chars_);
  return u;
}

void strip_stream_usage(std::string& events) {
  static constexpr std::string_view kNullUsage = ",\"usage\":null";
  if (events.find("\"usage\"") == std::string::npos) return;  // nothing to take out
  http::SseSplitter splitter;  // events end with \n\n, \r\n\r\n or \r\r
  splitter.feed(events);
  std::string out, event;
  out.reserve(events.size());
  while (splitter.next(event)) {
    if (llm::is_usage_only_chunk(event)) continue;
    size_t at = event.find(kNullUsage);
    if (at == std::string::npos) {
      out += event;
    } else {
      out.append(event, 0, at);
      out.append(event, at + kNullUsage.size());
    }
  }
  events = std::move(out);
}

}  // namespace torii::providers
