#include "admin_routes.hpp"

#include <boost/json.hpp>

#include "responses.hpp"
#include "responses_routes.hpp"

namespace torii::mock_server {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

http::Response configure(App& app, const http::Request& req) {
  boost::system::error_code ec;
  json::value v = json::parse(req.body, ec);
  if (ec || !v.is_object()) return error_response(400, "/mock/config expects a JSON object");
  Behaviour b;
  std::string error = behaviour_from_json(v.get_object(), b);
  if (!error.empty()) return error_response(400, error);
  json::object shown = behaviour_to_json(b);
  app.set_behaviour(std::move(b));
  return json_response(200, json::serialize(shown));
}

http::Response method_not_allowed(std::string_view allow) {
  http::Headers headers;
  headers.add("Allow", std::string(allow));
  return error_response(405, "Method not allowed; use " + std::string(allow), "invalid_request_error", {}, {},
                        std::move(headers));
}

http::Response answer(App& app, const http::Request& req) {
  std::string_view path = req.path();
  bool get = req.method == "GET";
  bool post = req.method == "POST";
  if (path == "/mock/stats") return get ? json_response(200, json::serialize(app.stats.to_json())) : method_not_allowed("GET");
  if (path == "/mock/config") {
    if (post) return configure(app, req);
    if (get) return json_response(200, json::serialize(behaviour_to_json(*app.configured())));
    return method_not_allowed("GET, POST");
  }
  if (path == "/mock/reset") {
    if (!post) return method_not_allowed("POST");
    app.reset();
    clear_stored_responses();
    return json_response(200, R"({"status":"ok"})");
  }
  return error_response(404, "Invalid URL (" + req.method + " " + std::string(path) + ")");
}

}  // namespace

asio::awaitable<void> serve_admin(App& app, http::Request& req, http::ResponseWriter& w) {
  auto r = answer(app, req);
  co_await w.send(std::move(r));
}

}  // namespace torii::mock_server
