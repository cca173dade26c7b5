#include "filters/auth/auth_filter.hpp"

#include <boost/json.hpp>

#include "config/reader.hpp"
#include "config/section.hpp"
#include "filters/auth/auth_section.hpp"
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
  registry.add_section({"auth", [](config::Reader& reader, const config::Field& field) -> std::any {
                          AuthSection section;
                          reader.key_list_section(field, section.keys);
                          return section;
                        },
                        [](const std::any& v) {
                          const auto& s = std::any_cast<const AuthSection&>(v);
                          boost::json::array keys;
                          for (const auto& k : s.keys) keys.emplace_back(config::mask_secret(k));
                          return boost::json::serialize(boost::json::object{{"keys", std::move(keys)}});
                        }});
  registry.add({"auth", 100, [](const Config& config, size_t index) -> std::unique_ptr<pipeline::Filter> {
                  // Open only when neither auth nor admin is configured.
                  const AuthSection* auth = auth_section(config);
                  if (!auth && !config.admin_enabled) return nullptr;
                  static const std::vector<std::string> none;
                  return std::make_unique<AuthFilter>(auth ? auth->keys : none, index);
                }});
}

}  // namespace torii::filters
