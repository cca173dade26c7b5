#include "providers/openai/passthrough.hpp"

#include "http/sse.hpp"
#include "llm/json_scan.hpp"

namespace torii::providers {

namespace {

constexpr size_t kMaxErrorBody = 1 << 20;
constexpr size_t kMaxResponseBody = size_t(1) << 30;

ApiError upstream_failure(const Provider& p, const http::UpstreamError& err) {
  if (err.kind == http::UpstreamFailure::timeout)
    return make_error(504, "upstream '" + p.name + "' timed out: " + err.message, "upstream_timeout");
  if (err.kind == http::UpstreamFailure::connect)
    return make_error(502, "upstream '" + p.name + "' is unreachable: " + err.message, "upstream_unreachable");
  return make_error(502, "upstream '" + p.name + "' failed: " + err.message, "upstream_error");
}

// Upstream headers worth passing to the client: rate-limit state and timing.
void copy_upstream_headers(const http::Headers& from, http::Headers& to) {
  for (const auto& h : from) {
    std::string_view n = h.name;
    if ((n.size() > 12 && http::iequals(n.substr(0, 12), "x-ratelimit-")) ||
        http::iequals(n, "openai-processing-ms"))
      to.add(h.name, h.value);
  }
}

bool is_event_stream(std::string_view content_type) {
  return content_type.size() >= 17 && http::iequals(content_type.substr(0, 17), "text/event-stream");
}

}  // namespace

boost::asio::awaitable<void> passthrough(Exchange& ex, const Provider& p, std::string_view model, Endpoint endpoint,
                                         std::string body, bool stream) {
  if (!p.has_credentials && (p.type == "openai" || p.kind == Kind::azure)) {
    co_await send_error(ex, make_error(503, "provider '" + p.name + "' has no api_key configured",
                                       "provider_not_configured"));
    co_return;
  }

  http::UpstreamRequest up;
  up.method = "POST";
  up.origin = &p.origin;
  up.target = p.target(endpoint, model);
  up.headers = p.upstream_headers;
  up.headers.add("Content-Type", "application/json");
  up.headers.add("Accept", stream ? "text/event-stream" : "application/json");
  up.headers.add("x-request-id", ex.request_id);
  up.body = body;
  up.connect_timeout = p.connect_timeout;
  up.total_timeout = p.timeout;

  http::UpstreamError err;
  auto resp = co_await ex.client.send(up, err);
  if (!resp) {
    co_await send_error(ex, upstream_failure(p, err));
    co_return;
  }

  int status = resp->status();
  if (status >= 400) {
    std::string text;
    co_await resp->read_all(text, kMaxErrorBody, err);
    ApiError e = normalise_upstream_error(status, text);
    e.retry_after = std::string(resp->headers().get("retry-after"));
    copy_upstream_headers(resp->headers(), ex.response_headers);
    co_await send_error(ex, e);
    co_return;
  }

  std::string_view content_type = resp->headers().get("content-type");
  copy_upstream_headers(resp->headers(), ex.response_headers);

  if (!stream || !is_event_stream(content_type)) {
    std::string answer;
    if (!co_await resp->read_all(answer, kMaxResponseBody, err)) {
      co_await send_error(ex, upstream_failure(p, err));
      co_return;
    }
    std::string why;
    if (!llm::is_valid_json(answer, &why)) {
      co_await send_error(ex, make_error(502, "upstream '" + p.name + "' returned invalid JSON: " + why,
                                         "upstream_invalid_response"));
      co_return;
    }
    http::Response r;
    r.status = status;
    r.headers = std::move(ex.response_headers);
    r.content_type = content_type.empty() ? "application/json" : std::string(content_type);
    r.body = std::move(answer);
    co_await ex.out.send(std::move(r));
    co_return;
  }

  if (!co_await ex.out.begin_stream(status, std::move(ex.response_headers), "text/event-stream")) {
    resp->cancel();
    co_return;
  }
  // The client hanging up cancels the upstream request at once, even while the
  // upstream is silent.
  ex.out.on_disconnect([r = resp.get()] { r->cancel(); });

  http::SseSplitter splitter;
  std::string incoming, batch, event;
  for (;;) {
    incoming.clear();
    bool more = co_await resp->read_some(incoming, err);
    splitter.feed(incoming);
    batch.clear();
    // Events that arrived together leave together: one write, same bytes.
    while (splitter.next(event)) batch += event;
    if (!batch.empty() && !co_await ex.out.write_chunk(batch)) {
      resp->cancel();
      break;
    }
    if (!more) {
      if (err && err.kind != http::UpstreamFailure::cancelled && !ex.out.client_gone()) {
        ApiError e = make_error(502, "upstream '" + p.name + "' stream failed: " + err.message,
                                "upstream_stream_error");
        co_await ex.out.write_chunk(http::sse_data_event(stream_error_payload(e)));
      }
      break;
    }
  }
  ex.out.on_disconnect({});
}

}  // namespace torii::providers
