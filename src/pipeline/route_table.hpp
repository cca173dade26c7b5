#pragma once
// Method and path to handler: the gateway's one dispatch table. Unknown paths
// (404) and wrong methods (405 with Allow) are answered from it, once, for
// every surface.
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/request_context.hpp"

namespace torii::pipeline {

enum class Handler {
  health,
  ready,
  admin_health,
  admin_reload,
  metrics,
  admin_logs,
  admin_log,
  admin_spend,
  admin_config,
  admin_keys,
  admin_teams,
  admin_users,
  admin_cache,
  models,
  chat,
  completions,
  embeddings,
  messages,
  count_tokens,   // POST /v1/messages/count_tokens
  model_item,     // GET /v1/models/{id}
  responses,      // POST /v1/responses
  response_item,  // GET, DELETE /v1/responses/{id}; GET .../input_items
};

struct Route {
  std::string path;
  std::string method;  // GET routes also answer HEAD
  Handler handler;
  Surface surface;
  bool filtered;  // runs the filter chain (inference and /v1/models)
  bool prefix = false;  // `path` ends with '/' and matches any longer path under it
};

struct RouteMatch {
  const Route* route = nullptr;  // set when path and method match
  Surface surface = Surface::openai;  // of the path, for the shape of a 404/405
  bool path_known = false;            // false: 404; true without route: 405
  std::string allow;                  // methods the path takes, for Allow
};

class RouteTable {
 public:
  // The gateway's routes; OpenAI routes also answer without the /v1 prefix.
  static RouteTable standard();

  void add(Route r) { routes_.push_back(std::move(r)); }
  RouteMatch match(std::string_view method, std::string_view path) const;

 private:
  std::vector<Route> routes_;
};

}  // namespace torii::pipeline
