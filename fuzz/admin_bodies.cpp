// The admin API's body parsers (src/app/admin_bodies.*): the create and
// patch bodies of /admin/keys, /admin/teams and /admin/users, and a key's
// rotate body, parsed as the worker parses them (boost::json, default
// options; anything but an object is refused before) and applied to a fresh
// row (create) or to a row that already has every field set (patch).
//
// The first byte chooses: % 5 = 0 key create, 1 key patch, 2 team/user
// create, 3 team/user patch, 4 rotate. The rest is the body. A key's
// team_id or user_id "exists" unless it contains an 'x'.
//
// Properties:
// - nothing throws (the store work runs on the admin thread: an exception
//   would be a 500, and a half-applied call);
// - a refused body is a 400 (invalid_request, or team_not_found /
//   user_not_found) whose body is an OpenAI error naming, as `param`, a
//   field of the body, and whose message starts with that field (a field
//   named "" leaves param null: errors write an empty param as null);
// - an accepted body leaves the row within the documented ranges (README
//   "Virtual keys, teams and users"): alias and name 1-128 bytes or none,
//   team_id and user_id at most 256, models and tags lists of 1-256 byte
//   strings, guardrails at most 32 names of 1-128, model_limits at most 16
//   patterns each with rpm/tpm/max_parallel in range, max_budget_usd 0 to
//   1e9, budget_period one of the five and only with a budget, rpm 1-1e9,
//   tpm 1-1e12, max_parallel 1-1e6, grace_period_s 0-2592000;
// - every field of an accepted body is what the row now holds (null clears);
// - what the row keeps as JSON (models, tags, metadata, model_limits,
//   guardrails) parses back with boost::json, as GET /admin/keys reads it,
//   and expires_at as GET shows it (format_time) parses back to itself;
// - applying an accepted body again to its result changes nothing.
#include <cmath>

#include "app/admin_bodies.hpp"
#include "filters/logging/log_time.hpp"
#include "fuzz.hpp"
#include "governance/budget_period.hpp"

namespace {

namespace json = boost::json;
using namespace torii;
using torii::app::Answer;

constexpr int64_t kRpmMax = 1'000'000'000, kTpmMax = 1'000'000'000'000, kParallelMax = 1'000'000;

store::PolicyColumns full_policy() {
  store::PolicyColumns p;
  p.models_json = R"(["gpt-4o-mini","claude-*"])";
  p.max_budget_usd = 25.5;
  p.budget_period = "1d";
  p.rpm = 60;
  p.tpm = 100000;
  p.max_parallel = 4;
  p.model_limits_json = R"({"claude-*":{"rpm":10}})";
  p.guardrails_json = R"(["pii"])";
  return p;
}

store::KeyRow full_key() {
  store::KeyRow r;
  r.id = "key_0123456789abcdef";
  r.alias = "ci";
  r.team_id = "team_0123456789abcdef";
  r.user_id = "user_0123456789abcdef";
  r.policy = full_policy();
  r.expires_at_us = 1'800'000'000'000'000;
  r.metadata_json = R"({"owner":"ci"})";
  r.tags_json = R"(["prod"])";
  r.blocked = true;
  return r;
}

store::EntityRow full_entity() {
  store::EntityRow r;
  r.id = "team_0123456789abcdef";
  r.name = "research";
  r.policy = full_policy();
  r.metadata_json = R"({"cost_center":"42"})";
  r.blocked = true;
  return r;
}

std::optional<Answer> member(const std::string& field, const std::string& id) {
  if (id.find('x') == std::string::npos) return std::nullopt;
  const bool team = field == "team_id";
  return app::error_answer(400, field + ": no " + (team ? "team" : "user") + " with id '" + id + "'",
                           team ? "team_not_found" : "user_not_found", field);
}

// JSON text a row keeps, read back as GET reads it (json::parse throws).
json::value stored(const std::string& text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) {
    std::fprintf(stderr, "a stored column does not parse back: %.400s\n", text.c_str());
    std::abort();
  }
  return v;
}

bool string_of(const json::value& v, size_t min, size_t max) {
  return v.is_string() && v.get_string().size() >= min && v.get_string().size() <= max;
}

bool whole_in(const json::value& v, int64_t min, int64_t max) {
  if (v.is_int64()) return v.get_int64() >= min && v.get_int64() <= max;
  if (v.is_uint64()) return v.get_uint64() >= uint64_t(min) && v.get_uint64() <= uint64_t(max);
  return false;
}

// A refusal: 400, an OpenAI error whose param is a field of `body` and
// leads its message.
void check_refusal(const Answer& a, const json::object& body) {
  FUZZ_CHECK(a.status == 400);
  json::value v = stored(a.body);
  FUZZ_CHECK(v.is_object());
  const json::value* err = v.get_object().if_contains("error");
  FUZZ_CHECK(err && err->is_object());
  const json::object& e = err->get_object();
  const json::value* param = e.if_contains("param");
  const json::value* message = e.if_contains("message");
  const json::value* code = e.if_contains("code");
  FUZZ_CHECK(param && message && message->is_string());
  // A field whose name is "" is named by the message (": unknown field")
  // but cannot be by `param`: errors write an empty param as null.
  const std::string_view name = param->is_string() ? std::string_view(param->get_string()) : std::string_view();
  FUZZ_CHECK(param->is_string() || (param->is_null() && body.contains("")));
  FUZZ_CHECK(body.contains(name));
  // "rpm: ...", or "model_limits.gpt-*.rps: ..." where the error is deeper.
  const std::string_view m = message->get_string();
  FUZZ_CHECK(m.starts_with(name) && m.size() > name.size() && (m[name.size()] == ':' || m[name.size()] == '.'));
  FUZZ_CHECK(code && code->is_string());
  const std::string_view c = code->get_string();
  FUZZ_CHECK(c == "invalid_request" || c == "team_not_found" || c == "user_not_found");
}

void check_policy_ranges(const store::PolicyColumns& p) {
  const json::value models = stored(p.models_json);
  FUZZ_CHECK(models.is_array());
  for (const auto& m : models.get_array()) FUZZ_CHECK(string_of(m, 1, 256));
  const json::value guardrails = stored(p.guardrails_json);
  FUZZ_CHECK(guardrails.is_array() && guardrails.get_array().size() <= 32);
  for (const auto& g : guardrails.get_array()) FUZZ_CHECK(string_of(g, 1, 128));
  const json::value limits = stored(p.model_limits_json);
  FUZZ_CHECK(limits.is_object() && limits.get_object().size() <= 16);
  for (const auto& [pattern, l] : limits.get_object()) {
    FUZZ_CHECK(!pattern.empty() && pattern.size() <= 256);
    FUZZ_CHECK(l.is_object() && !l.get_object().empty());
    for (const auto& [name, n] : l.get_object()) {
      FUZZ_CHECK(name == "rpm" || name == "tpm" || name == "max_parallel");
      FUZZ_CHECK(whole_in(n, 1, name == "rpm" ? kRpmMax : name == "tpm" ? kTpmMax : kParallelMax));
    }
  }
  if (p.max_budget_usd) FUZZ_CHECK(std::isfinite(*p.max_budget_usd) && *p.max_budget_usd >= 0 && *p.max_budget_usd <= 1e9);
  if (!p.budget_period.empty()) {
    FUZZ_CHECK(governance::parse_budget_period(p.budget_period).has_value());
    FUZZ_CHECK(p.max_budget_usd.has_value());
  }
  if (p.rpm) FUZZ_CHECK(*p.rpm >= 1 && *p.rpm <= kRpmMax);
  if (p.tpm) FUZZ_CHECK(*p.tpm >= 1 && *p.tpm <= kTpmMax);
  if (p.max_parallel) FUZZ_CHECK(*p.max_parallel >= 1 && *p.max_parallel <= kParallelMax);
}

// A policy field of an accepted body is what the row holds (boost::json
// keeps the last of duplicated keys, so each field is there once).
void check_policy_field(const json::object& body, const std::string& key, const json::value& v,
                        const store::PolicyColumns& p) {
  if (key == "models") {
    FUZZ_CHECK(stored(p.models_json) == v);
  } else if (key == "guardrails") {
    FUZZ_CHECK(stored(p.guardrails_json) == v);
  } else if (key == "model_limits") {
    FUZZ_CHECK(stored(p.model_limits_json) == (v.is_null() ? json::value(json::object()) : v));
  } else if (key == "max_budget_usd") {
    if (v.is_null()) FUZZ_CHECK(!p.max_budget_usd && p.budget_period.empty());
    else FUZZ_CHECK(p.max_budget_usd && *p.max_budget_usd == v.to_number<double>());
  } else if (key == "budget_period") {
    // `max_budget_usd: null` clears the period too.
    const json::value* budget = body.if_contains("max_budget_usd");
    const bool cleared = v.is_null() || (budget && budget->is_null());
    FUZZ_CHECK(p.budget_period == (cleared ? std::string_view() : std::string_view(v.get_string())));
  } else {
    const std::optional<int64_t>& n = key == "rpm" ? p.rpm : key == "tpm" ? p.tpm : p.max_parallel;
    if (v.is_null()) FUZZ_CHECK(!n);
    else FUZZ_CHECK(n && json::value(*n) == v);
  }
}

bool same_policy(const store::PolicyColumns& a, const store::PolicyColumns& b) {
  return a.models_json == b.models_json && a.max_budget_usd == b.max_budget_usd && a.budget_period == b.budget_period &&
         a.rpm == b.rpm && a.tpm == b.tpm && a.max_parallel == b.max_parallel &&
         a.model_limits_json == b.model_limits_json && a.guardrails_json == b.guardrails_json;
}

void check_key(const json::object& body, const store::KeyRow& row) {
  FUZZ_CHECK(row.alias.size() <= 128 && row.team_id.size() <= 256 && row.user_id.size() <= 256);
  check_policy_ranges(row.policy);
  const json::value tags = stored(row.tags_json);
  FUZZ_CHECK(tags.is_array());
  for (const auto& t : tags.get_array()) FUZZ_CHECK(string_of(t, 1, 256));
  FUZZ_CHECK(stored(row.metadata_json).is_object());
  if (row.expires_at_us) {
    int64_t back = 0;
    const std::string shown = filters::logging::format_time(*row.expires_at_us);
    FUZZ_CHECK(filters::logging::parse_time(shown, back));
    FUZZ_CHECK(back == *row.expires_at_us);
  }
  for (const auto& [k, v] : body) {
    const std::string key(k);
    if (key == "alias" || key == "team_id" || key == "user_id") {
      const std::string& got = key == "alias" ? row.alias : key == "team_id" ? row.team_id : row.user_id;
      FUZZ_CHECK(got == (v.is_null() ? std::string_view() : std::string_view(v.get_string())));
    } else if (app::is_policy_field(key)) {
      check_policy_field(body, key, v, row.policy);
    } else if (key == "tags") {
      FUZZ_CHECK(tags == v);
    } else if (key == "metadata") {
      FUZZ_CHECK(v.is_object());
    } else if (key == "blocked") {
      FUZZ_CHECK(row.blocked == v.get_bool());
    } else {
      FUZZ_CHECK(key == "expires_at");
      FUZZ_CHECK(row.expires_at_us.has_value() == !v.is_null());
    }
  }
}

void check_entity(const json::object& body, const store::EntityRow& row) {
  FUZZ_CHECK(row.name.size() <= 128);
  check_policy_ranges(row.policy);
  FUZZ_CHECK(stored(row.metadata_json).is_object());
  for (const auto& [k, v] : body) {
    const std::string key(k);
    if (key == "name") {
      FUZZ_CHECK(row.name == (v.is_null() ? std::string_view() : std::string_view(v.get_string())));
    } else if (app::is_policy_field(key)) {
      check_policy_field(body, key, v, row.policy);
    } else if (key == "blocked") {
      FUZZ_CHECK(row.blocked == v.get_bool());
    } else {
      FUZZ_CHECK(key == "metadata" && v.is_object());
    }
  }
}

bool same_key(const store::KeyRow& a, const store::KeyRow& b) {
  return a.alias == b.alias && a.team_id == b.team_id && a.user_id == b.user_id && same_policy(a.policy, b.policy) &&
         a.expires_at_us == b.expires_at_us && a.metadata_json == b.metadata_json && a.tags_json == b.tags_json &&
         a.blocked == b.blocked;
}

bool same_entity(const store::EntityRow& a, const store::EntityRow& b) {
  return a.name == b.name && same_policy(a.policy, b.policy) && a.metadata_json == b.metadata_json &&
         a.blocked == b.blocked;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  const int which = in.byte() % 5;
  const std::string_view text = in.rest();

  // As the worker does (admin_resources.cpp): a rotate may have no body;
  // anything else must be a JSON object.
  std::optional<json::object> body;
  if (!(which == 4 && text.empty())) {
    json::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return 0;
    body = std::move(v.get_object());
  }

  if (which == 4) {
    int64_t grace = -1;
    auto refused = fuzz::must_not_throw("read_rotate_body", [&] { return app::read_rotate_body(body, grace); });
    if (refused) {
      check_refusal(*refused, *body);
      return 0;
    }
    FUZZ_CHECK(grace >= 0 && grace <= 30 * 86400);
    if (body) {
      FUZZ_CHECK(body->size() <= 1);
      if (const json::value* g = body->if_contains("grace_period_s")) FUZZ_CHECK(json::value(grace) == *g);
    }
    return 0;
  }

  if (which <= 1) {
    store::KeyRow row = which == 0 ? store::KeyRow() : full_key();
    auto refused = fuzz::must_not_throw("apply_key_body", [&] { return app::apply_key_body(*body, row, member); });
    if (refused) {
      check_refusal(*refused, *body);
      return 0;
    }
    check_key(*body, row);
    store::KeyRow again = row;
    auto second = fuzz::must_not_throw("apply_key_body", [&] { return app::apply_key_body(*body, again, member); });
    FUZZ_CHECK(!second);
    FUZZ_CHECK(same_key(row, again));
    return 0;
  }

  store::EntityRow row = which == 2 ? store::EntityRow() : full_entity();
  auto refused = fuzz::must_not_throw("apply_entity_body", [&] { return app::apply_entity_body(*body, row); });
  if (refused) {
    check_refusal(*refused, *body);
    return 0;
  }
  check_entity(*body, row);
  store::EntityRow again = row;
  auto second = fuzz::must_not_throw("apply_entity_body", [&] { return app::apply_entity_body(*body, again); });
  FUZZ_CHECK(!second);
  FUZZ_CHECK(same_entity(row, again));
  return 0;
}
