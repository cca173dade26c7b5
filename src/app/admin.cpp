// The gateway's own endpoints beside inference: /metrics and the admin API.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "app/admin_pool.hpp"
#include "app/config_report.hpp"
#include "app/gateway.hpp"
#include "filters/logging/log_query.hpp"
#include "filters/logging/log_writer.hpp"
#include "filters/metrics/exposition.hpp"
#include "filters/metrics/metrics_section.hpp"
#include "pipeline/request_context.hpp"

namespace torii::app {

namespace {

http::Response json_answer(int status, std::string body, const http::Headers& headers) {
  http::Response r;
  r.status = status;
  r.headers = headers;
  r.body = std::move(body);
  return r;
}

}  // namespace

boost::asio::awaitable<void> Gateway::metrics(pipeline::RequestContext& ctx) const {
  providers::Exchange& ex = ctx.ex;
  if (filters::metrics::metrics_section(config_).auth) {
    if (std::optional<ApiError> refused = admin_refusal(ctx)) {
      co_await send_error(ex, *refused);
      co_return;
    }
  }
  http::Response r;
  r.status = 200;
  r.headers = ex.response_headers;
  r.content_type = filters::metrics::kContentType;
  const std::string gauges = hooks_.metrics ? hooks_.metrics() : std::string();
  r.body = filters::metrics::render_exposition(gauges);
  co_await ex.out.send(std::move(r));
}

std::optional<ApiError> Gateway::admin_refusal(const pipeline::RequestContext& ctx) const {
  if (!config_.admin_enabled)
    return make_error(404, "The admin API is off: add an `admin: { keys: [...] }` section to the config to use it",
                      "admin_disabled");
  if (!admin_auth_.allows(ctx.request.headers)) return make_error(401, "Incorrect or missing admin key", "invalid_api_key");
  return std::nullopt;
}

boost::asio::awaitable<void> Gateway::admin_reload(pipeline::RequestContext& ctx) const {
  providers::Exchange& ex = ctx.ex;
  if (std::optional<ApiError> refused = admin_refusal(ctx)) {
    co_await send_error(ex, *refused);
    co_return;
  }
  std::vector<std::string> changes;
  std::vector<std::string> errors = hooks_.reload ? hooks_.reload(changes) : std::vector<std::string>{"no reloader"};
  if (!errors.empty()) {
    std::string message = "the new config was not loaded; the old one keeps serving:";
    for (const auto& e : errors) message += "\n" + e;
    ApiError e = make_error(400, std::move(message), "invalid_config");
    co_await send_error(ex, e);
    co_return;
  }
  boost::json::array list;
  for (const auto& c : changes) list.push_back(boost::json::value(c));
  boost::json::object body{{"reloaded", true}, {"changes", std::move(list)}};
  http::Response r = json_answer(200, boost::json::serialize(body), ex.response_headers);
  co_await ex.out.send(std::move(r));
}

boost::asio::awaitable<void> Gateway::admin_config(pipeline::RequestContext& ctx) const {
  providers::Exchange& ex = ctx.ex;
  if (std::optional<ApiError> refused = admin_refusal(ctx)) {
    co_await send_error(ex, *refused);
    co_return;
  }
  http::Response r = json_answer(200, config_report(config_), ex.response_headers);
  co_await ex.out.send(std::move(r));
}

boost::asio::awaitable<void> Gateway::admin_log_query(pipeline::RequestContext& ctx, pipeline::Handler which) const {
  providers::Exchange& ex = ctx.ex;
  if (std::optional<ApiError> refused = admin_refusal(ctx)) {
    co_await send_error(ex, *refused);
    co_return;
  }
  filters::logging::LogWriter* writer = filters::logging::LogWriter::running();
  if (!writer) {
    ApiError e = make_error(404, "The request log is off (logging.enabled: false)", "logging_disabled");
    co_await send_error(ex, e);
    co_return;
  }
  // What was answered before this call is in the log when it is read.
  const store::StoreLocation where = writer->settings().where;
  const std::string query(ctx.request.query());
  const std::string path(ctx.request.path());
  auto run = [writer, where, query, path, which]() -> boost::asio::awaitable<filters::logging::QueryAnswer> {
    writer->flush();
    if (which == pipeline::Handler::admin_spend) co_return filters::logging::spend_report(where, query);
    if (which == pipeline::Handler::admin_logs) co_return filters::logging::list_logs(where, query);
    co_return filters::logging::get_log(where, std::string_view(path).substr(std::string_view("/admin/logs/").size()));
  };
  boost::asio::thread_pool& pool = admin_pool();
  auto on_pool = boost::asio::co_spawn(pool, run, boost::asio::use_awaitable);
  filters::logging::QueryAnswer answer = co_await std::move(on_pool);
  http::Response r = json_answer(answer.status, std::move(answer.body), ex.response_headers);
  co_await ex.out.send(std::move(r));
}

}  // namespace torii::app
