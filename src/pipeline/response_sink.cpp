#include "pipeline/response_sink.hpp"

#include "pipeline/filter_chain.hpp"
#include "pipeline/request_context.hpp"
#include "providers/exchange.hpp"

namespace torii::pipeline {

// The hooks run before the write is started; the awaitable of the client's
// writer is handed back as is, so the sink adds no coroutine frame per write.

void ResponseSink::head(int status, http::Headers& headers, bool streamed) {
  if (!ctx_) return;
  ctx_->status = status;
  ctx_->streamed = streamed;
  ctx_->times.head = RequestContext::Clock::now();
  chain_.on_head(*ctx_, status, headers);
}

namespace {
boost::asio::awaitable<bool> ready(bool v) { co_return v; }
}  // namespace

// Only for a tap that holds the data back (a frame per such write, not per write).
boost::asio::awaitable<void> ResponseSink::send_settled(http::Response response) {
  auto settling = ctx_->ex.tap->settle();
  co_await std::move(settling);
  auto sending = client_.send(std::move(response));
  co_await std::move(sending);
}

boost::asio::awaitable<bool> ResponseSink::write_settled(std::string_view data) {
  auto settling = ctx_->ex.tap->settle();
  co_await std::move(settling);
  auto writing = client_.write_chunk(data);
  co_return co_await std::move(writing);
}

boost::asio::awaitable<void> ResponseSink::send(http::Response response) {
  if (ctx_ && ctx_->rewrites_output) {
    if (std::optional<ApiError> refused = chain_.on_answer(*ctx_, response.status, response.body)) {
      // The answer is withheld: the filter's error goes out in its place.
      response.status = refused->status;
      response.body = ctx_->ex.error_body(*refused);
      response.content_type = "application/json";
      response.headers.remove("content-length");
    }
  }
  head(response.status, response.headers, false);
  if (ctx_) {
    ctx_->body_bytes += response.body.size();
    chain_.on_chunk(*ctx_, response.body);
    ctx_->answered = true;
    if (ctx_->ex.tap) {
      ctx_->ex.tap->observe(response.status, response.body, false);
      if (ctx_->ex.tap->holds()) return send_settled(std::move(response));
    }
  }
  return client_.send(std::move(response));
}

boost::asio::awaitable<bool> ResponseSink::begin_stream(int status, http::Headers headers,
                                                        std::string_view content_type) {
  head(status, headers, true);
  return client_.begin_stream(status, std::move(headers), content_type);
}

boost::asio::awaitable<bool> ResponseSink::write_chunk(std::string_view data) {
  if (ctx_ && ctx_->rewrites_output) {
    // Filters may hold events back, rewrite them, or end the stream.
    if (stopped_) return ready(false);
    events_.assign(data);
    if (!chain_.on_events(*ctx_, events_)) stopped_ = true;
    if (events_.empty()) return ready(true);
    data = events_;
  }
  if (ctx_) {
    if (ctx_->body_bytes == 0) ctx_->times.first_chunk = RequestContext::Clock::now();
    ctx_->body_bytes += data.size();
    chain_.on_chunk(*ctx_, data);
    if (ctx_->ex.tap) {
      ctx_->ex.tap->observe(ctx_->status, data, true);
      if (ctx_->ex.tap->holds()) return write_settled(data);
    }
  }
  return client_.write_chunk(data);
}

boost::asio::awaitable<void> ResponseSink::end_stream() {
  if (ctx_) ctx_->answered = true;
  return client_.end_stream();
}

}  // namespace torii::pipeline
