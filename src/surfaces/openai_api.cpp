#include "surfaces/openai_api.hpp"

#include <boost/json.hpp>

#include "llm/json_scan.hpp"
#include "providers/mock/mock_provider.hpp"
#include "providers/openai/passthrough.hpp"

namespace torii::surfaces {

using providers::Exchange;

boost::asio::awaitable<void> openai_inference(Exchange& ex, const routing::ModelTable& models,
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
  routing::Target target;
  if (!models.resolve(scan.model, target)) {
    co_await send_error(ex, make_error(404, "The model '" + scan.model + "' does not exist or is not configured",
                                       "model_not_found", "model"));
    co_return;
  }
  const providers::Provider& provider = *target.provider;
  if (!provider.supports(endpoint)) {
    co_await send_error(ex, make_error(501, "provider '" + provider.name + "' (type " + provider.type +
                                                ") cannot serve this endpoint in this build",
                                       "provider_not_supported"));
    co_return;
  }
  ex.response_headers.add("x-torii-provider", provider.name);
  ex.response_headers.add("x-torii-model", target.model);

  if (provider.kind == providers::Kind::mock) {
    co_await providers::serve_mock(ex, target.model, endpoint, body, scan.stream);
    co_return;
  }
  // Only the model value changes; every other byte goes upstream as sent.
  if (scan.model != target.model) body = llm::replace_model(body, scan, target.model);
  co_await providers::passthrough(ex, provider, target.model, endpoint, std::move(body), scan.stream);
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
