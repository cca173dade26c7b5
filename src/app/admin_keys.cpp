// The virtual-key admin API: POST/GET /admin/keys, GET/PATCH/DELETE
// /admin/keys/{id}, POST /admin/keys/{id}/rotate, on the admin thread. The
// key table the workers read is rebuilt before the answer goes out, so a
// change is in force when the client sees it.
#include "app/admin_answer.hpp"
#include "app/admin_policy.hpp"
#include "core/clock.hpp"
#include "core/hex.hpp"
#include "filters/auth/virtual_keys.hpp"
#include "filters/logging/log_time.hpp"

namespace torii::app {

namespace json = boost::json;

namespace {

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
  // A team_id or user_id in a body must name one that exists.
  const MemberCheck member = [dir](const std::string& key, const std::string& id) -> std::optional<Answer> {
    std::string error;
    auto found = (key == "team_id" ? dir->teams() : dir->users()).get(id, error);
    if (!found && !error.empty()) return store_unavailable(error);
    if (!found)
      return error_answer(400, key + ": no " + (key == "team_id" ? "team" : "user") + " with id '" + id +
                                   "' (create it with POST /admin/" + (key == "team_id" ? "teams" : "users") + ")",
                          key == "team_id" ? "team_not_found" : "user_not_found", key);
    return std::nullopt;
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
    if (auto e = apply_key_body(*call.body, row, member)) return *e;
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
    if (auto e = read_rotate_body(call.body, grace)) return *e;
    const std::string secret = rotate_secret(*row, grace, now);
    if (auto e = stored(ks.update(*row, error), *row)) return *e;
    json::object o = key_json(*row, spend_of(*row));
    o["key"] = secret;
    return {200, json::serialize(o)};
  }
  // PATCH
  if (auto e = apply_key_body(*call.body, *row, member)) return *e;
  if (auto e = stored(ks.update(*row, error), *row)) return *e;
  return {200, json::serialize(key_json(*row, spend_of(*row)))};
}

}  // namespace torii::app
