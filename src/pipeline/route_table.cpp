#include "pipeline/route_table.hpp"

namespace torii::pipeline {

RouteTable RouteTable::standard() {
  RouteTable t;
  t.add({"/health", "GET", Handler::health, Surface::probe, false});
  t.add({"/ready", "GET", Handler::ready, Surface::probe, false});
  t.add({"/admin/health", "GET", Handler::admin_health, Surface::admin, false});
  t.add({"/admin/reload", "POST", Handler::admin_reload, Surface::admin, false});
  t.add({"/admin/logs", "GET", Handler::admin_logs, Surface::admin, false});
  t.add({"/admin/logs/", "GET", Handler::admin_log, Surface::admin, false, true});
  t.add({"/admin/spend", "GET", Handler::admin_spend, Surface::admin, false});
  t.add({"/admin/config", "GET", Handler::admin_config, Surface::admin, false});
  t.add({"/admin/cache", "DELETE", Handler::admin_cache, Surface::admin, false});
  for (auto [path, handler] : {std::pair{"/admin/keys", Handler::admin_keys}, std::pair{"/admin/teams", Handler::admin_teams},
                               std::pair{"/admin/users", Handler::admin_users}}) {
    for (const char* m : {"GET", "POST"}) t.add({path, m, handler, Surface::admin, false});
    // POST on {id}: /admin/keys/{id}/rotate (refused with 404 elsewhere)
    for (const char* m : {"GET", "PATCH", "DELETE", "POST"})
      t.add({std::string(path) + "/", m, handler, Surface::admin, false, true});
  }
  t.add({"/v1/messages", "POST", Handler::messages, Surface::anthropic, true});
  t.add({"/messages", "POST", Handler::messages, Surface::anthropic, true});
  t.add({"/v1/messages/count_tokens", "POST", Handler::count_tokens, Surface::anthropic, true});
  t.add({"/messages/count_tokens", "POST", Handler::count_tokens, Surface::anthropic, true});
  // SDKs configured with a bare host call the same routes without "/v1".
  for (std::string prefix : {"/v1", ""}) {
    t.add({prefix + "/chat/completions", "POST", Handler::chat, Surface::openai, true});
    t.add({prefix + "/completions", "POST", Handler::completions, Surface::openai, true});
    t.add({prefix + "/embeddings", "POST", Handler::embeddings, Surface::openai, true});
    t.add({prefix + "/models", "GET", Handler::models, Surface::openai, true});
    t.add({prefix + "/models/", "GET", Handler::model_item, Surface::openai, true, true});
    t.add({prefix + "/responses", "POST", Handler::responses, Surface::responses, true});
    for (const char* m : {"GET", "DELETE"})
      t.add({prefix + "/responses/", m, Handler::response_item, Surface::responses, true, true});
  }
  return t;
}

RouteMatch RouteTable::match(std::string_view method, std::string_view path) const {
  RouteMatch m;
  if (path.starts_with("/v1/messages") || path.starts_with("/messages")) m.surface = Surface::anthropic;
  const std::string_view effective = method == "HEAD" ? std::string_view("GET") : method;
  for (const auto& r : routes_) {
    if (r.prefix ? !(path.size() > r.path.size() && path.starts_with(r.path)) : r.path != path) continue;
    m.path_known = true;
    m.surface = r.surface;
    if (r.method == effective) {
      m.route = &r;
      return m;
    }
    if (!m.allow.empty()) m.allow += ", ";
    m.allow += r.method;
  }
  return m;
}

}  // namespace torii::pipeline
