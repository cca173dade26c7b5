#include "responses.hpp"

#include <chrono>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/hex.hpp"
#include "providers/mock/mock_llm.hpp"

namespace torii::mock_server {

namespace asio = boost::asio;

http::Response json_response(int status, std::string body, http::Headers headers) {
  http::Response r;
  r.status = status;
  r.headers = std::move(headers);
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

http::Response error_response(int status, std::string_view message, std::string_view type, std::string_view param,
                              std::string_view code, http::Headers headers) {
  return json_response(status, mock::error_body(message, type, param, code), std::move(headers));
}

http::Response injected_failure(int status, int retry_after, std::string_view code, http::Headers headers) {
  if (retry_after >= 0) headers.add("Retry-After", std::to_string(retry_after));
  if (!code.empty())
    return error_response(status, "Injected failure with code " + std::string(code) + " (torii-mock).",
                          status >= 500 ? "server_error" : "invalid_request_error", {}, code, std::move(headers));
  if (status == 429)
    return error_response(status, "Rate limit reached for requests (injected by torii-mock).", "requests", {},
                          "rate_limit_exceeded", std::move(headers));
  if (status >= 500)
    return error_response(status, "The server had an error while processing your request (injected by torii-mock).",
                          "server_error", {}, "server_error", std::move(headers));
  if (status == 401)
    return error_response(status, "Incorrect API key provided (injected by torii-mock).", "invalid_request_error", {},
                          "invalid_api_key", std::move(headers));
  return error_response(status, "Injected failure (torii-mock).", "invalid_request_error", {}, {}, std::move(headers));
}

http::Response server_error(int status, std::string_view message) {
  return error_response(status, message, status >= 500 ? "server_error" : "invalid_request_error");
}

asio::awaitable<void> sleep_ms(const asio::any_io_executor& executor, int ms) {
  if (ms <= 0) co_return;
  asio::steady_timer timer(executor, std::chrono::milliseconds(ms));
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

void add_body_digest(http::Headers& headers, const http::Request& req) {
  headers.add("x-mock-body-sha256", core::sha256_hex(req.body));
}

}  // namespace torii::mock_server
