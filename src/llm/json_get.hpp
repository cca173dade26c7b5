#pragma once
// Tolerant accessors for translation code: provider JSON is read field by
// field, and a missing or mistyped field reads as empty rather than throwing.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include "llm/json_dom.hpp"

namespace torii::llm::get {

inline std::string_view str(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

// Integers read as at most 2^53 either way (beyond it, JSON peers such as
// JavaScript cannot hold them exactly anyway): translators add up token
// counts and caps, which near the int64 limits would overflow, and a double
// past those limits has no int64 value at all (its conversion is undefined).
inline constexpr int64_t kMaxInteger = int64_t(1) << 53;

inline int64_t integer(const boost::json::object* o, std::string_view key) {
  if (!o) return 0;
  auto* v = o->if_contains(key);
  if (!v) return 0;
  if (v->is_int64()) return std::clamp(v->get_int64(), -kMaxInteger, kMaxInteger);
  if (v->is_uint64()) return int64_t(std::min(v->get_uint64(), uint64_t(kMaxInteger)));
  if (v->is_double()) {
    const double d = v->get_double();
    if (d >= double(kMaxInteger)) return kMaxInteger;
    if (d <= -double(kMaxInteger)) return -kMaxInteger;
    return d == d ? int64_t(d) : 0;  // NaN (boost::json reads 0e400 as one) reads as 0
  }
  return 0;
}
inline int64_t integer(const boost::json::object& o, std::string_view key) { return integer(&o, key); }

inline const boost::json::object* obj(const boost::json::object* o, std::string_view key) {
  if (!o) return nullptr;
  auto* v = o->if_contains(key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}
inline const boost::json::object* obj(const boost::json::object& o, std::string_view key) { return obj(&o, key); }

inline const boost::json::array* arr(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_array() ? &v->get_array() : nullptr;
}

// The text of OpenAI message content (a string, or the text of its text
// parts), for provider fields that only take text.
inline std::string text_of(const boost::json::value& content) {
  if (content.is_string()) return std::string(content.get_string());
  std::string out;
  if (content.is_array())
    for (const auto& p : content.get_array())
      if (p.is_object() && str(p.get_object(), "type") == "text") out += str(p.get_object(), "text");
  return out;
}
inline std::string text_of(const boost::json::value* content) { return content ? text_of(*content) : std::string(); }

// Whether an OpenAI request asks for stream usage (stream_options.include_usage).
inline bool wants_stream_usage(const boost::json::object& openai) {
  const auto* so = obj(openai, "stream_options");
  const auto* iu = so ? so->if_contains("include_usage") : nullptr;
  return iu && iu->is_bool() && iu->get_bool();
}

// `created` timestamps of translated answers.
inline int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Appends a turn {"role": role, key: items}, merging it into the previous turn
// when that has the same role: Anthropic, Gemini and Bedrock all require
// strictly alternating roles (tool results travel as user turns).
inline void append_turn(boost::json::array& turns, std::string_view role, std::string_view key,
                        boost::json::array items) {
  if (items.empty()) return;
  if (!turns.empty()) {
    auto& last = turns.back().as_object();
    if (str(last, "role") == role) {
      auto& existing = last[key].as_array();
      for (auto& item : items) existing.push_back(std::move(item));
      return;
    }
  }
  boost::json::object turn{{"role", role}};
  turn[key] = std::move(items);
  turns.push_back(std::move(turn));
}

// OpenAI tool-call arguments (a JSON string) as an object; {} when they are not one.
inline boost::json::value arguments_object(std::string_view text) {
  boost::json::error_code ec;
  auto v = parse_json(text, ec);
  if (ec || !v.is_object()) return boost::json::object{};
  return v;
}

}  // namespace torii::llm::get
