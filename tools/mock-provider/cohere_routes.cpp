#include "cohere_routes.hpp"

#include <optional>

#include "format_io.hpp"
#include "formats/mock_formats.hpp"
#include "responses.hpp"

namespace torii::mock_server {

namespace asio = boost::asio;

namespace {

http::Response error(int status, std::string_view message, http::Headers headers) {
  return json_response(status, mock::cohere_error_body(message), std::move(headers));
}

std::string injected_message(const Behaviour& b) {
  // Cohere's errors carry only a message; a --fail-code becomes that message.
  if (!b.fail_code.empty()) return b.fail_code;
  switch (b.fail_status) {
    case 400: return "invalid request (injected by torii-mock)";
    case 401: return "invalid api token";
    case 404: return "model not found (injected by torii-mock)";
    case 429: return "You are past the per-minute request limit (injected by torii-mock).";
    case 500: return "internal server error, this has been reported to our developers (injected by torii-mock)";
    case 503: return "service unavailable (injected by torii-mock)";
    default: return "injected failure (torii-mock)";
  }
}

}  // namespace

bool is_cohere_request(const http::Request& req) { return req.path().starts_with("/v2/"); }

asio::awaitable<void> serve_cohere(App& app, http::Request& req, http::ResponseWriter& w) {
  app.stats.record(req);
  const std::shared_ptr<const Behaviour> snapshot = app.behaviour();
  const Behaviour& b = *snapshot;
  http::Headers headers;
  headers.add("x-request-id", app.next_request_id());
  add_body_digest(headers, req);

  std::string_view path = req.path();
  if (path.size() > 1 && path.ends_with('/')) path.remove_suffix(1);
  if (path != "/v2/chat") {
    auto r = error(404, "404 page not found: " + std::string(path), std::move(headers));
    co_await w.send(std::move(r));
    co_return;
  }
  if (req.method != "POST") {
    headers.add("Allow", "POST");
    auto r = error(405, "method not allowed", std::move(headers));
    co_await w.send(std::move(r));
    co_return;
  }

  bool proceed = co_await format_io::before_answer(b, w);
  if (!proceed) co_return;
  if (!b.api_key.empty()) {
    std::string_view token = format_io::bearer_token(req);
    if (token != b.api_key) {
      auto r = error(401, token.empty() ? "no api key supplied" : "invalid api token", std::move(headers));
      co_await w.send(std::move(r));
      co_return;
    }
  }
  bool streaming = format_io::asks_for_stream(req.body);
  bool failing = app.should_fail(b);
  if (failing && !(streaming && b.fail_mid_stream)) {
    format_io::add_retry_after(b, headers);
    auto r = error(b.fail_status, injected_message(b), std::move(headers));
    co_await w.send(std::move(r));
    co_return;
  }

  auto parsed = format_io::parse_object(req.body);
  if (!parsed) {
    auto r = error(400, "invalid request: the body must be a JSON object", std::move(headers));
    co_await w.send(std::move(r));
    co_return;
  }
  mock::GenerateOptions gen;
  gen.reply_words = b.reply_words;

  if (streaming) {
    mock::StreamAnswer answer = mock::cohere_chat_stream(*parsed, gen);
    if (answer.error.status != 200) {
      auto r = json_response(answer.error.status, std::move(answer.error.body), std::move(headers));
      co_await w.send(std::move(r));
      co_return;
    }
    std::optional<std::string> failure;
    if (failing) failure = mock::cohere_error_event(injected_message(b));
    co_await format_io::send_stream(app, b, w, std::move(answer), std::move(headers), std::move(failure));
    co_return;
  }

  mock::Answer answer = mock::cohere_chat(*parsed, gen);
  if (answer.status != 200) {
    auto r = json_response(answer.status, std::move(answer.body), std::move(headers));
    co_await w.send(std::move(r));
    co_return;
  }
  co_await format_io::send_ok(b, w, std::move(answer.body), std::move(headers));
}

}  // namespace torii::mock_server
