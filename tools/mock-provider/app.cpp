#include "app.hpp"

#include <random>
#include <thread>
#include <vector>

namespace torii::mock_server {

namespace {

// The chaos kinds a behaviour draws from.
std::vector<std::string_view> chaos_pool(const Behaviour& b) {
  std::vector<std::string_view> pool;
  std::string_view list = b.chaos_kinds;
  if (list.empty()) {
    for (auto k : kChaosKinds)
      if (k != "bad_crc") pool.push_back(k);
    return pool;
  }
  while (!list.empty()) {
    size_t comma = list.find(',');
    pool.push_back(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
  return pool;
}

std::mt19937& chaos_rng() {
  thread_local std::mt19937 rng(std::random_device{}());
  return rng;
}

}  // namespace

App::App(Behaviour initial)
    : initial_(std::move(initial)), current_(std::make_shared<const Behaviour>(initial_)) {}

std::shared_ptr<const Behaviour> App::configured() const {
  std::lock_guard lock(mutex_);
  return current_;
}

std::shared_ptr<const Behaviour> App::behaviour() {
  std::shared_ptr<const Behaviour> b = configured();
  if (b->chaos_percent <= 0) return b;
  std::mt19937& rng = chaos_rng();
  if (int(rng() % 100) >= b->chaos_percent) return b;
  std::vector<std::string_view> pool = chaos_pool(*b);
  std::string_view kind = pool[rng() % pool.size()];
  stats.fault(kind);
  return std::make_shared<const Behaviour>(with_fault(*b, kind, unsigned(rng())));
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
