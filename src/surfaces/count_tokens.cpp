#include "surfaces/count_tokens.hpp"

#include <boost/json.hpp>

#include "llm/json_dom.hpp"
#include "llm/json_get.hpp"
#include "llm/json_scan.hpp"
#include "providers/answers.hpp"
#include "providers/usage_meter.hpp"
#include "surfaces/model_access.hpp"

namespace torii::surfaces {

namespace json = boost::json;
using providers::Exchange;

namespace {

// Characters of every text the model would read: system, messages (text,
// tool calls and results), tool definitions.
size_t prompt_chars(const json::value& v) {
  if (v.is_string()) return v.get_string().size();
  size_t n = 0;
  if (v.is_array())
    for (const auto& x : v.get_array()) n += prompt_chars(x);
  if (v.is_object())
    for (const auto& [k, x] : v.get_object()) {
      if (k == "type" || k == "id" || k == "tool_use_id" || k == "cache_control" || k == "source") continue;
      if (k == "input" || k == "input_schema") n += json::serialize(x).size();
      else n += prompt_chars(x);
    }
  return n;
}

int64_t estimated_input_tokens(const json::object& body) {
  size_t chars = 0;
  for (const char* k : {"system", "messages", "tools"})
    if (auto* v = body.if_contains(k)) chars += prompt_chars(*v);
  return providers::estimated_tokens(chars);
}

boost::asio::awaitable<void> answer(Exchange& ex, int status, std::string body, std::string_view content_type) {
  http::Response r;
  r.status = status;
  r.headers = std::move(ex.response_headers);
  r.content_type = std::string(content_type);
  r.body = std::move(body);
  co_await ex.out.send(std::move(r));
}

}  // namespace

boost::asio::awaitable<void> anthropic_count_tokens(Exchange& ex, const routing::ModelTable& models,
                                                    const http::Headers& headers, std::string body) {
  ex.error_body = &anthropic_error_body;
  llm::RequestScan scan = llm::scan_request(body);
  json::error_code ec;
  json::value parsed = scan.valid && scan.is_object ? llm::parse_json(body, ec) : json::value();
  std::optional<ApiError> error;
  routing::Model direct;
  const routing::Model* model = nullptr;
  if (!scan.valid || !parsed.is_object()) {
    error = make_error(400, "There was an error parsing the body of your request");
  } else if (!scan.has_model || !scan.model_is_string || scan.model.empty()) {
    error = make_error(400, "model: Field required");
  } else if (!parsed.get_object().contains("messages") || !parsed.get_object().at("messages").is_array()) {
    error = make_error(400, "messages: Input should be a valid list");
  } else if (!(model = models.resolve(headers, scan.model, direct, ex.caller))) {
    error = make_error(404, "model: " + scan.model);
  } else if (!models_allowed(ex, model->name)) {
    error = make_error(403, "The model '" + model->name + "' is not allowed for this API key", "model_not_allowed");
  }
  if (error) {
    co_await send_error(ex, *error);
    co_return;
  }
  ex.route.model = model->name;
  // An Anthropic target counts for itself; the first one configured is asked.
  const routing::Target* counter = nullptr;
  for (const auto& t : model->targets)
    if (t.provider->forwards_as_is(providers::WireFormat::anthropic)) {
      counter = &t;
      break;
    }
  if (!counter) {
    const int64_t n = estimated_input_tokens(parsed.get_object());
    ex.response_headers.add("x-torii-token-count", "estimated");
    std::string out = json::serialize(json::object{{"input_tokens", n}});
    co_await answer(ex, 200, std::move(out), "application/json");
    co_return;
  }
  const providers::Provider& p = *counter->provider;
  ex.route.provider = p.name;
  ex.route.upstream_model = counter->model;
  const std::string sent = scan.model == counter->model ? body : llm::replace_model(body, scan, counter->model);
  http::UpstreamRequest up;
  up.origin = &p.origin;
  up.target = p.origin.path + "/v1/messages/count_tokens";
  up.fixed_headers = p.header_block;
  up.headers.add("Accept", "application/json");
  up.headers.add("x-request-id", ex.request_id);
  const std::string* version = headers.find("anthropic-version");
  up.headers.add("anthropic-version", version ? *version : std::string("2023-06-01"));
  if (const std::string* beta = headers.find("anthropic-beta")) up.headers.add("anthropic-beta", *beta);
  up.body = sent;
  up.connect_timeout = p.connect_timeout;
  up.total_timeout = std::chrono::milliseconds(30'000);
  http::UpstreamError err;
  auto sending = ex.client.send(up, err);
  std::unique_ptr<http::UpstreamResponse> resp = co_await std::move(sending);
  if (!resp) {
    ApiError e = providers::transport_failure(p.name, err).error;
    co_await send_error(ex, e);
    co_return;
  }
  std::string text;
  auto reading = resp->read_all(text, providers::kMaxErrorBody, err);
  const bool complete = co_await std::move(reading);
  if (!complete) {
    ApiError e = providers::transport_failure(p.name, err).error;
    co_await send_error(ex, e);
    co_return;
  }
  ex.response_headers.add("x-torii-provider", p.name);
  ex.response_headers.add("x-torii-model", counter->model);
  std::string content_type(resp->headers().get("content-type"));
  if (content_type.empty()) content_type = "application/json";
  const int status = resp->status();
  co_await answer(ex, status, std::move(text), content_type);
}

}  // namespace torii::surfaces
