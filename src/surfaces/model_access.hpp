#pragma once
// A key's model allow-list, applied once the model is resolved, so it holds
// for every way of naming a model (configured names, routes, provider/model).
#include <optional>

#include "core/errors.hpp"
#include "filters/auth/virtual_keys.hpp"
#include "providers/exchange.hpp"
#include "routing/model_table.hpp"

namespace torii::surfaces {

inline std::optional<ApiError> model_refusal(const providers::Exchange& ex, const routing::Model& model) {
  if (!ex.allowed_models || filters::model_allowed(*ex.allowed_models, model.name)) return std::nullopt;
  return make_error(403, "The model '" + model.name + "' is not allowed for this API key", "model_not_allowed", "model");
}

}  // namespace torii::surfaces
