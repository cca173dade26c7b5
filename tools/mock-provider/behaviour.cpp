#include "behaviour.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <climits>

namespace torii::mock_server {

namespace json = boost::json;

namespace {

enum class Kind { integer, text, boolean, reset, crc };

struct Setting {
  std::string_view name;  // snake_case
  Kind kind;
  int min = 0;            // integers only
  int max = INT_MAX;
};

constexpr std::array<Setting, 23> kSettings = {{
    {"api_key", Kind::text},
    {"fail_code", Kind::text},
    {"latency_ms", Kind::integer},
    {"ttft_ms", Kind::integer},
    {"tokens_per_sec", Kind::integer},
    {"reply_words", Kind::integer, 0, 1'000'000},
    {"fail_status", Kind::integer, 0, 599},
    {"retry_after", Kind::integer, -1},
    {"fail_every", Kind::integer, 1},
    {"reset", Kind::reset},
    {"reset_after_events", Kind::integer},
    {"malformed", Kind::boolean},
    {"malformed_after", Kind::integer},
    {"fail_mid_stream", Kind::boolean},
    {"accept_unknown_fields", Kind::boolean},
    {"stall_ms", Kind::integer},
    {"aws_access_key_id", Kind::text},
    {"aws_secret_access_key", Kind::text},
    {"aws_session_token", Kind::text},
    {"aws_region", Kind::text},
    {"bad_crc", Kind::crc},
    {"chaos_percent", Kind::integer, 0, 100},
    {"chaos_kinds", Kind::text},
}};

bool is_chaos_kind(std::string_view name) {
  for (auto k : kChaosKinds)
    if (k == name) return true;
  return false;
}

// "" when every comma-separated name is a chaos kind.
std::string check_chaos_kinds(std::string_view list) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view name = list.substr(0, comma);
    if (!is_chaos_kind(name)) return "'chaos_kinds': unknown fault '" + std::string(name) + "'";
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
  return "";
}

const Setting* find_setting(std::string_view snake) {
  for (const auto& s : kSettings)
    if (s.name == snake) return &s;
  return nullptr;
}

std::string to_snake(std::string_view kebab) {
  std::string out(kebab);
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

int* int_member(Behaviour& b, std::string_view name) {
  if (name == "latency_ms") return &b.latency_ms;
  if (name == "ttft_ms") return &b.ttft_ms;
  if (name == "tokens_per_sec") return &b.tokens_per_sec;
  if (name == "reply_words") return &b.reply_words;
  if (name == "fail_status") return &b.fail_status;
  if (name == "retry_after") return &b.retry_after;
  if (name == "fail_every") return &b.fail_every;
  if (name == "reset_after_events") return &b.reset_after_events;
  if (name == "stall_ms") return &b.stall_ms;
  if (name == "malformed_after") return &b.malformed_after;
  if (name == "chaos_percent") return &b.chaos_percent;
  return nullptr;
}

std::string_view reset_name(ResetMode m) {
  switch (m) {
    case ResetMode::before: return "before";
    case ResetMode::during: return "during";
    case ResetMode::truncate: return "truncate";
    default: return "none";
  }
}

}  // namespace

std::string apply_setting(Behaviour& b, std::string_view key, const json::value& value) {
  const Setting* s = find_setting(key);
  if (!s) return "unknown setting '" + std::string(key) + "'";
  std::string name(key);
  switch (s->kind) {
    case Kind::text: {
      std::string& target = key == "fail_code"               ? b.fail_code
                            : key == "aws_access_key_id"     ? b.aws_access_key_id
                            : key == "aws_secret_access_key" ? b.aws_secret_access_key
                            : key == "aws_session_token"     ? b.aws_session_token
                            : key == "aws_region"            ? b.aws_region
                            : key == "chaos_kinds"           ? b.chaos_kinds
                                                             : b.api_key;
      if (value.is_null()) target.clear();
      else if (value.is_string()) target = std::string(value.get_string());
      else return "'" + name + "' must be a string";
      if (key == "chaos_kinds") return check_chaos_kinds(target);
      return "";
    }
    case Kind::boolean:
      if (!value.is_bool()) return "'" + name + "' must be true or false";
      (key == "fail_mid_stream"         ? b.fail_mid_stream
       : key == "accept_unknown_fields" ? b.accept_unknown_fields
                                        : b.malformed) = value.get_bool();
      return "";
    case Kind::crc: {
      // true (or a bare --bad-crc) means the message CRC.
      std::string_view v = value.is_string() ? std::string_view(value.get_string())
                           : value.is_bool() ? std::string_view(value.get_bool() ? "message" : "")
                                             : std::string_view("?");
      if (value.is_null() || v == "none") v = "";
      if (v != "" && v != "message" && v != "prelude")
        return "'" + name + "' must be \"message\", \"prelude\", \"none\" or a boolean";
      b.bad_crc = std::string(v);
      return "";
    }
    case Kind::reset: {
      std::string_view v = value.is_string() ? std::string_view(value.get_string()) : std::string_view("?");
      if (value.is_null() || v == "none" || v.empty()) b.reset = ResetMode::none;
      else if (v == "before") b.reset = ResetMode::before;
      else if (v == "during") b.reset = ResetMode::during;
      else if (v == "truncate") b.reset = ResetMode::truncate;
      else return "'" + name + "' must be \"before\", \"during\", \"truncate\" or \"none\"";
      return "";
    }
    case Kind::integer: {
      int* target = int_member(b, key);
      if (value.is_null() && key == "retry_after") {
        *target = -1;
        return "";
      }
      if (!value.is_int64() || value.get_int64() < s->min || value.get_int64() > s->max)
        return "'" + name + "' must be an integer from " + std::to_string(s->min) +
               (s->max == INT_MAX ? std::string(" up") : " to " + std::to_string(s->max));
      *target = static_cast<int>(value.get_int64());
      if (key == "fail_status" && *target != 0 && *target < 100) return "'fail_status' must be 0 or an HTTP status";
      return "";
    }
  }
  return "";
}

std::string behaviour_from_json(const json::object& o, Behaviour& out) {
  Behaviour b;
  for (const auto& [key, value] : o) {
    std::string error = apply_setting(b, key, value);
    if (!error.empty()) return error;
  }
  out = std::move(b);
  return "";
}

json::object behaviour_to_json(const Behaviour& b) {
  json::object o;
  o["api_key"] = b.api_key;
  o["latency_ms"] = b.latency_ms;
  o["ttft_ms"] = b.ttft_ms;
  o["tokens_per_sec"] = b.tokens_per_sec;
  o["reply_words"] = b.reply_words;
  o["fail_status"] = b.fail_status;
  o["retry_after"] = b.retry_after < 0 ? json::value(nullptr) : json::value(b.retry_after);
  o["fail_every"] = b.fail_every;
  o["fail_code"] = b.fail_code;
  o["reset"] = reset_name(b.reset);
  o["reset_after_events"] = b.reset_after_events;
  o["malformed"] = b.malformed;
  o["malformed_after"] = b.malformed_after;
  o["fail_mid_stream"] = b.fail_mid_stream;
  o["accept_unknown_fields"] = b.accept_unknown_fields;
  o["stall_ms"] = b.stall_ms;
  o["aws_access_key_id"] = b.aws_access_key_id;
  o["aws_secret_access_key"] = b.aws_secret_access_key;
  o["aws_session_token"] = b.aws_session_token;
  o["aws_region"] = b.aws_region;
  o["bad_crc"] = b.bad_crc.empty() ? std::string_view("none") : std::string_view(b.bad_crc);
  o["chaos_percent"] = b.chaos_percent;
  o["chaos_kinds"] = b.chaos_kinds;
  return o;
}

bool is_behaviour_flag(std::string_view name, bool& needs_value) {
  const Setting* s = find_setting(to_snake(name));
  if (!s) return false;
  needs_value = s->kind != Kind::boolean && s->kind != Kind::crc;
  return true;
}

std::string apply_flag(Behaviour& b, std::string_view name, std::string_view value) {
  std::string snake = to_snake(name);
  const Setting* s = find_setting(snake);
  if (!s) return "unknown flag --" + std::string(name);
  json::value v;
  if (s->kind == Kind::integer) {
    long long n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size())
      return "--" + std::string(name) + " needs an integer, got '" + std::string(value) + "'";
    v = n;
  } else if (s->kind == Kind::boolean) {
    if (value.empty() || value == "true" || value == "1") v = true;
    else if (value == "false" || value == "0") v = false;
    else return "--" + std::string(name) + " takes no value (or true/false)";
  } else if (s->kind == Kind::crc && value.empty()) {
    v = true;
  } else {
    v = json::string(value);
  }
  std::string error = apply_setting(b, snake, v);
  return error.empty() ? error : "--" + std::string(name) + ": " + error;
}

Behaviour with_fault(const Behaviour& b, std::string_view kind, unsigned draw) {
  Behaviour f = b;
  auto fail = [&](int status) {
    f.fail_status = status;
    f.fail_every = 1;
  };
  if (kind == "5xx") fail(draw % 2 ? 503 : 500);
  else if (kind == "429") {
    fail(429);
    f.retry_after = 1;
  } else if (kind == "reset_before") f.reset = ResetMode::before;
  else if (kind == "reset_during") f.reset = ResetMode::during;
  else if (kind == "truncate") f.reset = ResetMode::truncate;
  else if (kind == "malformed") f.malformed = true;
  else if (kind == "stall") f.stall_ms = b.stall_ms > 0 ? b.stall_ms : 3000;
  else if (kind == "trickle") f.tokens_per_sec = 40;
  else if (kind == "mid_stream") {
    fail(500);
    f.fail_mid_stream = true;
  } else if (kind == "bad_crc") f.bad_crc = "message";
  return f;
}

}  // namespace torii::mock_server
