// The virtual-key admin API: POST/GET /admin/keys, GET/PATCH/DELETE
// /admin/keys/{id}, POST /admin/keys/{id}/rotate. Bodies are checked here on
// the worker; the store is written on the admin thread, and the key table
// the workers read is rebuilt before the answer goes out, so a change is in
// force when the client sees it.
#include <openssl/rand.h>

#include <chrono>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "app/admin_pool.hpp"
#include "app/gateway.hpp"
#include "filters/auth/virtual_keys.hpp"
#include "filters/logging/log_query.hpp"
#include "pipeline/request_context.hpp"

namespace torii::app {

namespace json = boost::json;

namespace {

struct Answer {
  int status = 200;
  std::string body;
};

Answer error_answer(int status, std::string message, std::string code, std::string param = "") {
  return {status, openai_error_body(make_error(status, std::move(message), std::move(code), std::move(param)))};
}

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string new_key_id() {
  unsigned char b[8];
  RAND_bytes(b, sizeof b);
  static constexpr char hex[] = "0123456789abcdef";
  std::string id = "key_";
  for (unsigned char c : b) {
    id += hex[c >> 4];
    id += hex[c & 15];
  }
  return id;
}

// Applies a create or patch body to `row`; an error naming the field, or nothing.
std::optional<Answer> apply_fields(const json::object& body, store::KeyRow& row) {
  static const char* later[] = {"max_budget_usd", "budget_period", "rpm", "tpm", "max_parallel", "guardrails"};
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
    } else if (key == "team_id") {
      if (auto e = optional_text(row.team_id, 256)) return e;
    } else if (key == "user_id") {
      if (auto e = optional_text(row.user_id, 256)) return e;
    } else if (key == "models" || key == "tags") {
      if (!v.is_array()) return bad("expected a list of strings");
      for (const auto& item : v.as_array())
        if (!item.is_string() || item.as_string().empty() || item.as_string().size() > 256)
          return bad("expected a list of non-empty strings (at most 256 characters each)");
      (key == "models" ? row.models_json : row.tags_json) = json::serialize(v);
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
    } else if (std::find(std::begin(later), std::end(later), key) != std::end(later)) {
      return error_answer(400, key + ": budgets, rate limits and guardrails on keys are not supported by this build yet",
                          "unsupported_field", key);
    } else {
      return bad("unknown field");
    }
  }
  return std::nullopt;
}

json::value nullable(const std::string& s) { return s.empty() ? json::value(nullptr) : json::value(s); }

json::object key_json(const store::KeyRow& r, double spend) {
  json::object o;
  o["id"] = r.id;
  o["object"] = "key";
  o["alias"] = nullable(r.alias);
  o["team_id"] = nullable(r.team_id);
  o["user_id"] = nullable(r.user_id);
  o["models"] = json::parse(r.models_json);
  o["tags"] = json::parse(r.tags_json);
  o["metadata"] = json::parse(r.metadata_json);
  o["blocked"] = r.blocked;
  o["expires_at"] = r.expires_at_us ? json::value(filters::logging::format_time(*r.expires_at_us)) : json::value(nullptr);
  o["key_prefix"] = r.prefix;
  o["created_at"] = filters::logging::format_time(r.created_us);
  o["updated_at"] = filters::logging::format_time(r.updated_us);
  o["revoked_at"] = r.revoked_us ? json::value(filters::logging::format_time(*r.revoked_us)) : json::value(nullptr);
  o["spend_usd"] = spend;
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
  row.hash = filters::sha256_hex(secret);
  row.prefix = secret.substr(0, 7);
  return secret;
}

// Everything after the request was checked: on the admin thread.
Answer run_on_store(const std::string& method, const std::string& id, const std::string& action,
                    const std::optional<json::object>& body) {
  filters::KeyDirectory* dir = filters::KeyDirectory::running();
  if (!dir) return error_answer(503, "the key store is not available", "store_unavailable");
  store::KeyStore& ks = dir->store();
  std::string error;
  const int64_t now = now_us();
  auto stored = [&](bool ok, const store::KeyRow& row) -> std::optional<Answer> {
    if (ok) {
      if (!dir->reload(error)) return error_answer(503, "the key store is not available: " + error, "store_unavailable");
      return std::nullopt;
    }
    if (error == "alias")
      return error_answer(400, "alias: '" + row.alias + "' is already used by another key", "duplicate_alias", "alias");
    return error_answer(503, "the key store is not available: " + error, "store_unavailable");
  };

  if (id.empty() && method == "GET") {
    std::vector<store::KeyRow> rows;
    if (!ks.list(rows, error)) return error_answer(503, "the key store is not available: " + error, "store_unavailable");
    json::array data;
    for (const auto& r : rows) data.push_back(key_json(r, ks.spend_usd(r.id)));
    return {200, json::serialize(json::object{{"object", "list"}, {"data", std::move(data)}})};
  }
  if (id.empty()) {  // POST: create
    store::KeyRow row;
    row.id = new_key_id();
    row.created_us = row.updated_us = now;
    if (auto e = apply_fields(*body, row)) return *e;
    const std::string secret = rotate_secret(row, 0, now);
    if (auto e = stored(ks.insert(row, error), row)) return *e;
    json::object o = key_json(row, 0);
    o["key"] = secret;  // shown once: only its hash is kept
    return {201, json::serialize(o)};
  }
  std::optional<store::KeyRow> row = ks.get(id, error);
  if (!row && !error.empty()) return error_answer(503, "the key store is not available: " + error, "store_unavailable");
  if (!row) return error_answer(404, "No key with id '" + id + "'", "key_not_found");
  if (method == "GET") return {200, json::serialize(key_json(*row, ks.spend_usd(id)))};
  if (row->revoked_us) return error_answer(409, "The key '" + id + "' is revoked", "key_revoked");
  row->updated_us = now;
  if (method == "DELETE") {
    row->revoked_us = now;
    if (auto e = stored(ks.update(*row, error), *row)) return *e;
    return {200, json::serialize(key_json(*row, ks.spend_usd(id)))};
  }
  if (action == "rotate") {
    int64_t grace = 0;
    if (body) {
      for (const auto& [k, v] : *body) {
        if (k != "grace_period_s")
          return error_answer(400, std::string(k) + ": unknown field", "invalid_request", std::string(k));
        if (!v.is_int64() && !v.is_uint64()) return error_answer(400, "grace_period_s: expected whole seconds", "invalid_request", "grace_period_s");
        grace = v.to_number<int64_t>();
        if (grace < 0 || grace > 30 * 86400)
          return error_answer(400, "grace_period_s: expected 0 to 2592000 (30 days)", "invalid_request", "grace_period_s");
      }
    }
    const std::string secret = rotate_secret(*row, grace, now);
    if (auto e = stored(ks.update(*row, error), *row)) return *e;
    json::object o = key_json(*row, ks.spend_usd(id));
    o["key"] = secret;
    return {200, json::serialize(o)};
  }
  // PATCH
  if (auto e = apply_fields(*body, *row)) return *e;
  if (auto e = stored(ks.update(*row, error), *row)) return *e;
  return {200, json::serialize(key_json(*row, ks.spend_usd(id)))};
}

}  // namespace

boost::asio::awaitable<void> Gateway::admin_keys(pipeline::RequestContext& ctx) const {
  providers::Exchange& ex = ctx.ex;
  if (std::optional<ApiError> refused = admin_refusal(ctx)) {
    co_await send_error(ex, *refused);
    co_return;
  }
  // /admin/keys, /admin/keys/{id}, /admin/keys/{id}/rotate
  std::string_view rest = ctx.request.path().substr(std::string_view("/admin/keys").size());
  if (!rest.empty()) rest.remove_prefix(1);
  std::string id(rest.substr(0, rest.find('/')));
  std::string action(rest.find('/') == std::string_view::npos ? std::string_view() : rest.substr(rest.find('/') + 1));
  const std::string method = ctx.request.method == "HEAD" ? "GET" : ctx.request.method;
  std::optional<ApiError> refusal;
  if (!action.empty() && (action != "rotate" || method != "POST"))
    refusal = make_error(404, "Unknown request URL: " + method + " " + std::string(ctx.request.path()), "unknown_url");
  else if (action.empty() && !id.empty() && method != "GET" && method != "PATCH" && method != "DELETE")
    refusal = make_error(405, "Method " + method + " is not allowed on /admin/keys/{id}", "method_not_allowed");
  std::optional<json::object> body;
  const bool wants_body = (id.empty() && method == "POST") || method == "PATCH" || action == "rotate";
  if (!refusal && wants_body && !(action == "rotate" && ctx.request.body.empty())) {
    boost::system::error_code ec;
    json::value v = json::parse(ctx.request.body, ec);
    if (ec) refusal = make_error(400, "request body is not valid JSON: " + ec.message(), "invalid_json");
    else if (!v.is_object()) refusal = make_error(400, "request body must be a JSON object", "invalid_json");
    else body = std::move(v.as_object());
  }
  if (refusal) {
    co_await send_error(ex, *refusal);
    co_return;
  }
  auto run = [method, id, action, body]() -> boost::asio::awaitable<Answer> {
    co_return run_on_store(method, id, action, body);
  };
  boost::asio::thread_pool& pool = admin_pool();
  auto on_pool = boost::asio::co_spawn(pool, run, boost::asio::use_awaitable);
  Answer answer = co_await std::move(on_pool);
  http::Response r;
  r.status = answer.status;
  r.headers = ex.response_headers;
  r.body = std::move(answer.body);
  co_await ex.out.send(std::move(r));
}

}  // namespace torii::app
