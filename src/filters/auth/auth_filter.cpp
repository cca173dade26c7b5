#include "filters/auth/auth_filter.hpp"

#include "pipeline/filter_chain.hpp"
#include "pipeline/request_context.hpp"

namespace torii::filters {

std::optional<ApiError> AuthFilter::on_request(pipeline::RequestContext& ctx) const {
  const http::Headers& headers = ctx.request.headers;
  int matched = keys_.match(headers);
  if (matched >= 0) {
    // Keys are named by position, never by value: the id is safe to log.
    ctx.key_id = "static-" + std::to_string(matched);
    return std::nullopt;
  }
  const bool none = KeyAuth::presented_key(headers).empty();
  if (ctx.surface == pipeline::Surface::anthropic)
    return make_error(401, none ? "x-api-key header is required" : "invalid x-api-key");
  return make_error(401,
                    none ? "Missing API key: send it as 'Authorization: Bearer KEY' or 'x-api-key: KEY'"
                         : "Incorrect API key provided",
                    "invalid_api_key");
}

// Registered by the generated filter_registrations.cpp (this folder's name).
void register_auth(pipeline::FilterRegistry& registry) {
  registry.add({"auth", 100, [](const Config& config, size_t index) -> std::unique_ptr<pipeline::Filter> {
                  // Open only when neither auth nor admin is configured.
                  if (!config.auth_enabled && !config.admin_enabled) return nullptr;
                  return std::make_unique<AuthFilter>(config.auth_keys, index);
                }});
}

}  // namespace torii::filters
