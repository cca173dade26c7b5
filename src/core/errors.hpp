#pragma once
// API errors and their two wire shapes: OpenAI's {"error":{...}} and
// Anthropic's {"type":"error","error":{...}}.
#include <string>
#include <string_view>

namespace torii {

struct ApiError {
  int status = 500;
  std::string type;     // OpenAI error type; derived from status when empty
  std::string message;
  std::string param;    // "" -> null
  std::string code;     // "" -> null
  std::string retry_after;  // Retry-After header to send, if any
};

ApiError make_error(int status, std::string message, std::string code = "", std::string param = "");

// The OpenAI `type` for a status when the error did not name one.
std::string_view openai_error_type(int status);
// The Anthropic `error.type` for a status.
std::string_view anthropic_error_type(int status);

std::string openai_error_body(const ApiError& e);
std::string anthropic_error_body(const ApiError& e);

// Turns an upstream error answer (any provider's shape, or not JSON at all)
// into an ApiError with the upstream's status, keeping its message, type,
// param and code where it had them.
ApiError normalise_upstream_error(int status, std::string_view body);

}  // namespace torii
