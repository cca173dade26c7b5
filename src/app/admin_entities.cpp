// Teams and users in the admin API: POST/GET /admin/teams, GET/PATCH/DELETE
// /admin/teams/{id}, the same under /admin/users, on the admin thread. Each
// has a `name`, a policy (models, budget, rate limits), `metadata` and
// `blocked`; keys join one with `team_id` / `user_id`. A team or user that
// keys still belong to cannot be deleted (409): revoke or move them first.
#include "app/admin_answer.hpp"
#include "app/admin_policy.hpp"
#include "core/clock.hpp"
#include "filters/auth/virtual_keys.hpp"
#include "filters/logging/log_time.hpp"

namespace torii::app {

namespace json = boost::json;

namespace {

struct Kind {
  governance::Level level;
  const char* singular;  // "team"
  const char* plural;    // "teams"
  const char* id_prefix; // "team_"
  const char* key_column;  // virtual_keys.team_id
};

constexpr Kind kTeam{governance::Level::team, "team", "teams", "team_", "team_id"};
constexpr Kind kUser{governance::Level::user, "user", "users", "user_", "user_id"};

std::optional<int64_t> spend_of(const Kind& kind, const store::EntityRow& r) {
  return period_spend({{kind.level, &r.id, &r.policy}})[0];
}

json::object entity_json(const Kind& kind, const store::EntityRow& r, std::optional<int64_t> spent) {
  json::object o;
  o["id"] = r.id;
  o["object"] = kind.singular;
  o["name"] = nullable(r.name);
  o["metadata"] = json::parse(r.metadata_json);
  o["blocked"] = r.blocked;
  o["created_at"] = filters::logging::format_time(r.created_us);
  o["updated_at"] = filters::logging::format_time(r.updated_us);
  add_policy_json(o, r.policy, spent);
  return o;
}

Answer on_store(const Kind& kind, const AdminCall& call) {
  filters::KeyDirectory* dir = filters::KeyDirectory::running();
  if (!dir) return store_unavailable("");
  store::EntityStore& es = kind.level == governance::Level::team ? dir->teams() : dir->users();
  std::string error;
  const int64_t now = core::unix_now_us();
  auto stored = [&](bool ok, const store::EntityRow& row) -> std::optional<Answer> {
    if (ok) {
      if (!dir->reload(error)) return store_unavailable(error);
      return std::nullopt;
    }
    if (error == "name")
      return error_answer(400, "name: '" + row.name + "' is already used by another " + kind.singular, "duplicate_name",
                          "name");
    return store_unavailable(error);
  };

  if (call.id.empty() && call.method == "GET") {
    std::vector<store::EntityRow> rows;
    if (!es.list(rows, error)) return store_unavailable(error);
    json::array data;
    std::vector<SpendOf> of;
    for (const auto& r : rows) of.push_back({kind.level, &r.id, &r.policy});
    const auto spent = period_spend(of);  // one ledger read for the whole list
    for (size_t i = 0; i < rows.size(); ++i) data.push_back(entity_json(kind, rows[i], spent[i]));
    return {200, json::serialize(json::object{{"object", "list"}, {"data", std::move(data)}})};
  }
  if (call.id.empty()) {  // POST: create
    store::EntityRow row;
    row.id = new_entity_id(kind.id_prefix);
    row.created_us = row.updated_us = now;
    if (auto e = apply_entity_body(*call.body, row)) return *e;
    if (auto e = stored(es.insert(row, error), row)) return *e;
    return {201, json::serialize(entity_json(kind, row, spend_of(kind, row)))};
  }
  std::optional<store::EntityRow> row = es.get(call.id, error);
  if (!row && !error.empty()) return store_unavailable(error);
  if (!row)
    return error_answer(404, std::string("No ") + kind.singular + " with id '" + call.id + "'",
                        std::string(kind.singular) + "_not_found");
  if (call.method == "GET") return {200, json::serialize(entity_json(kind, *row, spend_of(kind, *row)))};
  if (call.method == "DELETE") {
    if (int64_t n = dir->store().count_members(kind.key_column, row->id))
      return error_answer(409,
                          std::to_string(n) + " live key(s) belong to the " + kind.singular + " '" + row->id +
                              "': revoke them or change their " + kind.key_column + " first",
                          std::string(kind.singular) + "_in_use");
    json::object o = entity_json(kind, *row, spend_of(kind, *row));
    if (auto e = stored(es.remove(row->id, error), *row)) return *e;
    o["deleted"] = true;
    return {200, json::serialize(o)};
  }
  row->updated_us = now;
  if (auto e = apply_entity_body(*call.body, *row)) return *e;
  if (auto e = stored(es.update(*row, error), *row)) return *e;
  return {200, json::serialize(entity_json(kind, *row, spend_of(kind, *row)))};
}

}  // namespace

Answer teams_on_store(const AdminCall& call) { return on_store(kTeam, call); }
Answer users_on_store(const AdminCall& call) { return on_store(kUser, call); }

}  // namespace torii::app
