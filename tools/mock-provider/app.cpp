#include "app.hpp"

namespace torii::mock_server {

App::App(Behaviour initial)
    : initial_(std::move(initial)), current_(std::make_shared<const Behaviour>(initial_)) {}

std::shared_ptr<const Behaviour> App::behaviour() const {
  std::lock_guard lock(mutex_);
  return current_;
}

void App::set_behaviour(Behaviour b) {
  auto next = std::make_shared<const Behaviour>(std::move(b));
  std::lock_guard lock(mutex_);
  current_.swap(next);
  // A new configuration counts fail_every from its own first request.
  fail_counter_ = 0;
}

void App::reset() {
  stats.reset();
  set_behaviour(initial_);
}

bool App::should_fail(const Behaviour& b) {
  if (b.fail_status == 0) return false;
  std::uint64_t n = fail_counter_.fetch_add(1, std::memory_order_relaxed) + 1;
  return n % static_cast<std::uint64_t>(b.fail_every) == 0;
}

std::string App::next_request_id() {
  return "req_mock_" + std::to_string(request_ids_.fetch_add(1, std::memory_order_relaxed) + 1);
}

}  // namespace torii::mock_server
