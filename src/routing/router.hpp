#pragma once
// The reliability layer between a surface and the providers: picks a target by
// the model's strategy, retries on the next-best target, backs off, honours
// Retry-After, trips circuit breakers, hedges slow attempts and walks the
// model's fallbacks, then delivers the winning answer. Every decision shows in
// x-torii-attempts / x-torii-fallback / x-torii-provider / x-torii-model.
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "llm/json_scan.hpp"
#include "providers/exchange.hpp"
#include "routing/health.hpp"
#include "routing/model_table.hpp"

namespace torii::routing {

struct RouterContext {
  boost::asio::any_io_executor executor;  // the worker's event loop
  http::UpstreamClient& client;
  const HealthView& health;  // this worker's records, for the request's config snapshot
  std::mt19937_64& rng;
  // Keeps the request's config snapshot (providers, models) alive for an
  // attempt that outlives the request: a hedge that lost, still winding down.
  std::shared_ptr<const void> snapshot;
};

struct RouteInput {
  const Model* model = nullptr;
  providers::Endpoint endpoint = providers::Endpoint::chat;
  const llm::RequestScan* scan = nullptr;   // of `body`
  // Canonical (OpenAI) format. Null when the surface speaks another format:
  // then `to_canonical` makes it, once, when a target first needs it.
  std::shared_ptr<const std::string> body;
  bool stream = false;
  // When the surface speaks a provider family's own format (Anthropic), the
  // client's original body: targets of that family get it as is.
  std::shared_ptr<const std::string> native_body;
  const llm::RequestScan* native_scan = nullptr;
  providers::WireFormat native_format = providers::WireFormat::anthropic;  // what native_body is in
  // The canonical body, or the client's error when the request cannot be
  // expressed in it (a 400 for that attempt).
  std::function<std::optional<ApiError>(std::string& canonical)> to_canonical;
  http::Headers forward_headers;  // client headers for that family (anthropic-beta, ...)
};

boost::asio::awaitable<void> route_request(RouterContext& ctx, providers::Exchange& ex, RouteInput in);

}  // namespace torii::routing
