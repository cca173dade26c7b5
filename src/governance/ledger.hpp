#pragma once
// The spend ledger's writer: settled costs, queued by the request path
// without a lock (a ring per worker thread) and written every 100 ms, summed
// per entity and UTC hour, in one transaction. While the store fails the
// sums are kept in memory and retried (a few bytes per entity and hour, so
// nothing is dropped); stop() writes out what is queued. Each settlement is
// also journaled in a memory-mapped file of its thread (spend_journal.hpp)
// before it is queued, so a kill -9 loses none: the next start replays what
// the store had not committed.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "core/ring.hpp"
#include "governance/principal.hpp"
#include "store/ledger_store.hpp"
#include "store/open_stores.hpp"

namespace torii::governance {

// One request's settled cost, for each level it was charged to.
struct SpendRecord {
  int64_t at_us = 0;
  int64_t nusd = 0;
  std::string ids[3];  // by Level; "" = that level did not apply
  int journal = -1;    // set by Ledger::record: its journal file and number there
  uint64_t seq = 0;
};

class SpendJournal;

class Ledger {
 public:
  // `journal_dir`: where the journal files live ({store.path}/journal; ""
  // for none). Replays what they hold that the store has not.
  static Ledger* start(const store::StoreLocation& where, const std::string& journal_dir, std::string& error);
  static Ledger* running();
  ~Ledger();

  // Request path; never blocks on the store.
  void record(std::unique_ptr<SpendRecord> r);
  // Admin thread: what each (level, id) spent from its `since_us` on, with
  // everything recorded before the call written first.
  struct Query {
    Level level;
    std::string id;
    int64_t since_us = 0;
    int64_t spent_nusd = 0;  // the answer
  };
  bool spent_since(std::vector<Query>& queries, std::string& error);
  // Writes what is queued, then stops the thread.
  void stop();
  uint64_t store_errors() const { return store_errors_.load(std::memory_order_relaxed); }

 private:
  explicit Ledger(store::StoreLocation where);
  void run();
  void write_pending();  // writer thread
  bool open_journals(const std::string& dir, std::string& error);
  SpendJournal* journal_of_this_thread(int& index);
  std::string journal_name(size_t index) const;

  store::StoreLocation where_;
  std::unique_ptr<store::LedgerStore> store_;  // the writer thread's connection
  core::ThreadRings<SpendRecord> rings_{4096};
  std::mutex overflow_mutex_;  // a full ring's records (rare)
  std::vector<std::unique_ptr<SpendRecord>> overflow_;
  // Sums not yet written, by (level, id, hour), under pending_mutex_.
  std::mutex pending_mutex_;
  std::map<std::tuple<int, std::string, int64_t>, std::pair<int64_t, int64_t>> pending_;
  std::map<int, uint64_t> pending_marks_;  // journal -> the highest number in pending_
  // The journal files, one per recording thread (appended to by that thread
  // only; the vector grows under journals_mutex_ and is read by the writer
  // under it).
  std::string journal_dir_, node_id_;
  std::mutex journals_mutex_;
  std::vector<std::unique_ptr<SpendJournal>> journals_;
  std::vector<uint64_t> resume_;  // per file: the number a new owner continues after
  size_t journals_taken_ = 0;
  std::mutex reader_mutex_;
  std::unique_ptr<store::LedgerStore> reader_;  // spent_since()'s connection, opened on first use
  std::mutex mutex_;  // flush requests and stop
  std::condition_variable wake_, written_;
  uint64_t flush_asked_ = 0, flush_done_ = 0;
  bool stopping_ = false;
  std::atomic<uint64_t> store_errors_{0};
  std::thread thread_;
};

}  // namespace torii::governance
