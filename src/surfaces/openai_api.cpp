#include "surfaces/openai_api.hpp"

#include <boost/json.hpp>

#include "llm/json_scan.hpp"

namespace torii::surfaces {

using providers::Exchange;

boost::asio::awaitable<void> openai_inference(routing::RouterContext& ctx, Exchange& ex,
                                              const routing::ModelTable& models, const http::Headers& headers,
                                              providers::Endpoint endpoint, std::string body) {
  llm::RequestScan scan = llm::scan_request(body);
  if (!scan.valid) {
    co_await send_error(ex, make_error(400, "request body is not valid JSON: " + scan.error, "invalid_json"));
    co_return;
  }
  if (!scan.is_object) {
    co_await send_error(ex, make_error(400, "request body must be a JSON object", "invalid_json"));
    co_return;
  }
  if (!scan.has_model || !scan.model_is_string || scan.model.empty()) {
    co_await send_error(ex, make_error(400, "you must provide a model parameter (a non-empty string)",
                                       "missing_required_parameter", "model"));
    co_return;
  }
  routing::Model direct;
  const routing::Model* model = models.route(headers, scan.model);
  if (!model) model = models.find(scan.model);
  if (!model && models.direct(scan.model, direct)) model = &direct;
  if (!model) {
    co_await send_error(ex, make_error(404, "The model '" + scan.model + "' does not exist or is not configured",
                                       "model_not_found", "model"));
    co_return;
  }
  routing::RouteInput in;
  in.model = model;
  in.endpoint = endpoint;
  in.scan = &scan;
  in.body = std::make_shared<const std::string>(std::move(body));
  in.stream = scan.stream && endpoint != providers::Endpoint::embeddings;
  co_await routing::route_request(ctx, ex, std::move(in));
}

std::string openai_models_body(const routing::ModelTable& models) {
  boost::json::array data;
  for (const auto& name : models.model_names()) {
    boost::json::object m;
    m["id"] = name;
    m["object"] = "model";
    m["created"] = 0;
    m["owned_by"] = "torii";
    data.push_back(std::move(m));
  }
  boost::json::object root;
  root["object"] = "list";
  root["data"] = std::move(data);
  return boost::json::serialize(root);
}

}  // namespace torii::surfaces
