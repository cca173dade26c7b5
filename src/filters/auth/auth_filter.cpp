#include "filters/auth/auth_filter.hpp"

#include <boost/json.hpp>

#include "config/reader.hpp"
#include "config/section.hpp"
#include "filters/auth/auth_section.hpp"
#include "filters/auth/virtual_keys.hpp"

#include "core/clock.hpp"
#include "core/hex.hpp"
#include <tuple>
#include "pipeline/filter_chain.hpp"
#include "pipeline/request_context.hpp"

namespace torii::filters {

namespace {

// Keeps the request's key, user and team (their allow-lists, principals) alive.
struct AuthState final : pipeline::FilterState {
  std::shared_ptr<const VirtualKey> key;
  std::shared_ptr<const governance::Principal> user, team;
};

ApiError refusal(const pipeline::RequestContext& ctx, const std::string& message) {
  if (ctx.surface == pipeline::Surface::anthropic) return make_error(401, message);
  return make_error(401, message, "invalid_api_key");
}

}  // namespace

std::optional<ApiError> AuthFilter::accept(pipeline::RequestContext& ctx, std::shared_ptr<const VirtualKey> key) const {
  AuthState& state = ctx.state_of<AuthState>(index_);
  state.user = key->user;
  state.team = key->team;
  // Declared keys name their team and user by id: found in the store's table.
  KeyDirectory* directory = KeyDirectory::running();
  for (auto [id, held, level] : {std::tuple{&key->team_id, &state.team, "team"},
                                 std::tuple{&key->user_id, &state.user, "user"}}) {
    if (id->empty() || !directory) continue;
    const Member* m = level[0] == 't' ? directory->team(*id) : directory->user(*id);
    if (!m) continue;
    if (m->blocked) return refusal(ctx, std::string("This API key's ") + level + " is blocked");
    if (!*held) *held = m->principal;
  }
  ctx.key_id = key->id;
  ctx.key_alias = key->alias;
  ctx.team_id = key->team_id;
  ctx.key_user_id = key->user_id;
  const governance::Principal* levels[3] = {key->principal.get(), state.user.get(), state.team.get()};
  for (int l = 0; l < 3; ++l) {
    ctx.principals[l] = levels[l];
    if (levels[l] && !levels[l]->policy.models.empty()) ctx.ex.allowed_models[l] = &levels[l]->policy.models;
  }
  ctx.ex.caller.team_id = key->team_id;
  if (state.team) ctx.ex.caller.team_name = state.team->label;
  ctx.ex.caller.key_tags = &key->tags;
  state.key = std::move(key);
  return std::nullopt;
}

std::optional<ApiError> AuthFilter::on_request(pipeline::RequestContext& ctx) const {
  const http::Headers& headers = ctx.request.headers;
  int matched = keys_.match(headers);
  if (matched >= 0) {
    // Keys are named by position, never by value: the id is safe to log.
    ctx.key_id = "static-" + std::to_string(matched);
    return std::nullopt;
  }
  const std::string_view presented = KeyAuth::presented_key(headers);
  const int64_t now = core::unix_now_us();
  KeyDirectory* directory = presented.starts_with("tk-") ? KeyDirectory::running() : nullptr;
  // Both tables are keyed by the secret's SHA-256: computed once.
  const std::string hash =
      !presented.empty() && (!declared_.empty() || directory) ? core::sha256_hex(presented) : std::string();
  if (!hash.empty() && !declared_.empty()) {
    if (auto it = declared_.find(hash); it != declared_.end()) {
      const VirtualKey& k = *it->second;
      if (k.blocked) return refusal(ctx, "This API key is blocked");
      if (k.expires_at_us && now >= *k.expires_at_us) return refusal(ctx, "This API key is expired");
      return accept(ctx, it->second);
    }
  }
  if (directory) {
    const char* why = "unknown";
    if (auto key = directory->find(hash, now, why)) return accept(ctx, std::move(key));
    // Expired, blocked and rotated-out keys say so; unknown ones do not.
    if (std::string_view(why) != "unknown")
      return refusal(ctx, std::string("This API key is ") + why +
                              (std::string_view(why) == "rotated" ? " out (its grace period is over)" : ""));
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
  registry.add_section({"keys", parse_static_keys, describe_static_keys});
  registry.add({"auth", 100, [](const Config& config, size_t index) -> std::unique_ptr<pipeline::Filter> {
                  // Open only when none of auth, keys and admin is configured.
                  const AuthSection* auth = auth_section(config);
                  const StaticKeysSection* declared = static_keys_section(config);
                  if (!auth && !declared && !config.admin_enabled) return nullptr;
                  static const std::vector<std::string> none;
                  return std::make_unique<AuthFilter>(auth ? auth->keys : none,
                                                      declared ? build_static_keys(*declared) : StaticKeyTable{},
                                                      index);
                }});
}

}  // namespace torii::filters
