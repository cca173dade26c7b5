#include "providers/exchange.hpp"

#include "http/sse.hpp"

namespace torii::providers {

boost::asio::awaitable<void> send_error(Exchange& ex, const ApiError& e) {
  ex.route.error_code = !e.code.empty() ? e.code : !e.type.empty() ? e.type : std::string(openai_error_type(e.status));
  http::Response r;
  r.status = e.status;
  r.headers = ex.response_headers;
  if (!e.retry_after.empty()) r.headers.set("Retry-After", e.retry_after);
  r.body = ex.error_body(e);
  co_await ex.out.send(std::move(r));
}

std::string stream_error_event(const Exchange& ex, const ApiError& e) {
  if (ex.translator) return ex.translator->error_event(e);
  // The OpenAI SDKs raise an APIError for a stream event whose data has an
  // "error" member, so the client sees the failure instead of a short answer.
  return http::sse_data_event(openai_error_body(e));
}

}  // namespace torii::providers
