#pragma once
// Building answers: JSON bodies, OpenAI-shaped errors, and the delays that
// failure injection needs.
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "http/message.hpp"

namespace torii::mock_server {

http::Response json_response(int status, std::string body, http::Headers headers = {});

// {"error":{"message","type","param","code"}}; an empty param or code is null.
http::Response error_response(int status, std::string_view message, std::string_view type = "invalid_request_error",
                              std::string_view param = {}, std::string_view code = {},
                              http::Headers headers = {});

// The answer --fail-status injects, shaped like OpenAI's answer for that status.
// `code` overrides the error.code the status usually gets (e.g. context_length_exceeded).
http::Response injected_failure(int status, int retry_after, std::string_view code, http::Headers headers);

// x-mock-body-sha256: the SHA-256 of the whole request body as received, on
// every API answer, so a test can tie an answer to the exact bytes sent.
void add_body_digest(http::Headers& headers, const http::Request& req);

// Errors the HTTP server detects before a handler runs.
http::Response server_error(int status, std::string_view message);

boost::asio::awaitable<void> sleep_ms(const boost::asio::any_io_executor& executor, int ms);

}  // namespace torii::mock_server
