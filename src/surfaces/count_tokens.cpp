#include "surfaces/count_tokens.hpp"

#include <boost/json.hpp>

#include "llm/anthropic_format.hpp"
#include "llm/json_dom.hpp"
#include "llm/json_get.hpp"
#include "llm/json_scan.hpp"
#include "providers/answers.hpp"
#include "providers/family.hpp"
#include "providers/usage_meter.hpp"
#include "surfaces/model_access.hpp"

namespace torii::surfaces {

namespace json = boost::json;
using providers::Exchange;

namespace {

constexpr std::chrono::milliseconds kCountTimeout{30'000};

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

boost::asio::awaitable<void> estimate(Exchange& ex, const json::object& body) {
  ex.response_headers.add("x-torii-token-count", "estimated");
  std::string out = json::serialize(json::object{{"input_tokens", estimated_input_tokens(body)}});
  co_await answer(ex, 200, std::move(out), "application/json");
}

http::UpstreamRequest count_request(const Exchange& ex, const providers::Provider& p) {
  http::UpstreamRequest up;
  up.origin = &p.origin;
  up.fixed_headers = p.header_block;
  up.headers.add("Accept", "application/json");
  up.headers.add("x-request-id", ex.request_id);
  up.connect_timeout = p.connect_timeout;
  up.total_timeout = kCountTimeout;
  return up;
}

// An Anthropic upstream answers for itself: its answer, errors included,
// goes back as it is.
boost::asio::awaitable<void> counted_by_anthropic(Exchange& ex, const routing::Target& t, const http::Headers& headers,
                                                  const std::string& body, const llm::RequestScan& scan) {
  const providers::Provider& p = *t.provider;
  ex.route.provider = p.name;
  ex.route.upstream_model = t.model;
  const std::string sent = scan.model == t.model ? body : llm::replace_model(body, scan, t.model);
  http::UpstreamRequest up = count_request(ex, p);
  up.target = p.origin.path + "/v1/messages/count_tokens";
  const std::string* version = headers.find("anthropic-version");
  up.headers.add("anthropic-version", version ? *version : std::string("2023-06-01"));
  if (const std::string* beta = headers.find("anthropic-beta")) up.headers.add("anthropic-beta", *beta);
  up.body = sent;
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
  ex.response_headers.add("x-torii-model", t.model);
  std::string content_type(resp->headers().get("content-type"));
  if (content_type.empty()) content_type = "application/json";
  const int status = resp->status();
  co_await answer(ex, status, std::move(text), content_type);
}

// Another family counts the prompt translated as a Messages request to it
// would be (a prompt it cannot take is the same 400). The count is advisory,
// so when the upstream cannot give one (down, an error, a model that does
// not count) the answer is the estimate, marked as such.
boost::asio::awaitable<void> counted_by_family(Exchange& ex, const routing::Target& t, const json::object& body) {
  const providers::Provider& p = *t.provider;
  std::string error;
  json::object chat = llm::anthropic_to_openai_request(body, error);
  std::string sent;
  http::UpstreamRequest up = count_request(ex, p);
  if (error.empty()) p.family->counter->request(p, t.model, chat, sent, up, error);
  if (!error.empty()) {
    const ApiError refused = make_error(400, error);
    co_await send_error(ex, refused);
    co_return;
  }
  up.body = sent;
  http::UpstreamError err;
  auto sending = ex.client.send(up, err);
  std::unique_ptr<http::UpstreamResponse> resp = co_await std::move(sending);
  std::optional<int64_t> counted;
  if (resp) {
    std::string text;
    auto reading = resp->read_all(text, providers::kMaxErrorBody, err);
    const bool complete = co_await std::move(reading);
    if (complete && resp->status() == 200) counted = p.family->counter->read(text);
  }
  if (!counted) {
    co_await estimate(ex, body);
    co_return;
  }
  ex.route.provider = p.name;
  ex.route.upstream_model = t.model;
  ex.response_headers.add("x-torii-provider", p.name);
  ex.response_headers.add("x-torii-model", t.model);
  std::string out = json::serialize(json::object{{"input_tokens", *counted}});
  co_await answer(ex, 200, std::move(out), "application/json");
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
  // The first target that can count asks its upstream: an Anthropic one
  // counts the body as sent, one whose family has a counter the prompt
  // translated. Without one, Torii estimates.
  const routing::Target* counter = nullptr;
  for (const auto& t : model->targets)
    if (t.provider->forwards_as_is(providers::WireFormat::anthropic) || t.provider->family->counter) {
      counter = &t;
      break;
    }
  const json::object& prompt = parsed.get_object();
  if (!counter) {
    co_await estimate(ex, prompt);
  } else if (counter->provider->forwards_as_is(providers::WireFormat::anthropic)) {
    co_await counted_by_anthropic(ex, *counter, headers, body, scan);
  } else {
    co_await counted_by_family(ex, *counter, prompt);
  }
}

}  // namespace torii::surfaces
