#pragma once
// Tolerant accessors for translation code: provider JSON is read field by
// field, and a missing or mistyped field reads as empty rather than throwing.
#include <chrono>
#include <cstdint>
#include <string_view>

#include <boost/json/object.hpp>

namespace torii::llm::get {

inline std::string_view str(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

inline int64_t integer(const boost::json::object* o, std::string_view key) {
  if (!o) return 0;
  auto* v = o->if_contains(key);
  if (!v) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return int64_t(v->get_uint64());
  if (v->is_double()) return int64_t(v->get_double());
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

// `created` timestamps of translated answers.
inline int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace torii::llm::get
