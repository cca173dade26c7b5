#include "filters/logging/log_writer.hpp"

#include "core/clock.hpp"

#include <chrono>

#include "core/log.hpp"
#include "filters/logging/log_store.hpp"
#include "filters/logging/spool.hpp"

namespace torii::filters::logging {

namespace {

constexpr size_t kRingCapacity = 1 << 16;  // per worker: seconds of traffic at full rate
constexpr size_t kBatch = 2048;
// Long enough that a busy gateway writes hundreds of rows per transaction
// (the commit dominates a small one); the admin API flushes before it reads.
constexpr auto kInterval = std::chrono::milliseconds(100);
constexpr auto kRetry = std::chrono::seconds(1);
constexpr auto kPurgeEvery = std::chrono::seconds(60);

std::mutex g_mutex;
LogWriter* g_writer = nullptr;  // lives until exit: worker threads may submit until they stop

}  // namespace

LogWriter* LogWriter::start(const WriterSettings& settings, std::string& error) {
  std::lock_guard lock(g_mutex);
  if (g_writer) return g_writer;
  auto* w = new LogWriter(settings);
  // Opened here so that a database that cannot be created stops the start.
  w->store_ = open_log_store(settings.where, error);
  if (!w->store_) {
    delete w;
    return nullptr;
  }
  if (!settings.spool_path.empty()) {
    w->spool_ = std::make_unique<Spool>(settings.spool_path, settings.spool_max_bytes);
    // What a previous run could not write goes in first.
    w->replay_spool();
  }
  w->thread_ = std::thread([w] { w->run(); });
  g_writer = w;
  return w;
}

LogWriter* LogWriter::running() {
  std::lock_guard lock(g_mutex);
  return g_writer;
}

LogWriter::LogWriter(WriterSettings s) : settings_(std::move(s)), rings_(kRingCapacity) {}

LogWriter::~LogWriter() { stop(); }

bool LogWriter::submit(std::unique_ptr<LogRecord> record) {
  if (rings_.push(record)) return true;
  const uint64_t n = dropped_.fetch_add(1, std::memory_order_relaxed) + 1;
  if ((n & (n - 1)) == 0) log::error("request log: the queue is full, {} records dropped so far", n);
  return false;
}

void LogWriter::write_pending(bool retry_now) {
  std::vector<std::unique_ptr<LogRecord>> fresh;
  rings_.drain(fresh);
  for (auto& r : fresh) backlog_.push_back(std::move(r));
  // Past the cap, the oldest records spill to the spool.
  if (backlog_.size() > settings_.backlog_max_records) spill(backlog_.size() - settings_.backlog_max_records);
  backlog_size_.store(backlog_.size(), std::memory_order_relaxed);
  const auto now = std::chrono::steady_clock::now();
  if (backlog_.empty() || (!store_ok_.load() && !retry_now && now < next_retry_)) return;
  std::vector<std::unique_ptr<LogRecord>> batch;
  while (!backlog_.empty()) {
    batch.clear();
    for (size_t i = 0; i < kBatch && i < backlog_.size(); ++i) batch.push_back(std::move(backlog_[i]));
    std::string error;
    if (!store_->insert(batch, error)) {
      // Put them back where they were and try again later.
      for (size_t i = 0; i < batch.size(); ++i) backlog_[i] = std::move(batch[i]);
      store_errors_.fetch_add(1, std::memory_order_relaxed);
      if (store_ok_.exchange(false))
        log::error("request log: writing to {} failed ({}); holding up to {} records and retrying every second",
                   log_store_name(settings_.where), error, settings_.backlog_max_records);
      next_retry_ = now + kRetry;
      break;
    }
    for (size_t i = 0; i < batch.size(); ++i) backlog_.pop_front();
    written_.fetch_add(batch.size(), std::memory_order_relaxed);
    if (!store_ok_.exchange(true)) log::info("request log: {} is writable again", log_store_name(settings_.where));
  }
  backlog_size_.store(backlog_.size(), std::memory_order_relaxed);
  if (backlog_.empty() && store_ok_.load() && spooled_.load() > 0) replay_spool();
}

void LogWriter::spill(size_t count) {
  size_t spooled = spool_ ? spool_->append(backlog_, count) : 0;
  spooled_.fetch_add(spooled, std::memory_order_relaxed);
  for (size_t i = 0; i < count && !backlog_.empty(); ++i) backlog_.pop_front();
  if (spooled < count) {
    const uint64_t lost = count - spooled;
    const uint64_t n = dropped_.fetch_add(lost, std::memory_order_relaxed) + lost;
    log::error("request log: the store is failing and the backlog and spool are full; {} records dropped ({} in all)",
               lost, n);
  }
  backlog_size_.store(backlog_.size(), std::memory_order_relaxed);
}

void LogWriter::replay_spool() {
  if (!spool_ || spool_->empty()) {
    spooled_.store(0);
    return;
  }
  std::vector<std::unique_ptr<LogRecord>> records = spool_->load();
  size_t done = 0;
  std::string error;
  while (done < records.size()) {
    std::vector<std::unique_ptr<LogRecord>> batch;
    for (size_t i = done; i < records.size() && batch.size() < kBatch; ++i) batch.push_back(std::move(records[i]));
    if (!store_->insert(batch, error)) {
      // Back where they were: the rest stays spooled for the next try.
      for (size_t i = 0; i < batch.size(); ++i) records[done + i] = std::move(batch[i]);
      break;
    }
    written_.fetch_add(batch.size(), std::memory_order_relaxed);
    done += batch.size();
  }
  spool_->clear();
  std::deque<std::unique_ptr<LogRecord>> rest;
  for (size_t i = done; i < records.size(); ++i) rest.push_back(std::move(records[i]));
  const size_t kept = rest.empty() ? 0 : spool_->append(rest, rest.size());
  spooled_.store(kept);
  if (done) log::info("request log: {} spooled records written to {}", done, log_store_name(settings_.where));
  if (kept < rest.size()) dropped_.fetch_add(rest.size() - kept, std::memory_order_relaxed);
}

void LogWriter::purge_if_due() {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_purge_ || !store_ok_.load()) return;
  next_purge_ = now + kPurgeEvery;
  const int64_t day = 86'400'000'000LL;
  const int64_t rows_before = core::unix_now_us() - int64_t(settings_.retention_days) * day;
  const int64_t bodies_before = core::unix_now_us() - int64_t(settings_.content_retention_days) * day;
  // A few small batches per pass; the next pass continues.
  for (int i = 0; i < 10; ++i) {
    std::string error;
    int64_t n = store_->purge(rows_before, bodies_before, 1000, error);
    if (n < 0) log::warn("request log: retention purge failed: {}", error);
    if (n <= 0) break;
    write_pending(false);  // inserts keep flowing between purge batches
  }
}

void LogWriter::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait_for(lock, kInterval, [&] { return stopping_ || flush_requests_ != flush_done_; });
    const bool stopping = stopping_;
    const uint64_t flush_target = flush_requests_;
    lock.unlock();
    write_pending(stopping || flush_target != flush_done_);
    purge_if_due();
    // Read here: the connection is the writer thread's alone.
    cache_bytes_.store(uint64_t(store_->cache_bytes()), std::memory_order_relaxed);
    lock.lock();
    flush_done_ = flush_target;
    flushed_.notify_all();
    if (stopping) break;
  }
}

void LogWriter::flush() {
  std::unique_lock lock(mutex_);
  if (!thread_.joinable()) return;
  const uint64_t target = ++flush_requests_;
  wake_.notify_all();
  flushed_.wait(lock, [&] { return flush_done_ >= target || stopping_; });
}

void LogWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  if (!backlog_.empty()) {
    const size_t n = backlog_.size();
    spill(n);
    log::warn("request log: {} records could not be written to {} before exit; spooled to {} for the next start", n,
              log_store_name(settings_.where), spool_ ? spool_->path() : std::string("(no spool)"));
  }
}

WriterStats LogWriter::stats() const {
  WriterStats s;
  s.queued = rings_.size() + backlog_size_.load(std::memory_order_relaxed);
  s.written = written_.load(std::memory_order_relaxed);
  s.dropped = dropped_.load(std::memory_order_relaxed);
  s.store_errors = store_errors_.load(std::memory_order_relaxed);
  s.spooled = spooled_.load(std::memory_order_relaxed);
  s.cache_bytes = cache_bytes_.load(std::memory_order_relaxed);
  s.store_ok = store_ok_.load();
  return s;
}

}  // namespace torii::filters::logging
