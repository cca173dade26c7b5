#include "providers/attempt.hpp"

#include <charconv>

#include "providers/family.hpp"

namespace torii::providers {

std::chrono::milliseconds parse_retry_after(std::string_view v) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  double seconds = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
  if (ec != std::errc() || seconds < 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(static_cast<int64_t>(std::min(seconds, 86400.0) * 1000));
}

boost::asio::awaitable<AttemptOutcome> attempt(http::UpstreamClient& client, AttemptRequest request) {
  auto start = std::chrono::steady_clock::now();
  AttemptOutcome out;
  const Provider& p = *request.provider;
  if (!p.supports(request.endpoint)) {
    // The router skips such targets; a client's request for an endpoint no
    // target serves is a 400 (never a 5xx, which SDKs would retry).
    out.failure = {FailureClass::status,
                   make_error(400, "provider '" + p.name + "' (type " + p.type + ") cannot serve /v1" +
                                       std::string(endpoint_path(request.endpoint)),
                              "unsupported_endpoint", "model")};
  } else {
    out = co_await p.family->prepare(client, request);
  }
  out.latency = std::chrono::steady_clock::now() - start;
  co_return out;
}

}  // namespace torii::providers
