#include "anthropic_routes.hpp"

#include <optional>

#include <boost/json.hpp>

#include "format_io.hpp"
#include "formats/mock_formats.hpp"
#include "responses.hpp"

namespace torii::mock_server {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

enum class Route { unknown, messages, count_tokens, models, model };

struct Target {
  Route route = Route::unknown;
  std::string_view method = "POST";
  std::string model_id;
};

std::string_view trimmed(std::string_view path) {
  if (path.size() > 1 && path.ends_with('/')) path.remove_suffix(1);
  return path;
}

Target resolve_anthropic(std::string_view path) {
  path = trimmed(path);
  Target t;
  if (path == "/v1/messages") t.route = Route::messages;
  else if (path == "/v1/messages/count_tokens") t.route = Route::count_tokens;
  else if (path == "/v1/models") t = {Route::models, "GET", {}};
  else if (path.starts_with("/v1/models/") && path.size() > 11) t = {Route::model, "GET", std::string(path.substr(11))};
  return t;
}

http::Response error(int status, std::string_view message, const std::string& request_id, http::Headers headers,
                     std::string_view type = {}) {
  return json_response(status,
                       mock::anthropic_error_body(type.empty() ? mock::anthropic_error_type(status) : type, message,
                                                  request_id),
                       std::move(headers));
}

// A body from mock_formats with the request id added, as Anthropic's errors carry it.
std::string with_request_id(const std::string& body, const std::string& request_id) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return body;
  v.get_object()["request_id"] = request_id;
  return json::serialize(v);
}

std::string injected_message(int status) {
  switch (status) {
    case 401: return "invalid x-api-key";
    case 403: return "Your API key does not have permission to use the specified resource.";
    case 404: return "Not Found";
    case 413: return "Request exceeds the maximum allowed number of bytes.";
    case 429: return "This request would exceed the rate limit for your organization (injected by torii-mock).";
    case 500: return "Internal server error";
    case 503: return "Service unavailable";
    case 529: return "Overloaded";
    default: return "Injected failure (torii-mock).";
  }
}

std::string_view failure_type(const Behaviour& b) {
  return b.fail_code.empty() ? mock::anthropic_error_type(b.fail_status) : std::string_view(b.fail_code);
}

std::optional<http::Response> check_credentials(const Behaviour& b, const http::Request& req,
                                                const std::string& request_id, const http::Headers& headers) {
  if (!b.api_key.empty()) {
    // Current SDKs send the key as "Authorization: Bearer"; older ones and curl
    // examples use x-api-key. The API takes either.
    const std::string* header = req.headers.find("x-api-key");
    std::string_view key = header ? std::string_view(*header) : format_io::bearer_token(req);
    if (key.empty()) return error(401, "x-api-key header is required", request_id, headers);
    if (key != b.api_key) return error(401, "invalid x-api-key", request_id, headers);
  }
  if (req.headers.get("anthropic-version").empty())
    return error(400, "anthropic-version: header is required", request_id, headers);
  return std::nullopt;
}

}  // namespace

bool is_anthropic_request(const http::Request& req) {
  Target t = resolve_anthropic(req.path());
  if (t.route == Route::messages || t.route == Route::count_tokens) return true;
  if (trimmed(req.path()).starts_with("/v1/messages/")) return true;
  // /v1/models is shared with the OpenAI API; Anthropic clients always send
  // anthropic-version, OpenAI clients never do.
  return t.route != Route::unknown && req.headers.find("anthropic-version") != nullptr;
}

asio::awaitable<void> serve_anthropic(App& app, http::Request& req, http::ResponseWriter& w) {
  app.stats.record(req);
  const std::shared_ptr<const Behaviour> snapshot = app.behaviour();
  const Behaviour& b = *snapshot;
  const std::string request_id = app.next_request_id();
  http::Headers headers;
  headers.add("x-request-id", request_id);
  headers.add("request-id", request_id);
  add_body_digest(headers, req);

  Target t = resolve_anthropic(req.path());
  if (t.route == Route::unknown) {
    auto r = error(404, "Not Found", request_id, std::move(headers));
    co_await w.send(std::move(r));
    co_return;
  }
  if (req.method != t.method) {
    headers.add("Allow", std::string(t.method));
    auto r = error(405, "Method Not Allowed", request_id, std::move(headers));
    co_await w.send(std::move(r));
    co_return;
  }

  bool proceed = co_await format_io::before_answer(b, w);
  if (!proceed) co_return;
  if (auto denied = check_credentials(b, req, request_id, headers)) {
    co_await w.send(std::move(*denied));
    co_return;
  }
  bool streaming = t.route == Route::messages && format_io::asks_for_stream(req.body);
  bool failing = app.should_fail(b);
  if (failing && !(streaming && b.fail_mid_stream)) {
    format_io::add_retry_after(b, headers);
    auto r = error(b.fail_status, injected_message(b.fail_status), request_id, std::move(headers), failure_type(b));
    co_await w.send(std::move(r));
    co_return;
  }

  if (t.route == Route::models || t.route == Route::model) {
    if (t.route == Route::model && t.model_id != "mock-1") {
      auto r = error(404, "model: " + t.model_id, request_id, std::move(headers));
      co_await w.send(std::move(r));
      co_return;
    }
    std::string body = t.route == Route::models ? mock::anthropic_model_list() : mock::anthropic_model(t.model_id);
    co_await format_io::send_ok(b, w, std::move(body), std::move(headers));
    co_return;
  }

  auto parsed = format_io::parse_object(req.body);
  if (!parsed) {
    auto r = error(400, "There was an error parsing the body of your request: expected a JSON object.", request_id,
                   std::move(headers));
    co_await w.send(std::move(r));
    co_return;
  }
  mock::GenerateOptions gen;
  gen.reply_words = b.reply_words;

  if (t.route == Route::count_tokens) {
    mock::Answer answer = mock::anthropic_count_tokens(*parsed);
    if (answer.status != 200) {
      auto r = json_response(answer.status, with_request_id(answer.body, request_id), std::move(headers));
      co_await w.send(std::move(r));
      co_return;
    }
    co_await format_io::send_ok(b, w, std::move(answer.body), std::move(headers));
    co_return;
  }

  if (streaming) {
    mock::StreamAnswer answer = mock::anthropic_messages_stream(*parsed, gen);
    if (answer.error.status != 200) {
      auto r = json_response(answer.error.status, with_request_id(answer.error.body, request_id), std::move(headers));
      co_await w.send(std::move(r));
      co_return;
    }
    std::optional<std::string> failure;
    if (failing) failure = mock::anthropic_error_event(failure_type(b), injected_message(b.fail_status));
    co_await format_io::send_stream(app, b, w, std::move(answer), std::move(headers), std::move(failure));
    co_return;
  }

  mock::Answer answer = mock::anthropic_messages(*parsed, gen);
  if (answer.status != 200) {
    auto r = json_response(answer.status, with_request_id(answer.body, request_id), std::move(headers));
    co_await w.send(std::move(r));
    co_return;
  }
  co_await format_io::send_ok(b, w, std::move(answer.body), std::move(headers));
}

}  // namespace torii::mock_server
