#include "format_io.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "responses.hpp"
#include "streaming.hpp"

namespace torii::mock_server::format_io {

namespace asio = boost::asio;
namespace json = boost::json;

asio::awaitable<bool> before_answer(const Behaviour& b, http::ResponseWriter& w) {
  const asio::any_io_executor& executor = w.executor();
  co_await sleep_ms(executor, b.latency_ms);
  if (b.reset == ResetMode::before) {
    w.abort();
    co_return false;
  }
  co_return true;
}

asio::awaitable<void> send_ok(const Behaviour& b, http::ResponseWriter& w, std::string body, http::Headers headers) {
  const asio::any_io_executor& executor = w.executor();
  co_await sleep_ms(executor, b.stall_ms);
  if (b.malformed) body.resize(body.size() / 2);
  if (b.reset == ResetMode::during) {
    // Awaited outside the `if`: GCC 12 corrupts the coroutine frame when a
    // co_await with temporaries sits in a condition.
    bool started = co_await w.begin_stream(200, std::move(headers), "application/json");
    std::string_view half = std::string_view(body).substr(0, body.size() / 2);
    if (started) co_await w.write_chunk(half);
    w.abort();
    co_return;
  }
  auto r = json_response(200, std::move(body), std::move(headers));
  co_await w.send(std::move(r));
}

asio::awaitable<void> send_stream(App& app, const Behaviour& b, http::ResponseWriter& w, mock::StreamAnswer answer,
                                  http::Headers headers, std::optional<std::string> error_event,
                                  std::string_view content_type) {
  if (!error_event) {
    co_await stream_events(app, b, w, std::move(answer), std::move(headers), content_type);
    co_return;
  }
  size_t keep = answer.events.empty() ? 0
                                      : std::min(static_cast<size_t>(b.reset_after_events), answer.events.size() - 1);
  answer.events.resize(keep);
  answer.is_content.resize(keep);
  answer.events.push_back(std::move(*error_event));
  answer.is_content.push_back(false);
  // The failure takes the place where a reset or stall would strike.
  Behaviour failing = b;
  failing.reset = ResetMode::none;
  failing.stall_ms = 0;
  co_await stream_events(app, failing, w, std::move(answer), std::move(headers), content_type);
}

std::optional<json::object> parse_object(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}

bool asks_for_stream(std::string_view body) {
  auto o = parse_object(body);
  if (!o) return false;
  const json::value* s = o->if_contains("stream");
  return s && s->is_bool() && s->get_bool();
}

std::string_view bearer_token(const http::Request& req) {
  std::string_view auth = req.headers.get("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (auth.size() > kBearer.size() && http::iequals(auth.substr(0, kBearer.size()), kBearer))
    return auth.substr(kBearer.size());
  return {};
}

void add_retry_after(const Behaviour& b, http::Headers& headers) {
  if (b.retry_after >= 0) headers.add("Retry-After", std::to_string(b.retry_after));
}

}  // namespace torii::mock_server::format_io
