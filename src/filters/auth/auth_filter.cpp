#include "filters/auth/auth_filter.hpp"

#include <boost/json.hpp>

#include "config/reader.hpp"
#include "config/section.hpp"
#include "filters/auth/auth_section.hpp"
#include "filters/auth/virtual_keys.hpp"

#include <chrono>
#include "pipeline/filter_chain.hpp"
#include "pipeline/request_context.hpp"

namespace torii::filters {

namespace {

// Keeps the request's virtual key (and so its allow-list) alive.
struct AuthState final : pipeline::FilterState {
  std::shared_ptr<const VirtualKey> key;
};

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::optional<ApiError> AuthFilter::on_request(pipeline::RequestContext& ctx) const {
  const http::Headers& headers = ctx.request.headers;
  int matched = keys_.match(headers);
  if (matched >= 0) {
    // Keys are named by position, never by value: the id is safe to log.
    ctx.key_id = "static-" + std::to_string(matched);
    return std::nullopt;
  }
  const std::string_view presented = KeyAuth::presented_key(headers);
  if (presented.starts_with("tk-")) {
    if (KeyDirectory* directory = KeyDirectory::running()) {
      const char* why = "unknown";
      if (auto key = directory->find(presented, now_us(), why)) {
        ctx.key_id = key->id;
        ctx.key_alias = key->alias;
        ctx.team_id = key->team_id;
        ctx.key_user_id = key->user_id;
        if (!key->models.empty()) ctx.ex.allowed_models = &key->models;
        ctx.state_of<AuthState>(index_).key = std::move(key);
        return std::nullopt;
      }
      // Expired, blocked and rotated-out keys say so; unknown ones do not.
      if (std::string_view(why) != "unknown") {
        const std::string message = std::string("This API key is ") + why +
                                    (std::string_view(why) == "rotated" ? " out (its grace period is over)" : "");
        if (ctx.surface == pipeline::Surface::anthropic) return make_error(401, message);
        return make_error(401, message, "invalid_api_key");
      }
    }
  }
  const bool none = presented.empty();
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
