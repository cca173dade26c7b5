#include "core/errors.hpp"

#include <boost/json.hpp>

namespace torii {

namespace json = boost::json;

ApiError make_error(int status, std::string message, std::string code, std::string param) {
  ApiError e;
  e.status = status;
  e.message = std::move(message);
  e.code = std::move(code);
  e.param = std::move(param);
  return e;
}

std::string_view openai_error_type(int status) {
  switch (status) {
    case 401: return "invalid_request_error";  // what OpenAI itself answers, with code invalid_api_key
    case 403: return "permission_error";
    case 429: return "rate_limit_error";
    default:
      if (status >= 500) return "server_error";
      return "invalid_request_error";
  }
}

std::string_view anthropic_error_type(int status) {
  switch (status) {
    case 401: return "authentication_error";
    case 402: return "billing_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 413: return "request_too_large";
    case 429: return "rate_limit_error";
    case 503:
    case 529: return "overloaded_error";
    case 504: return "timeout_error";
    default:
      if (status >= 500) return "api_error";
      return "invalid_request_error";
  }
}

std::string openai_error_body(const ApiError& e) {
  json::object err;
  err["message"] = e.message;
  err["type"] = e.type.empty() ? openai_error_type(e.status) : std::string_view(e.type);
  err["param"] = e.param.empty() ? json::value(nullptr) : json::value(e.param);
  err["code"] = e.code.empty() ? json::value(nullptr) : json::value(e.code);
  json::object root;
  root["error"] = std::move(err);
  return json::serialize(root);
}

std::string anthropic_error_body(const ApiError& e) {
  json::object err;
  err["type"] = anthropic_error_type(e.status);
  err["message"] = e.message;
  json::object root;
  root["type"] = "error";
  root["error"] = std::move(err);
  return json::serialize(root);
}

namespace {
std::string scalar_text(const json::value* v) {
  if (!v || v->is_null()) return "";
  if (v->is_string()) return std::string(v->get_string());
  return json::serialize(*v);  // numeric codes, as some providers send
}
}  // namespace

ApiError normalise_upstream_error(int status, std::string_view body) {
  ApiError e;
  e.status = status;
  json::error_code ec;
  json::value v = json::parse(body, ec);
  const json::object* err = nullptr;
  if (!ec && v.is_object()) {
    const auto& root = v.get_object();
    if (auto* inner = root.if_contains("error"); inner && inner->is_object()) {
      err = &inner->get_object();
    } else if (auto* msg = root.if_contains("message"); msg && msg->is_string()) {
      err = &root;  // flat {"message": ...} as some OpenAI-compatible servers answer
    } else if (inner && inner->is_string()) {
      e.message = std::string(inner->get_string());
    }
  }
  if (err) {
    e.message = scalar_text(err->if_contains("message"));
    e.type = scalar_text(err->if_contains("type"));
    e.param = scalar_text(err->if_contains("param"));
    e.code = scalar_text(err->if_contains("code"));
    // Google's shape repeats the HTTP status as a number in `code` and names
    // it in `status` (RESOURCE_EXHAUSTED, ...): the name says more.
    if (auto* code = err->if_contains("code"); code && code->is_number())
      if (auto* name = err->if_contains("status"); name && name->is_string()) e.code = std::string(name->get_string());
    // Anthropic's error types say the same as the status; keep OpenAI's names.
    if (v.get_object().if_contains("type") && scalar_text(v.get_object().if_contains("type")) == "error")
      e.type.clear();
  }
  if (e.message.empty()) {
    std::string_view excerpt = body.substr(0, 300);
    e.message = "upstream returned HTTP " + std::to_string(status);
    if (!excerpt.empty()) e.message += ": " + std::string(excerpt);
  }
  return e;
}

}  // namespace torii
