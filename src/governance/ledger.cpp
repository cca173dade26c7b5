#include "governance/ledger.hpp"

#include <chrono>
#include <vector>

#include "core/log.hpp"

namespace torii::governance {

namespace {
std::mutex g_start;
std::atomic<Ledger*> g_ledger{nullptr};
constexpr int64_t kHourUs = 3'600'000'000;
}  // namespace

Ledger* Ledger::start(const store::StoreLocation& where, std::string& error) {
  std::lock_guard lock(g_start);
  if (Ledger* l = g_ledger.load()) return l;
  auto* l = new Ledger(where);
  l->store_ = store::open_ledger_store(where, error);
  if (!l->store_) {
    delete l;
    return nullptr;
  }
  l->thread_ = std::thread([l] { l->run(); });
  g_ledger.store(l, std::memory_order_release);
  return l;
}

Ledger* Ledger::running() { return g_ledger.load(std::memory_order_acquire); }

void Ledger::record(std::unique_ptr<SpendRecord> r) {
  if (rings_.push(r)) return;
  std::lock_guard lock(overflow_mutex_);
  overflow_.push_back(std::move(r));
}

void Ledger::write_pending() {
  std::vector<std::unique_ptr<SpendRecord>> batch;
  rings_.drain(batch);
  {
    std::lock_guard lock(overflow_mutex_);
    for (auto& r : overflow_) batch.push_back(std::move(r));
    overflow_.clear();
  }
  std::lock_guard pending_lock(pending_mutex_);
  for (const auto& r : batch)
    for (int level = 0; level < 3; ++level)
      if (!r->ids[level].empty()) {
        auto& sum = pending_[{level, r->ids[level], r->at_us / kHourUs}];
        sum.first += r->nusd;
        sum.second += 1;
      }
  if (pending_.empty()) return;
  std::vector<store::LedgerDelta> deltas;
  deltas.reserve(pending_.size());
  for (const auto& [k, v] : pending_)
    deltas.push_back({std::string(level_name(Level(std::get<0>(k)))), std::get<1>(k), std::get<2>(k), v.first, v.second});
  std::string error;
  if (store_->add(deltas, error)) {
    pending_.clear();
    return;
  }
  // Kept, summed, and tried again on the next round.
  if (store_errors_.fetch_add(1, std::memory_order_relaxed) % 100 == 0)
    log::error("spend ledger: cannot write to the store ({}); {} sums kept in memory and retried", error,
               pending_.size());
}

void Ledger::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait_for(lock, std::chrono::milliseconds(100), [&] { return stopping_ || flush_asked_ != flush_done_; });
    const uint64_t asked = flush_asked_;
    const bool stop = stopping_;
    lock.unlock();
    write_pending();
    lock.lock();
    flush_done_ = asked;
    written_.notify_all();
    if (stop) return;
  }
}

bool Ledger::spent_since(std::vector<Query>& queries, std::string& error) {
  {
    std::unique_lock lock(mutex_);
    const uint64_t ticket = ++flush_asked_;
    wake_.notify_one();
    written_.wait_for(lock, std::chrono::seconds(5), [&] { return flush_done_ >= ticket; });
  }
  std::lock_guard reader_lock(reader_mutex_);
  // The writer cannot move sums from memory to the store between the two reads.
  std::lock_guard pending_lock(pending_mutex_);
  if (!reader_) {
    reader_ = store::open_ledger_store(where_, error);
    if (!reader_) return false;
  }
  for (auto& q : queries) {
    std::optional<int64_t> stored = reader_->spent_since(level_name(q.level), q.id, q.since_us, error);
    if (!stored) return false;
    q.spent_nusd = *stored;
  }
  // Sums the writer still holds (the store failed) count as spent too.
  if (!pending_.empty())
    for (auto& q : queries)
      for (const auto& [k, v] : pending_)
        if (std::get<0>(k) == int(q.level) && std::get<1>(k) == q.id && std::get<2>(k) >= q.since_us / kHourUs)
          q.spent_nusd += v.first;
  return true;
}

void Ledger::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

}  // namespace torii::governance
