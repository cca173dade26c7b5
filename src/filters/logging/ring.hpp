#pragma once
// A bounded single-producer single-consumer queue of owned pointers: the
// worker that completes requests pushes, the log writer's thread pops. No
// lock; each side writes only its own index.
#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

namespace torii::filters::logging {

template <class T>
class SpscRing {
 public:
  explicit SpscRing(size_t capacity_pow2) : slots_(capacity_pow2), mask_(capacity_pow2 - 1) {}

  // Producer. False (and `item` kept) when full.
  bool push(std::unique_ptr<T>& item) {
    const size_t head = head_.load(std::memory_order_relaxed);
    if (head - tail_.load(std::memory_order_acquire) > mask_) return false;
    slots_[head & mask_] = std::move(item);
    head_.store(head + 1, std::memory_order_release);
    return true;
  }

  // Consumer. Null when empty.
  std::unique_ptr<T> pop() {
    const size_t tail = tail_.load(std::memory_order_relaxed);
    if (tail == head_.load(std::memory_order_acquire)) return nullptr;
    std::unique_ptr<T> item = std::move(slots_[tail & mask_]);
    tail_.store(tail + 1, std::memory_order_release);
    return item;
  }

  size_t size() const { return head_.load(std::memory_order_acquire) - tail_.load(std::memory_order_acquire); }

 private:
  std::vector<std::unique_ptr<T>> slots_;
  const size_t mask_;
  alignas(64) std::atomic<size_t> head_{0};
  alignas(64) std::atomic<size_t> tail_{0};
};

}  // namespace torii::filters::logging
