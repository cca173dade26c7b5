#include "gemini_routes.hpp"

#include <optional>

#include <boost/json.hpp>

#include "endpoints.hpp"
#include "format_io.hpp"
#include "formats/mock_formats.hpp"
#include "responses.hpp"

namespace torii::mock_server {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

enum class Route { unknown, generate, stream, count_tokens, embed, batch_embed, models, model };

struct Target {
  Route route = Route::unknown;
  std::string_view method = "POST";
  std::string model;
};

// /v1beta/models/{model}:{method}, /v1beta/models, /v1beta/models/{model}; the
// same under /v1/.
Target resolve_gemini(std::string_view path) {
  if (path.size() > 1 && path.ends_with('/')) path.remove_suffix(1);
  Target t;
  if (path.starts_with("/v1beta/")) path.remove_prefix(8);
  else if (path.starts_with("/v1/")) path.remove_prefix(4);
  else return t;
  if (path == "models") return {Route::models, "GET", {}};
  if (!path.starts_with("models/") || path.size() == 7) return t;
  path.remove_prefix(7);
  size_t colon = path.rfind(':');
  if (colon == std::string_view::npos) return {Route::model, "GET", std::string(path)};
  std::string_view method = path.substr(colon + 1);
  t.model = std::string(path.substr(0, colon));
  if (t.model.empty()) return {};
  if (method == "generateContent") t.route = Route::generate;
  else if (method == "streamGenerateContent") t.route = Route::stream;
  else if (method == "countTokens") t.route = Route::count_tokens;
  else if (method == "embedContent") t.route = Route::embed;
  else if (method == "batchEmbedContents") t.route = Route::batch_embed;
  return t;
}

http::Response error(int status, std::string_view message, http::Headers headers, std::string_view status_name = {},
                     std::string_view details = {}) {
  return json_response(status, mock::gemini_error_body(status, message, status_name, details), std::move(headers));
}

std::string injected_message(int status) {
  switch (status) {
    case 400: return "Request contains an invalid argument.";
    case 403: return "The caller does not have permission";
    case 404: return "Requested entity was not found.";
    case 429: return "Resource has been exhausted (e.g. check quota).";
    case 500: return "An internal error has occurred. Please retry or report in "
                     "https://developers.generativeai.google/guide/troubleshooting";
    case 503: return "The model is overloaded. Please try again later.";
    case 504: return "Deadline expired before operation could complete.";
    default: return "Injected failure (torii-mock).";
  }
}

std::string_view failure_status(const Behaviour& b) {
  return b.fail_code.empty() ? mock::gemini_status_name(b.fail_status) : std::string_view(b.fail_code);
}

// Google puts the back-off in the body (google.rpc.RetryInfo) as well as the header.
std::string retry_details(const Behaviour& b) {
  if (b.retry_after < 0) return {};
  return json::serialize(json::array{json::object{{"@type", "type.googleapis.com/google.rpc.RetryInfo"},
                                                  {"retryDelay", std::to_string(b.retry_after) + "s"}}});
}

std::optional<http::Response> check_key(const Behaviour& b, const http::Request& req, const http::Headers& headers) {
  if (b.api_key.empty()) return std::nullopt;
  std::optional<std::string_view> key;
  if (const std::string* h = req.headers.find("x-goog-api-key")) key = *h;
  else key = query_param(req.query(), "key");
  if (!key || key->empty())
    return error(403,
                 "Method doesn't allow unregistered callers (callers without established identity). Please use API "
                 "Key or other form of API consumer identity to call this API.",
                 headers);
  if (*key == b.api_key) return std::nullopt;
  constexpr std::string_view kInvalid = "API key not valid. Please pass a valid API key.";
  json::array details{
      json::object{{"@type", "type.googleapis.com/google.rpc.ErrorInfo"},
                   {"reason", "API_KEY_INVALID"},
                   {"domain", "googleapis.com"},
                   {"metadata", json::object{{"service", "generativelanguage.googleapis.com"}}}},
      json::object{{"@type", "type.googleapis.com/google.rpc.LocalizedMessage"}, {"locale", "en-US"}, {"message", kInvalid}}};
  return error(400, kInvalid, headers, {}, json::serialize(details));
}

// streamGenerateContent without alt=sse streams one JSON array whose elements
// are the chunks: "[{...}", ",\r\n{...}", ..., "]".
void to_json_array(mock::StreamAnswer& answer) {
  for (size_t i = 0; i < answer.events.size(); ++i) {
    std::string& e = answer.events[i];
    e = (i ? ",\r\n" : "[") + e.substr(6, e.size() - 10);  // without "data: " and "\r\n\r\n"
  }
  answer.events.emplace_back("]");
  answer.is_content.push_back(false);
}

// A failure inside the array is one more element, an error object, and the end.
std::string json_array_error(const std::string& sse_error) {
  return ",\r\n" + sse_error.substr(6, sse_error.size() - 10) + "]";
}

}  // namespace

bool is_gemini_request(const http::Request& req) {
  std::string_view path = req.path();
  if (path.starts_with("/v1beta/")) return true;
  // Under /v1/ only the method-suffixed paths are Gemini's; /v1/models and
  // /v1/models/{id} stay with the OpenAI API.
  return path.starts_with("/v1/models/") && path.find(':') != std::string_view::npos;
}

asio::awaitable<void> serve_gemini(App& app, http::Request& req, http::ResponseWriter& w) {
  app.stats.record(req);
  const std::shared_ptr<const Behaviour> snapshot = app.behaviour();
  const Behaviour& b = *snapshot;
  http::Headers headers;
  headers.add("x-request-id", app.next_request_id());
  add_body_digest(headers, req);

  Target t = resolve_gemini(req.path());
  if (t.route == Route::unknown) {
    auto r = error(404, "Method not found.", std::move(headers));
    co_await w.send(std::move(r));
    co_return;
  }
  if (req.method != t.method) {
    headers.add("Allow", std::string(t.method));
    auto r = error(405, "Method " + req.method + " is not allowed on " + std::string(req.path()) + ".",
                   std::move(headers));
    co_await w.send(std::move(r));
    co_return;
  }

  bool proceed = co_await format_io::before_answer(b, w);
  if (!proceed) co_return;
  if (auto denied = check_key(b, req, headers)) {
    co_await w.send(std::move(*denied));
    co_return;
  }
  bool streaming = t.route == Route::stream;
  bool sse = streaming && query_param(req.query(), "alt") == std::optional<std::string_view>("sse");
  bool failing = app.should_fail(b);
  if (failing && !(streaming && b.fail_mid_stream)) {
    format_io::add_retry_after(b, headers);
    auto r = error(b.fail_status, injected_message(b.fail_status), std::move(headers), failure_status(b),
                   retry_details(b));
    co_await w.send(std::move(r));
    co_return;
  }

  if (t.route == Route::models) {
    std::string body = mock::gemini_model_list();
    co_await format_io::send_ok(b, w, std::move(body), std::move(headers));
    co_return;
  }
  if (t.route == Route::model) {
    if (t.model != "mock-1") {
      auto r = error(404, "models/" + t.model + " is not found for API version v1beta.", std::move(headers));
      co_await w.send(std::move(r));
      co_return;
    }
    json::value list = json::parse(mock::gemini_model_list());
    std::string body = json::serialize(list.at("models").at(0));
    co_await format_io::send_ok(b, w, std::move(body), std::move(headers));
    co_return;
  }

  auto parsed = format_io::parse_object(req.body);
  if (!parsed) {
    auto r = error(400, "Invalid JSON payload received. Expected a JSON object.", std::move(headers));
    co_await w.send(std::move(r));
    co_return;
  }
  mock::GenerateOptions gen;
  gen.reply_words = b.reply_words;

  if (t.route == Route::stream) {
    mock::StreamAnswer answer = mock::gemini_generate_stream(*parsed, t.model, gen);
    if (answer.error.status != 200) {
      auto r = json_response(answer.error.status, std::move(answer.error.body), std::move(headers));
      co_await w.send(std::move(r));
      co_return;
    }
    std::optional<std::string> failure;
    if (failing) failure = mock::gemini_error_event(b.fail_status, injected_message(b.fail_status), failure_status(b));
    if (!sse) {
      to_json_array(answer);
      if (failure) failure = json_array_error(*failure);
    }
    std::string_view content_type = sse ? "text/event-stream" : "application/json";
    co_await format_io::send_stream(app, b, w, std::move(answer), std::move(headers), std::move(failure), content_type);
    co_return;
  }

  mock::Answer answer = t.route == Route::generate       ? mock::gemini_generate(*parsed, t.model, gen)
                        : t.route == Route::count_tokens ? mock::gemini_count_tokens(*parsed, t.model)
                        : t.route == Route::embed        ? mock::gemini_embed(*parsed, t.model)
                                                         : mock::gemini_batch_embed(*parsed, t.model);
  if (answer.status != 200) {
    auto r = json_response(answer.status, std::move(answer.body), std::move(headers));
    co_await w.send(std::move(r));
    co_return;
  }
  co_await format_io::send_ok(b, w, std::move(answer.body), std::move(headers));
}

}  // namespace torii::mock_server
