// The virtual-key admin API: POST/GET /admin/keys, GET/PATCH/DELETE
// /admin/keys/{id}, POST /admin/keys/{id}/rotate, on the admin thread. The
// key table the workers read is rebuilt before the answer goes out, so a
// change is in force when the client sees it.
#include "app/admin_answer.hpp"
#include "app/admin_policy.hpp"
#include "core/clock.hpp"
#include "core/hex.hpp"
#include "filters/auth/virtual_keys.hpp"
#include "filters/logging/log_query.hpp"

namespace torii::app {

namespace json = boost::json;

namespace {

// Applies a create or patch body to `row`; an error naming the field, or nothing.
std::optional<Answer> apply_fields(filters::KeyDirectory& dir, const json::object& body, store::KeyRow& row) {
  for (const auto& [k, v] : body) {
    const std::string key(k);
    auto bad = [&](const std::string& what) { return error_answer(400, key + ": " + what, "invalid_request", key); };
    auto optional_text = [&](std::string& dest, size_t max) -> std::optional<Answer> {
      if (v.is_null()) {
        dest.clear();
        return std::nullopt;
      }
      if (!v.is_string() || v.as_string().empty() || v.as_string().size() > max)
        return bad(max == 128 ? "expected a string of 1 to 128 characters, or null"
                              : "expected a string of 1 to 256 characters, or null");
      dest = std::string(v.as_string());
      return std::nullopt;
    };
    if (key == "alias") {
      if (auto e = optional_text(row.alias, 128)) return e;
    } else if (key == "team_id" || key == "user_id") {
      std::string& dest = key == "team_id" ? row.team_id : row.user_id;
      if (auto e = optional_text(dest, 256)) return e;
      if (dest.empty()) continue;
      std::string error;
      auto found = (key == "team_id" ? dir.teams() : dir.users()).get(dest, error);
      if (!found && !error.empty()) return store_unavailable(error);
      if (!found)
        return error_answer(400, key + ": no " + (key == "team_id" ? "team" : "user") + " with id '" + dest +
                                     "' (create it with POST /admin/" + (key == "team_id" ? "teams" : "users") + ")",
                            key == "team_id" ? "team_not_found" : "user_not_found", key);
    } else if (is_policy_field(key)) {
      if (auto e = apply_policy_field(key, v, row.policy)) return e;
    } else if (key == "tags") {
      if (!v.is_array()) return bad("expected a list of strings");
      for (const auto& item : v.as_array())
        if (!item.is_string() || item.as_string().empty() || item.as_string().size() > 256)
          return bad("expected a list of non-empty strings (at most 256 characters each)");
      row.tags_json = json::serialize(v);
    } else if (key == "metadata") {
      if (!v.is_object()) return bad("expected a JSON object");
      row.metadata_json = json::serialize(v);
    } else if (key == "blocked") {
      if (!v.is_bool()) return bad("expected true or false");
      row.blocked = v.as_bool();
    } else if (key == "expires_at") {
      if (v.is_null()) {
        row.expires_at_us.reset();
        continue;
      }
      int64_t us = 0;
      if (!v.is_string() || !filters::logging::parse_time(v.as_string(), us))
        return bad("expected an RFC 3339 time such as 2027-01-31T00:00:00Z, or null");
      row.expires_at_us = us;
    } else {
      return bad("unknown field");
    }
  }
  return check_policy(row.policy);
}

std::optional<int64_t> spend_of(const store::KeyRow& r) {
  return period_spend({{governance::Level::key, &r.id, &r.policy}})[0];
}

json::object key_json(const store::KeyRow& r, std::optional<int64_t> spent) {
  json::object o;
  o["id"] = r.id;
  o["object"] = "key";
  o["alias"] = nullable(r.alias);
  o["team_id"] = nullable(r.team_id);
  o["user_id"] = nullable(r.user_id);
  o["tags"] = json::parse(r.tags_json);
  o["metadata"] = json::parse(r.metadata_json);
  o["blocked"] = r.blocked;
  o["expires_at"] = r.expires_at_us ? json::value(filters::logging::format_time(*r.expires_at_us)) : json::value(nullptr);
  o["key_prefix"] = r.prefix;
  o["created_at"] = filters::logging::format_time(r.created_us);
  o["updated_at"] = filters::logging::format_time(r.updated_us);
  o["revoked_at"] = r.revoked_us ? json::value(filters::logging::format_time(*r.revoked_us)) : json::value(nullptr);
  add_policy_json(o, r.policy, spent);
  return o;
}

// A fresh secret for `row`; the old one (when `grace_s` > 0) keeps working that long.
std::string rotate_secret(store::KeyRow& row, int64_t grace_s, int64_t now) {
  const std::string secret = filters::new_key_secret();
  if (grace_s > 0) {
    row.previous_hash = row.hash;
    row.previous_until_us = now + grace_s * 1'000'000;
  } else {
    row.previous_hash.clear();
    row.previous_until_us = 0;
  }
  row.hash = core::sha256_hex(secret);
  row.prefix = secret.substr(0, 7);
  return secret;
}

}  // namespace

Answer keys_on_store(const AdminCall& call) {
  filters::KeyDirectory* dir = filters::KeyDirectory::running();
  if (!dir) return store_unavailable("");
  store::KeyStore& ks = dir->store();
  std::string error;
  const int64_t now = core::unix_now_us();
  auto stored = [&](bool ok, const store::KeyRow& row) -> std::optional<Answer> {
    if (ok) {
      if (!dir->reload(error)) return store_unavailable(error);
      return std::nullopt;
    }
    if (error == "alias")
      return error_answer(400, "alias: '" + row.alias + "' is already used by another key", "duplicate_alias", "alias");
    return store_unavailable(error);
  };

  if (call.id.empty() && call.method == "GET") {
    std::vector<store::KeyRow> rows;
    if (!ks.list(rows, error)) return store_unavailable(error);
    json::array data;
    std::vector<SpendOf> of;
    for (const auto& r : rows) of.push_back({governance::Level::key, &r.id, &r.policy});
    const auto spent = period_spend(of);  // one ledger read for the whole list
    for (size_t i = 0; i < rows.size(); ++i) data.push_back(key_json(rows[i], spent[i]));
    return {200, json::serialize(json::object{{"object", "list"}, {"data", std::move(data)}})};
  }
  if (call.id.empty()) {  // POST: create
    store::KeyRow row;
    row.id = new_entity_id("key_");
    row.created_us = row.updated_us = now;
    if (auto e = apply_fields(*dir, *call.body, row)) return *e;
    const std::string secret = rotate_secret(row, 0, now);
    if (auto e = stored(ks.insert(row, error), row)) return *e;
    json::object o = key_json(row, spend_of(row));
    o["key"] = secret;  // shown once: only its hash is kept
    return {201, json::serialize(o)};
  }
  std::optional<store::KeyRow> row = ks.get(call.id, error);
  if (!row && !error.empty()) return store_unavailable(error);
  if (!row) return error_answer(404, "No key with id '" + call.id + "'", "key_not_found");
  if (call.method == "GET") return {200, json::serialize(key_json(*row, spend_of(*row)))};
  if (row->revoked_us) return error_answer(409, "The key '" + call.id + "' is revoked", "key_revoked");
  row->updated_us = now;
  if (call.method == "DELETE") {
    row->revoked_us = now;
    if (auto e = stored(ks.update(*row, error), *row)) return *e;
    return {200, json::serialize(key_json(*row, spend_of(*row)))};
  }
  if (call.action == "rotate") {
    int64_t grace = 0;
    if (call.body) {
      for (const auto& [k, v] : *call.body) {
        if (k != "grace_period_s")
          return error_answer(400, std::string(k) + ": unknown field", "invalid_request", std::string(k));
        if (!v.is_int64() && !v.is_uint64())
          return error_answer(400, "grace_period_s: expected whole seconds", "invalid_request", "grace_period_s");
        grace = v.to_number<int64_t>();
        if (grace < 0 || grace > 30 * 86400)
          return error_answer(400, "grace_period_s: expected 0 to 2592000 (30 days)", "invalid_request",
                              "grace_period_s");
      }
    }
    const std::string secret = rotate_secret(*row, grace, now);
    if (auto e = stored(ks.update(*row, error), *row)) return *e;
    json::object o = key_json(*row, spend_of(*row));
    o["key"] = secret;
    return {200, json::serialize(o)};
  }
  // PATCH
  if (auto e = apply_fields(*dir, *call.body, *row)) return *e;
  if (auto e = stored(ks.update(*row, error), *row)) return *e;
  return {200, json::serialize(key_json(*row, spend_of(*row)))};
}

}  // namespace torii::app
