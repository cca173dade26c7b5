#include "surfaces/openai_api.hpp"

#include <optional>

#include <boost/json.hpp>

#include "llm/json_scan.hpp"
#include "surfaces/internal_calls.hpp"
#include "surfaces/model_access.hpp"

namespace torii::surfaces {

using providers::Exchange;

namespace {

// Checks the body and resolves its model; an error to answer, or nothing.
// Not a coroutine: the errors are built here, never inside a co_await operand.
std::optional<ApiError> decode(const routing::ModelTable& models, const http::Headers& headers,
                               const providers::Caller& caller, providers::Endpoint endpoint, const llm::RequestScan& scan, routing::Model& direct,
                               const routing::Model*& model) {
  if (!scan.valid) return make_error(400, "request body is not valid JSON: " + scan.error, "invalid_json");
  if (!scan.is_object) return make_error(400, "request body must be a JSON object", "invalid_json");
  if (!scan.has_model || !scan.model_is_string || scan.model.empty())
    return make_error(400, "you must provide a model parameter (a non-empty string)", "missing_required_parameter",
                      "model");
  if (!routing::acceptable_model_name(scan.model))
    return make_error(400, "model: the name must be at most 256 bytes without control characters",
                      "invalid_model_name", "model");
  model = models.resolve(headers, scan.model, direct, caller);
  if (!model)
    return make_error(404, "The model '" + scan.model + "' does not exist or is not configured", "model_not_found",
                      "model");
  if (!routing::serves(*model, endpoint)) {
    std::string served = routing::served_endpoints(*model);
    return make_error(400,
                      "The model '" + scan.model + "' cannot serve /v1" + std::string(providers::endpoint_path(endpoint)) +
                          (served.empty() ? std::string() : "; it serves " + served),
                      "unsupported_endpoint", "model");
  }
  return std::nullopt;
}

}  // namespace

boost::asio::awaitable<void> openai_inference(routing::RouterContext& ctx, Exchange& ex,
                                              const routing::ModelTable& models, const http::Headers& headers,
                                              providers::Endpoint endpoint, std::string body) {
  llm::RequestScan scan = llm::scan_request(body);
  routing::Model direct;
  const routing::Model* model = nullptr;
  if (std::optional<ApiError> error = decode(models, headers, ex.caller, endpoint, scan, direct, model)) {
    co_await send_error(ex, *error);
    co_return;
  }
  // Known from here on, for the log and the metrics of a request refused before routing.
  ex.route.model = model->name;
  const pipeline::Admission admission = admission_for(*model, scan, body.size(), endpoint != providers::Endpoint::embeddings);
  std::optional<ApiError> refused = admission_refusal(ex, admission);
  if (!refused && ex.gate && ex.gate->admits_async()) {
    auto admitting = ex.gate->admit_async(admission);
    refused = co_await std::move(admitting);
  }
  if (refused) {
    co_await send_error(ex, *refused);
    co_return;
  }
  if (ex.gate && ex.gate->inspects_input()) {
    pipeline::Input input{model, endpoint, body};
    auto inspecting = inspected_input(ex, input);
    std::optional<ApiError> blocked = co_await std::move(inspecting);
    if (blocked) {
      co_await send_error(ex, *blocked);
      co_return;
    }
    if (input.changed) scan = llm::scan_request(body);  // its spans pointed into the old body
  }
  if (!scan.user_token.empty()) ex.route.body_user = llm::body_user(body, scan);
  const bool stream = scan.stream && endpoint != providers::Endpoint::embeddings;
  if (ex.gate && ex.gate->looks_up()) {
    const InternalRouter calls(ctx, models);
    auto serving = served_locally(ex, pipeline::Lookup{model, endpoint, body, stream, &calls});
    const bool answered = co_await std::move(serving);
    if (answered) co_return;
  }
  routing::RouteInput in;
  in.model = model;
  in.endpoint = endpoint;
  in.scan = &scan;
  in.body = std::make_shared<const std::string>(std::move(body));
  in.stream = stream;
  co_await routing::route_request(ctx, ex, std::move(in));
}

namespace {

boost::json::object model_object(std::string_view name, bool anthropic) {
  if (anthropic)
    return {{"type", "model"}, {"id", name}, {"display_name", name}, {"created_at", "1970-01-01T00:00:00Z"}};
  return {{"id", name}, {"object", "model"}, {"created", 0}, {"owned_by", "torii"}};
}

}  // namespace

std::string anthropic_models_body(const routing::ModelTable& models, const providers::Exchange* caller) {
  boost::json::array data;
  for (const auto& name : models.model_names())
    if (!caller || models_allowed(*caller, name)) data.push_back(model_object(name, true));
  boost::json::object root;
  root["first_id"] = data.empty() ? boost::json::value(nullptr) : data.front().at("id");
  root["last_id"] = data.empty() ? boost::json::value(nullptr) : data.back().at("id");
  root["has_more"] = false;
  root["data"] = std::move(data);
  return boost::json::serialize(root);
}

std::string model_object_body(const routing::ModelTable& models, const providers::Exchange& caller, std::string_view id,
                              bool anthropic) {
  for (const auto& name : models.model_names())
    if (name == id && models_allowed(caller, name)) return boost::json::serialize(model_object(name, anthropic));
  return "";
}

std::string openai_models_body(const routing::ModelTable& models, const providers::Exchange* caller) {
  boost::json::array data;
  for (const auto& name : models.model_names())
    if (!caller || models_allowed(*caller, name)) data.push_back(model_object(name, false));
  boost::json::object root;
  root["object"] = "list";
  root["data"] = std::move(data);
  return boost::json::serialize(root);
}

}  // namespace torii::surfaces
