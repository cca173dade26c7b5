#include "openai_routes.hpp"

#include <algorithm>
#include <optional>

#include <boost/json.hpp>

#include "endpoints.hpp"
#include "formats/mock_formats.hpp"
#include "responses.hpp"
#include "streaming.hpp"

namespace torii::mock_server {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::string_view kModelId = "mock-1";

std::string model_object(std::string_view id) {
  return json::serialize(json::object{{"id", id}, {"object", "model"}, {"created", 1700000000}, {"owned_by", "torii-mock"}});
}

std::string model_list() {
  return R"({"object":"list","data":[)" + model_object(kModelId) + "]}";
}

// A 200 answer, shaped by the behaviour: stalled, cut short, or reset halfway.
asio::awaitable<void> send_ok(const Behaviour& b, http::ResponseWriter& w, std::string body, http::Headers headers) {
  const asio::any_io_executor& executor = w.executor();
  co_await sleep_ms(executor, b.stall_ms);
  if (b.malformed) body.resize(body.size() / 2);
  if (b.reset == ResetMode::during) {
    // The head and half the body, then a reset: a connection dying mid-answer.
    // Awaited outside the `if`: GCC 12 corrupts the coroutine frame when a
    // co_await with temporaries sits in a condition.
    bool started = co_await w.begin_stream(200, std::move(headers), "application/json");
    std::string_view half = std::string_view(body).substr(0, body.size() / 2);
    if (started) co_await w.write_chunk(half);
    w.abort();
    co_return;
  }
  auto r = json_response(200, std::move(body), std::move(headers));
  co_await w.send(std::move(r));
}

struct Parsed {
  json::object body;
  std::string model;
  bool stream = false;
};

// The request body, or the 400 to answer instead.
std::optional<http::Response> parse_body(const http::Request& req, const Endpoint& ep, const http::Headers& headers,
                                         Parsed& out) {
  boost::system::error_code ec;
  json::value v = json::parse(req.body, ec);
  if (ec)
    return error_response(400,
                          "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
                          "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "
                          "sent was not valid JSON.)",
                          "invalid_request_error", {}, {}, headers);
  if (!v.is_object())
    return error_response(400, "Invalid request body: expected a JSON object.", "invalid_request_error", {}, {},
                          headers);
  out.body = std::move(v.get_object());
  const json::value* model = out.body.if_contains("model");
  if (model && model->is_string() && !model->get_string().empty()) {
    out.model = std::string(model->get_string());
  } else if (ep.azure && (!model || model->is_null())) {
    out.model = ep.deployment;
  } else if (!model || model->is_null()) {
    return error_response(400, "you must provide a model parameter", "invalid_request_error", {}, {}, headers);
  } else {
    return error_response(400, "Invalid type for 'model': expected a non-empty string.", "invalid_request_error",
                          "model", {}, headers);
  }
  const json::value* stream = out.body.if_contains("stream");
  if (stream && !stream->is_null() && !stream->is_bool())
    return error_response(400, "Invalid type for 'stream': expected a boolean.", "invalid_request_error", "stream",
                          {}, headers);
  out.stream = stream && stream->is_bool() && stream->get_bool();
  return std::nullopt;
}

// The request fields each endpoint documents; any other is refused as
// api.openai.com refuses it.
constexpr std::string_view kChatFields[] = {
    "messages", "model", "audio", "frequency_penalty", "function_call", "functions", "logit_bias", "logprobs",
    "max_completion_tokens", "max_tokens", "metadata", "modalities", "n", "parallel_tool_calls", "prediction",
    "presence_penalty", "prompt_cache_key", "prompt_cache_retention", "reasoning_effort", "response_format",
    "safety_identifier", "seed", "service_tier", "stop", "store", "stream", "stream_options", "temperature",
    "tool_choice", "tools", "top_logprobs", "top_p", "user", "verbosity", "web_search_options"};
constexpr std::string_view kCompletionFields[] = {
    "model", "prompt", "best_of", "echo", "frequency_penalty", "logit_bias", "logprobs", "max_tokens", "n",
    "presence_penalty", "seed", "stop", "stream", "stream_options", "suffix", "temperature", "top_p", "user"};
constexpr std::string_view kEmbeddingFields[] = {"input", "model", "dimensions", "encoding_format", "user"};

std::optional<http::Response> check_fields(const json::object& body, const Endpoint& ep, const http::Headers& headers) {
  using mock::unknown_field;
  std::string_view bad = ep.api == Api::chat          ? unknown_field(body, kChatFields)
                         : ep.api == Api::completions ? unknown_field(body, kCompletionFields)
                                                      : unknown_field(body, kEmbeddingFields);
  if (bad.empty()) return std::nullopt;
  return error_response(400, "Unrecognized request argument supplied: " + std::string(bad), "invalid_request_error",
                        {}, {}, headers);
}

}  // namespace

std::optional<http::Response> check_auth(const Behaviour& b, const http::Request& req, const Endpoint& ep,
                                         const http::Headers& headers) {
  if (b.api_key.empty()) return std::nullopt;
  std::string_view presented;
  if (ep.azure) {
    presented = req.headers.get("api-key");
  } else {
    std::string_view auth = req.headers.get("authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (auth.size() > kBearer.size() && http::iequals(auth.substr(0, kBearer.size()), kBearer))
      presented = auth.substr(kBearer.size());
  }
  if (presented == b.api_key) return std::nullopt;
  std::string message = !presented.empty() ? "Incorrect API key provided."
                        : ep.azure         ? "Access denied: provide your key in the api-key header."
                                           : "You didn't provide an API key. You need to provide your API key in an "
                                             "Authorization header using Bearer auth (i.e. Authorization: Bearer "
                                             "YOUR_KEY).";
  return error_response(401, message, "invalid_request_error", {}, "invalid_api_key", headers);
}

asio::awaitable<void> serve_api(App& app, http::Request& req, http::ResponseWriter& w) {
  app.stats.record(req);
  const std::shared_ptr<const Behaviour> snapshot = app.behaviour();
  const Behaviour& b = *snapshot;
  http::Headers headers;
  headers.add("x-request-id", app.next_request_id());
  add_body_digest(headers, req);

  Endpoint ep = resolve(req.path());
  if (ep.api == Api::unknown) {
    auto r = error_response(404, "Invalid URL (" + req.method + " " + std::string(req.path()) + ")",
                            "invalid_request_error", {}, {}, std::move(headers));
    co_await w.send(std::move(r));
    co_return;
  }
  if (req.method != ep.method) {
    headers.add("Allow", std::string(ep.method));
    auto r = error_response(405, "Method " + req.method + " is not allowed on " + std::string(req.path()),
                            "invalid_request_error", {}, {}, std::move(headers));
    co_await w.send(std::move(r));
    co_return;
  }

  const asio::any_io_executor& executor = w.executor();
  co_await sleep_ms(executor, b.latency_ms);
  if (b.reset == ResetMode::before) {
    w.abort();
    co_return;
  }
  if (ep.azure) {
    auto version = query_param(req.query(), "api-version");
    if (!version || version->empty()) {
      auto r = error_response(400, "Missing required query parameter 'api-version'.", "invalid_request_error",
                              "api-version", "missing_api_version", std::move(headers));
      co_await w.send(std::move(r));
      co_return;
    }
  }
  if (auto denied = check_auth(b, req, ep, headers)) {
    co_await w.send(std::move(*denied));
    co_return;
  }
  if (app.should_fail(b)) {
    auto r = injected_failure(b.fail_status, b.retry_after, b.fail_code, std::move(headers));
    co_await w.send(std::move(r));
    co_return;
  }

  if (ep.api == Api::models) {
    std::string body = model_list();
    co_await send_ok(b, w, std::move(body), std::move(headers));
    co_return;
  }
  if (ep.api == Api::model) {
    if (ep.model_id != kModelId) {
      auto r = error_response(404, "The model '" + ep.model_id + "' does not exist", "invalid_request_error", "model",
                              "model_not_found", std::move(headers));
      co_await w.send(std::move(r));
      co_return;
    }
    std::string body = model_object(kModelId);
    co_await send_ok(b, w, std::move(body), std::move(headers));
    co_return;
  }

  Parsed parsed;
  if (auto invalid = parse_body(req, ep, headers, parsed)) {
    co_await w.send(std::move(*invalid));
    co_return;
  }
  if (!b.accept_unknown_fields)
    if (auto refused = check_fields(parsed.body, ep, headers)) {
      co_await w.send(std::move(*refused));
      co_return;
    }
  mock::GenerateOptions gen;
  gen.reply_words = b.reply_words;
  gen.check_tool_pairing = ep.api == Api::chat;

  if (parsed.stream && ep.api != Api::embeddings) {
    mock::StreamAnswer answer = ep.api == Api::chat ? mock::chat_completion_stream(parsed.body, parsed.model, gen)
                                                    : mock::completion_stream(parsed.body, parsed.model, gen);
    if (answer.error.status != 200) {
      auto r = json_response(answer.error.status, std::move(answer.error.body), std::move(headers));
      co_await w.send(std::move(r));
      co_return;
    }
    co_await stream_events(app, b, w, std::move(answer), std::move(headers));
    co_return;
  }

  mock::Answer answer = ep.api == Api::chat          ? mock::chat_completion(parsed.body, parsed.model, gen)
                        : ep.api == Api::completions ? mock::completion(parsed.body, parsed.model, gen)
                                                     : mock::embeddings(parsed.body, parsed.model);
  if (answer.status != 200) {
    auto r = json_response(answer.status, std::move(answer.body), std::move(headers));
    co_await w.send(std::move(r));
    co_return;
  }
  co_await send_ok(b, w, std::move(answer.body), std::move(headers));
}

}  // namespace torii::mock_server
