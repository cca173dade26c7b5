#pragma once
// A bounded single-producer single-consumer queue of owned pointers: the
// worker that completes requests pushes, the log writer's thread pops. No
// lock; each side writes only its own index.
#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace torii::core {

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

// One ring per producing thread, for a consumer that drains them all: the
// request log's writer, the trace exporter. A thread's ring is registered
// on its first push (the only time the mutex is taken on that side).
template <class T>
class ThreadRings {
 public:
  explicit ThreadRings(size_t capacity_pow2) : capacity_(capacity_pow2) {}

  // Producer: false (and `item` kept) when the calling thread's ring is full.
  bool push(std::unique_ptr<T>& item) { return local().push(item); }

  // Consumer: moves everything queued so far into `out`.
  void drain(std::vector<std::unique_ptr<T>>& out) {
    std::vector<SpscRing<T>*> all;
    {
      std::lock_guard lock(mutex_);
      for (auto& r : rings_) all.push_back(r.get());
    }
    for (auto* r : all)
      while (auto item = r->pop()) out.push_back(std::move(item));
  }

  size_t size() const {
    std::lock_guard lock(mutex_);
    size_t n = 0;
    for (const auto& r : rings_) n += r->size();
    return n;
  }

 private:
  SpscRing<T>& local() {
    // Keyed by owner: a process has one writer and one exporter, but tests may make more.
    struct Cached {
      const ThreadRings* owner = nullptr;
      SpscRing<T>* ring = nullptr;
    };
    thread_local Cached cached;
    if (cached.owner != this) {
      std::lock_guard lock(mutex_);
      rings_.push_back(std::make_unique<SpscRing<T>>(capacity_));
      cached = {this, rings_.back().get()};
    }
    return *cached.ring;
  }

  const size_t capacity_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<SpscRing<T>>> rings_;
};

}  // namespace torii::core
