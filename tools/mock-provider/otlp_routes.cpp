#include "otlp_routes.hpp"

#include "responses.hpp"

namespace torii::mock_server {

bool is_otlp_request(const http::Request& req) { return req.path() == "/v1/traces"; }

boost::asio::awaitable<void> serve_otlp(App& app, http::Request& req, http::ResponseWriter& w) {
  app.stats.record(req);
  if (req.method != "POST") {
    http::Response refused = error_response(405, "Method not allowed; use POST");
    co_await w.send(std::move(refused));
    co_return;
  }
  const std::string* type = req.headers.find("content-type");
  http::Response r;
  // The OTLP/HTTP specification: the response's encoding is the request's.
  if (type && type->starts_with("application/x-protobuf")) {
    r.content_type = "application/x-protobuf";
  } else if (type && type->starts_with("application/json")) {
    r.body = "{}";
  } else {
    r = error_response(415, "OTLP/HTTP takes application/x-protobuf or application/json");
  }
  co_await w.send(std::move(r));
}

}  // namespace torii::mock_server
