// The HTTP side of the admin API's resources (/admin/keys, /admin/teams,
// /admin/users): the path, the method and the JSON body are checked on the
// worker; the store work runs on the admin thread (admin_pool), and the
// worker sends what it answered.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "app/admin_answer.hpp"
#include "app/admin_pool.hpp"
#include "app/gateway.hpp"
#include "filters/guardrails/rules.hpp"
#include "pipeline/request_context.hpp"

namespace torii::app {

namespace json = boost::json;

boost::asio::awaitable<void> Gateway::admin_resource(pipeline::RequestContext& ctx, pipeline::Handler which) const {
  providers::Exchange& ex = ctx.ex;
  if (std::optional<ApiError> refused = admin_refusal(ctx)) {
    co_await send_error(ex, *refused);
    co_return;
  }
  const std::string_view base = which == pipeline::Handler::admin_keys    ? "/admin/keys"
                                : which == pipeline::Handler::admin_teams ? "/admin/teams"
                                                                          : "/admin/users";
  // {base}, {base}/{id}, and for keys {base}/{id}/rotate
  std::string_view rest = ctx.request.path().substr(base.size());
  if (!rest.empty()) rest.remove_prefix(1);
  AdminCall call;
  call.id = std::string(rest.substr(0, rest.find('/')));
  call.action = rest.find('/') == std::string_view::npos ? std::string() : std::string(rest.substr(rest.find('/') + 1));
  call.method = ctx.request.method == "HEAD" ? "GET" : ctx.request.method;
  const bool rotate = which == pipeline::Handler::admin_keys && call.action == "rotate";
  std::optional<ApiError> refusal;
  if (!call.action.empty() && (!rotate || call.method != "POST"))
    refusal = make_error(404, "Unknown request URL: " + call.method + " " + std::string(ctx.request.path()), "unknown_url");
  else if (call.action.empty() && !call.id.empty() && call.method != "GET" && call.method != "PATCH" &&
           call.method != "DELETE")
    refusal = make_error(405, "Method " + call.method + " is not allowed on " + std::string(base) + "/{id}",
                         "method_not_allowed");
  const bool wants_body = (call.id.empty() && call.method == "POST") || call.method == "PATCH" || rotate;
  if (!refusal && wants_body && !(rotate && ctx.request.body.empty())) {
    boost::system::error_code ec;
    json::value v = json::parse(ctx.request.body, ec);
    if (ec) refusal = make_error(400, "request body is not valid JSON: " + ec.message(), "invalid_json");
    else if (!v.is_object()) refusal = make_error(400, "request body must be a JSON object", "invalid_json");
    else call.body = std::move(v.as_object());
  }
  // Rule names must be the running config's (the store keeps names).
  if (!refusal && call.body)
    if (const json::value* g = call.body->if_contains("guardrails"); g && g->is_array())
      for (const auto& name : g->as_array()) {
        const auto* section = config_.section<filters::guardrails::GuardrailsSection>("guardrails");
        if (name.is_string() && (!section || !section->find(name.as_string()))) {
          refusal = make_error(400, "guardrails: no rule named '" + std::string(name.as_string()) +
                                        "' in the config's guardrails section", "unknown_guardrail", "guardrails");
          break;
        }
      }
  if (refusal) {
    co_await send_error(ex, *refusal);
    co_return;
  }
  auto run = [which, call = std::move(call)]() -> boost::asio::awaitable<Answer> {
    if (which == pipeline::Handler::admin_keys) co_return keys_on_store(call);
    if (which == pipeline::Handler::admin_teams) co_return teams_on_store(call);
    co_return users_on_store(call);
  };
  boost::asio::thread_pool& pool = admin_pool();
  auto on_pool = boost::asio::co_spawn(pool, std::move(run), boost::asio::use_awaitable);
  Answer answer = co_await std::move(on_pool);
  http::Response r;
  r.status = answer.status;
  r.headers = ex.response_headers;
  r.body = std::move(answer.body);
  co_await ex.out.send(std::move(r));
}

}  // namespace torii::app
