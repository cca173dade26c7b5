#pragma once
// Settled costs written into a memory-mapped file as they are recorded, so
// that a process killed outright (kill -9, the OOM killer) loses none: the
// kernel's page cache still holds what was written and flushes it to the
// file after the process is gone. On the next start the ledger replays the
// entries its store had not committed.
//
// One file per recording thread (journal-N.bin under {store.path}/journal),
// so recording writes no shared cache line and takes no lock: a ring of
// fixed-size entries, each numbered (seq), the number written last. The
// ledger commits, in the same transaction as each batch's sums, the highest
// number applied per file; replay takes the entries above it. A power loss
// is not covered (no fsync on the request path); a ring that laps entries
// the store has not taken (the store down for more than kEntries
// settlements of one thread) loses only that protection: those sums are
// still kept in memory and written when the store is back.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace torii::governance {

struct SpendRecord;

class SpendJournal {
 public:
  static constexpr size_t kEntries = 2048;
  static constexpr size_t kIdBytes = 156;  // ids longer than this are not journaled

  // Opens (creating, kEntries entries) `path` and locks it for this process
  // (flock): null with `error` on failure, with `busy` set when another
  // live process holds it (two gateways on one store.path).
  static std::unique_ptr<SpendJournal> open(const std::string& path, std::string& error, bool* busy = nullptr);
  ~SpendJournal();
  SpendJournal(const SpendJournal&) = delete;
  SpendJournal& operator=(const SpendJournal&) = delete;

  // Owner thread: writes `r` and returns its number (0: not journaled, an
  // id too long).
  uint64_t append(const SpendRecord& r);
  // The valid entries numbered above `applied`, in order.
  std::vector<SpendRecord> entries_after(uint64_t applied) const;
  // The number the next append continues from (set once, before appends).
  void continue_after(uint64_t seq) { next_ = seq + 1; }
  uint64_t highest() const;  // the highest number in the file (0: none)

 private:
  SpendJournal(int fd, void* map) : fd_(fd), map_(map) {}
  int fd_;
  void* map_;
  uint64_t next_ = 1;
};

}  // namespace torii::governance
