#pragma once
// The first filter: every inference request (and /v1/models) must present a
// gateway key once `auth` is configured. One 401 path for every surface, in
// the surface's shape.
#include "filters/auth/key_auth.hpp"
#include "pipeline/filter.hpp"

namespace torii::filters {

class AuthFilter final : public pipeline::Filter {
 public:
  AuthFilter(const std::vector<std::string>& keys, size_t index) : keys_(true, keys), index_(index) {}
  std::string_view name() const override { return "auth"; }
  std::optional<ApiError> on_request(pipeline::RequestContext& ctx) const override;

 private:
  KeyAuth keys_;
  size_t index_;
};

}  // namespace torii::filters
