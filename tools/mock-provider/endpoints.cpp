#include "endpoints.hpp"

namespace torii::mock_server {

namespace {

Api post_api(std::string_view rest) {
  if (rest == "/chat/completions") return Api::chat;
  if (rest == "/completions") return Api::completions;
  if (rest == "/embeddings") return Api::embeddings;
  return Api::unknown;
}

}  // namespace

Endpoint resolve(std::string_view path) {
  if (path.size() > 1 && path.ends_with('/')) path.remove_suffix(1);
  Endpoint ep;
  if (path.starts_with("/v1/")) {
    std::string_view rest = path.substr(3);
    if (rest == "/models") {
      ep.api = Api::models;
      ep.method = "GET";
    } else if (rest.starts_with("/models/") && rest.size() > 8) {
      ep.api = Api::model;
      ep.method = "GET";
      ep.model_id = std::string(rest.substr(8));
    } else {
      ep.api = post_api(rest);
    }
    return ep;
  }
  constexpr std::string_view kAzure = "/openai/deployments/";
  if (path.starts_with(kAzure)) {
    std::string_view rest = path.substr(kAzure.size());
    size_t slash = rest.find('/');
    if (slash == 0 || slash == std::string_view::npos) return ep;
    ep.api = post_api(rest.substr(slash));
    ep.azure = true;
    ep.deployment = std::string(rest.substr(0, slash));
  }
  return ep;
}

std::optional<std::string_view> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

}  // namespace torii::mock_server
