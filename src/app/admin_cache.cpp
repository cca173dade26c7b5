// DELETE /admin/cache: drops the cached answers, all of them or one
// namespace's, from the store the cache uses (this node's memory, or Redis
// for every node).
#include <boost/json.hpp>

#include "app/gateway.hpp"
#include "filters/cache/cache_filter.hpp"
#include "filters/logging/query_common.hpp"
#include "pipeline/request_context.hpp"

namespace torii::app {

boost::asio::awaitable<void> Gateway::admin_cache(pipeline::RequestContext& ctx) const {
  providers::Exchange& ex = ctx.ex;
  if (std::optional<ApiError> refused = admin_refusal(ctx)) {
    co_await send_error(ex, *refused);
    co_return;
  }
  const auto* cache = dynamic_cast<const filters::cache::CacheFilter*>(chain_.find("cache"));
  if (!cache) {
    ApiError e = make_error(404, "The cache is off: set cache.mode (or a model's cache.mode) to exact or semantic",
                            "cache_disabled");
    co_await send_error(ex, e);
    co_return;
  }
  const auto query = filters::logging::parse_query(ctx.request.query());
  std::string ns;
  for (const auto& [name, value] : query) {
    if (name != "namespace") {
      ApiError e = make_error(400, "unknown query parameter '" + name + "' (expected namespace)", "invalid_parameter", name);
      co_await send_error(ex, e);
      co_return;
    }
    ns = value;
  }
  auto erasing = cache->erase(ns);
  const int64_t dropped = co_await std::move(erasing);
  if (dropped < 0) {
    ApiError e = make_error(503, "the cache store (redis) is not available", "store_unavailable");
    co_await send_error(ex, e);
    co_return;
  }
  boost::json::object body{{"deleted", dropped}, {"namespace", ns.empty() ? boost::json::value(nullptr) : boost::json::value(ns)}};
  http::Response r;
  r.status = 200;
  r.headers = ex.response_headers;
  r.body = boost::json::serialize(body);
  co_await ex.out.send(std::move(r));
}

}  // namespace torii::app
