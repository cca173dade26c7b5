#pragma once
// The request log's writer: one thread for the process, fed by a lock-free
// ring per worker thread, writing batches into the store (SQLite or
// PostgreSQL, log_store.hpp). The request path
// only moves a record into its own thread's ring; it never waits for the
// disk or the network. While the store fails (full disk, locked or
// read-only file, PostgreSQL down), batches
// are held in memory up to `backlog_max_records` and retried every second;
// older ones spill to the spool file (spool.hpp, up to `spool_max_bytes`),
// which is replayed once the store takes writes again, also after a
// restart. Only records that fit neither are dropped, counted and logged.
// stop() (SIGTERM) writes out everything queued, or spools it, before it returns.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "filters/logging/log_record.hpp"
#include "core/ring.hpp"
#include "store/open_stores.hpp"

namespace torii::filters::logging {

class LogStore;
class Spool;

struct WriterSettings {
  store::StoreLocation where;  // the SQLite file, or PostgreSQL when set
  uint64_t backlog_max_records = 100000;
  uint32_t retention_days = 30;
  uint32_t content_retention_days = 7;
  std::string spool_path;  // "" = no spool
  uint64_t spool_max_bytes = 64ull << 20;
};

struct WriterStats {
  uint64_t queued = 0;   // in the rings and the backlog, not yet written
  uint64_t written = 0;
  uint64_t dropped = 0;
  uint64_t store_errors = 0;
  uint64_t spooled = 0;  // in the spool file, waiting for the store
  uint64_t cache_bytes = 0;  // the log database's page cache
  bool store_ok = true;
};

class LogWriter {
 public:
  // The process's writer, started on first use with these settings (a
  // reload that changes them takes effect after a restart).
  static LogWriter* start(const WriterSettings& settings, std::string& error);
  static LogWriter* running();  // null when never started

  ~LogWriter();

  // From any thread; never blocks. False when the record was dropped (the
  // thread's ring is full).
  bool submit(std::unique_ptr<LogRecord> record);
  // Writes everything submitted so far, then stops the thread.
  void stop();
  // Wakes the writer and waits until everything submitted before the call
  // is written (or held in the backlog). For tests and the admin API.
  void flush();

  WriterStats stats() const;
  const WriterSettings& settings() const { return settings_; }

 private:
  explicit LogWriter(WriterSettings s);
  void run();
  void write_pending(bool retry_now);
  void purge_if_due();
  void spill(size_t count);
  void replay_spool();

  WriterSettings settings_;
  std::thread thread_;
  core::ThreadRings<LogRecord> rings_;
  mutable std::mutex mutex_;  // wake-ups and flush waits: never per record
  std::condition_variable wake_, flushed_;
  bool stopping_ = false;
  uint64_t flush_requests_ = 0, flush_done_ = 0;

  // Writer thread only.
  std::deque<std::unique_ptr<LogRecord>> backlog_;
  std::unique_ptr<LogStore> store_;
  std::chrono::steady_clock::time_point next_retry_{}, next_purge_{};

  std::unique_ptr<Spool> spool_;
  std::atomic<uint64_t> written_{0}, dropped_{0}, store_errors_{0}, backlog_size_{0}, spooled_{0}, cache_bytes_{0};
  std::atomic<bool> store_ok_{true};
};

}  // namespace torii::filters::logging
