#include "streaming.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace torii::mock_server {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

// Shared with the disconnect callback, which may run while the stream sleeps:
// it cancels the sleep so a vanished client is noticed at once.
struct StreamControl {
  explicit StreamControl(const asio::any_io_executor& executor) : timer(executor) {}
  asio::steady_timer timer;
  bool gone = false;
};

asio::awaitable<void> wait_until(StreamControl& control, Clock::time_point deadline) {
  if (control.gone || deadline <= Clock::now()) co_return;
  control.timer.expires_at(deadline);
  boost::system::error_code ec;
  co_await control.timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

// A copy of the first content event cut in half: "data: {\"id\":..." with no end.
std::string malformed_event(const mock::StreamAnswer& answer) {
  for (size_t i = 0; i < answer.events.size(); ++i) {
    if (!answer.is_content[i]) continue;
    std::string_view e = answer.events[i];
    e.remove_suffix(2);  // "\n\n"
    return std::string(e.substr(0, e.size() / 2)) + "\n\n";
  }
  return "data: {\"id\":\n\n";
}

}  // namespace

asio::awaitable<void> stream_events(App& app, const Behaviour& b, http::ResponseWriter& w, mock::StreamAnswer answer,
                                    http::Headers headers, std::string_view content_type) {
  auto& events = answer.events;
  auto& is_content = answer.is_content;
  if (b.malformed && !events.empty()) {
    const auto at = std::ptrdiff_t(std::min<size_t>(size_t(b.malformed_after), events.size()));
    events.insert(events.begin() + at, malformed_event(answer));
    is_content.insert(is_content.begin() + at, false);
  }

  headers.add("Cache-Control", "no-cache");
  app.stats.stream_started();
  // Awaited outside the `if`: GCC 12 corrupts the coroutine frame when a
  // co_await with temporaries sits in a condition.
  bool started = co_await w.begin_stream(200, std::move(headers), content_type);
  if (!started) {
    app.stats.stream_client_closed();
    co_return;
  }
  auto control = std::make_shared<StreamControl>(w.executor());
  std::function<void()> on_gone = [control] {
    control->gone = true;
    control->timer.cancel();
  };
  w.on_disconnect(std::move(on_gone));

  Clock::time_point first_event_at = Clock::now() + std::chrono::milliseconds(b.ttft_ms);
  co_await wait_until(*control, first_event_at);

  // The interruption point never lies past the last event, so a reset always
  // prevents "[DONE]".
  size_t interrupt_at = events.size();
  const bool interrupt = b.reset == ResetMode::during || b.reset == ResetMode::truncate;
  if (interrupt || b.stall_ms > 0)
    interrupt_at = std::min(static_cast<size_t>(b.reset_after_events), events.size() - 1);
  const auto interval = b.tokens_per_sec > 0 ? std::chrono::nanoseconds(1'000'000'000 / b.tokens_per_sec)
                                             : std::chrono::nanoseconds(0);
  Clock::time_point next_content{};
  bool reset = false;

  for (size_t i = 0; i < events.size() && !control->gone; ++i) {
    if (i == interrupt_at) {
      if (b.stall_ms > 0) {
        Clock::time_point stall_end = Clock::now() + std::chrono::milliseconds(b.stall_ms);
        co_await wait_until(*control, stall_end);
      }
      if (b.reset == ResetMode::during) {
        reset = true;
        break;
      }
      if (b.reset == ResetMode::truncate) break;  // a clean end, too early
    }
    if (is_content[i] && interval.count() > 0) {
      auto now = Clock::now();
      if (next_content > now) {
        co_await wait_until(*control, next_content);
        now = next_content;
      }
      next_content = now + interval;
    }
    if (control->gone) break;
    bool written = co_await w.write_chunk(events[i]);
    if (!written) control->gone = true;
  }

  w.on_disconnect({});
  if (control->gone) {
    app.stats.stream_client_closed();
  } else if (reset) {
    w.abort();
    app.stats.stream_reset();
  } else {
    co_await w.end_stream();
    app.stats.stream_completed();
  }
}

}  // namespace torii::mock_server
