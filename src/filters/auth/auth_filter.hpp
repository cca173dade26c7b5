#pragma once
// The first filter: every inference request (and /v1/models) must present a
// gateway key once `auth`, `keys` or `admin` is configured. Keys are tried
// in this order: `auth.keys` (plain secrets), `keys:` (declared virtual
// keys), then the store's virtual keys. One 401 path for every surface, in
// the surface's shape.
#include "filters/auth/key_auth.hpp"
#include "filters/auth/static_keys.hpp"
#include "pipeline/filter.hpp"

namespace torii::filters {

class AuthFilter final : public pipeline::Filter {
 public:
  AuthFilter(const std::vector<std::string>& keys, StaticKeyTable declared, size_t index)
      : keys_(true, keys), declared_(std::move(declared)), index_(index) {}
  std::string_view name() const override { return "auth"; }
  std::optional<ApiError> on_request(pipeline::RequestContext& ctx) const override;

 private:
  // Takes `key` as the request's caller, or says why it cannot be.
  std::optional<ApiError> accept(pipeline::RequestContext& ctx, std::shared_ptr<const VirtualKey> key) const;

  KeyAuth keys_;
  StaticKeyTable declared_;
  size_t index_;
};

}  // namespace torii::filters
