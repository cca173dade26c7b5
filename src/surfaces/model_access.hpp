#pragma once
// What is checked once a request's model is resolved, so that it holds for
// every way of naming a model (configured names, routes, provider/model):
// the allow-lists of the key, its user and its team, then the filters'
// admission (rate limits, budgets), which need to know what it may cost.
#include <optional>

#include "core/errors.hpp"
#include "filters/auth/virtual_keys.hpp"
#include "llm/chat_asks.hpp"
#include "llm/json_scan.hpp"
#include "pipeline/admission.hpp"
#include "providers/exchange.hpp"
#include "routing/model_table.hpp"

namespace torii::surfaces {

inline bool models_allowed(const providers::Exchange& ex, std::string_view model, int* refused_by = nullptr) {
  for (int level = 0; level < 3; ++level)
    if (ex.allowed_models[level] && !filters::model_allowed(*ex.allowed_models[level], model)) {
      if (refused_by) *refused_by = level;
      return false;
    }
  return true;
}

// What the metering filters need to know of a request to admit it.
inline pipeline::Admission admission_for(const routing::Model& model, const llm::RequestScan& scan, uint64_t body_bytes,
                                         bool produces_output) {
  pipeline::Admission a;
  a.model = &model;
  a.body_bytes = body_bytes;
  a.produces_output = produces_output;
  a.max_output_tokens = scan.max_output_tokens;
  a.choices = std::max<int64_t>(1, scan.choices);
  a.thinking_tokens = llm::thinking_budget(scan.reasoning_effort);
  return a;
}

// The allow-lists, then the filters that decide at once; the surface then
// awaits the gate's admit_async when admits_async() (a shared store).
inline std::optional<ApiError> admission_refusal(const providers::Exchange& ex, const pipeline::Admission& a) {
  static constexpr const char* kLevels[] = {"API key", "API key's user", "API key's team"};
  int level = 0;
  if (!models_allowed(ex, a.model->name, &level))
    return make_error(403, "The model '" + a.model->name + "' is not allowed for this " + kLevels[level],
                      "model_not_allowed", "model");
  if (!ex.gate) return std::nullopt;
  return ex.gate->admit(a);
}

// The input filters' verdict on the admitted body (guardrails): an error to
// answer, or nothing; they may have rewritten it (`input.changed`).
inline boost::asio::awaitable<std::optional<ApiError>> inspected_input(const providers::Exchange& ex,
                                                                       pipeline::Input& input) {
  std::optional<ApiError> blocked = ex.gate->inspect_input(input);
  if (!blocked && ex.gate->inspects_input_async()) {
    auto inspecting = ex.gate->inspect_input_async(input);
    blocked = co_await std::move(inspecting);
  }
  co_return blocked;
}

// Whether a filter (the cache) answered the admitted request itself.
inline boost::asio::awaitable<bool> served_locally(const providers::Exchange& ex, pipeline::Lookup lookup) {
  if (!ex.gate || !ex.gate->looks_up()) co_return false;
  auto serving = ex.gate->serve_locally(lookup);
  co_return co_await std::move(serving);
}

}  // namespace torii::surfaces
