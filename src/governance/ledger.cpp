#include "governance/ledger.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <vector>

#include "core/log.hpp"
#include "core/hex.hpp"
#include "governance/spend_journal.hpp"

namespace torii::governance {

namespace {
std::mutex g_start;
std::atomic<Ledger*> g_ledger{nullptr};
constexpr int64_t kHourUs = 3'600'000'000;
}  // namespace

Ledger* Ledger::start(const store::StoreLocation& where, const std::string& journal_dir, std::string& error) {
  std::lock_guard lock(g_start);
  if (Ledger* l = g_ledger.load()) return l;
  auto* l = new Ledger(where);
  l->store_ = store::open_ledger_store(where, error);
  if (!l->store_ || (!journal_dir.empty() && !l->open_journals(journal_dir, error))) {
    delete l;
    return nullptr;
  }
  l->thread_ = std::thread([l] { l->run(); });
  g_ledger.store(l, std::memory_order_release);
  return l;
}

Ledger::Ledger(store::StoreLocation where) : where_(std::move(where)) {}
Ledger::~Ledger() = default;

Ledger* Ledger::running() { return g_ledger.load(std::memory_order_acquire); }

std::string Ledger::journal_name(size_t index) const {
  return node_id_ + "/journal-" + std::to_string(index);
}

// The node's id (several nodes may share one PostgreSQL ledger), then every
// journal file a previous run left: what their entries hold above the
// store's mark goes into pending_ (the writer's first round writes it), and
// the file is kept for this run's threads, numbering on from there.
bool Ledger::open_journals(const std::string& dir, std::string& error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  const fs::path id_file = fs::path(dir) / "node-id";
  if (std::ifstream in(id_file); in) std::getline(in, node_id_);
  if (node_id_.empty()) {
    node_id_ = core::random_hex(16);
    std::ofstream out(id_file, std::ios::trunc);
    out << node_id_ << "\n";
    if (!out.flush()) {
      error = id_file.string() + ": cannot be written";
      return false;
    }
  }
  journal_dir_ = dir;
  for (size_t i = 0;; ++i) {
    const fs::path file = fs::path(dir) / ("journal-" + std::to_string(i) + ".bin");
    if (!fs::exists(file, ec)) break;
    bool busy = false;
    std::unique_ptr<SpendJournal> j = SpendJournal::open(file.string(), error, &busy);
    if (!j && busy) {
      // Another gateway on this store.path writes it: its own, not replayed.
      error.clear();
      resume_.push_back(0);
      journals_.push_back(nullptr);
      continue;
    }
    if (!j) return false;
    std::optional<int64_t> applied = store_->journal_applied(journal_name(i), error);
    if (!applied) return false;
    uint64_t replayed = 0, top = uint64_t(*applied);
    for (const SpendRecord& r : j->entries_after(uint64_t(*applied))) {
      for (int level = 0; level < 3; ++level)
        if (!r.ids[level].empty()) {
          auto& sum = pending_[{level, r.ids[level], r.at_us / kHourUs}];
          sum.first += r.nusd;
          sum.second += 1;
        }
      ++replayed;
    }
    top = std::max(top, j->highest());
    if (replayed) {
      pending_marks_[int(i)] = top;
      log::info("spend ledger: {} settlements journaled by an earlier run in {} were not in the store; writing them",
                replayed, file.string());
    }
    resume_.push_back(top);
    journals_.push_back(std::move(j));
  }
  return true;
}

SpendJournal* Ledger::journal_of_this_thread(int& index) {
  thread_local Ledger* owner = nullptr;
  thread_local int mine = -1;
  if (owner == this) {
    index = mine;
    return mine >= 0 ? journals_[size_t(mine)].get() : nullptr;
  }
  owner = this;
  std::lock_guard lock(journals_mutex_);
  // The next file this process holds, or a new one (skipping files another
  // live process holds).
  size_t i = journals_taken_;
  while (i < journals_.size() && !journals_[i]) ++i;
  for (; i >= journals_.size(); ++i) {
    const std::string file = (std::filesystem::path(journal_dir_) / ("journal-" + std::to_string(i) + ".bin")).string();
    std::string error;
    bool busy = false;
    std::unique_ptr<SpendJournal> j = SpendJournal::open(file, error, &busy);
    if (j || !busy || i > 1024) {
      if (!j) {
        log::error("spend ledger: no journal for this thread ({}): a kill -9 may lose its last settlements", error);
        mine = index = -1;
        return nullptr;
      }
      journals_.resize(i);
      resume_.resize(i);
      journals_.push_back(std::move(j));
      resume_.push_back(0);
      break;
    }
  }
  // Numbering on from all the file holds (never at or below a committed
  // mark, which no number in the file exceeds).
  journals_[i]->continue_after(std::max(resume_[i], journals_[i]->highest()));
  journals_taken_ = i + 1;
  mine = index = int(i);
  return journals_[i].get();
}

void Ledger::record(std::unique_ptr<SpendRecord> r) {
  if (!journal_dir_.empty()) {
    int index = -1;
    if (SpendJournal* j = journal_of_this_thread(index)) {
      r->seq = j->append(*r);
      if (r->seq) r->journal = index;
    }
  }
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
  for (const auto& r : batch) {
    for (int level = 0; level < 3; ++level)
      if (!r->ids[level].empty()) {
        auto& sum = pending_[{level, r->ids[level], r->at_us / kHourUs}];
        sum.first += r->nusd;
        sum.second += 1;
      }
    if (r->journal >= 0) {
      uint64_t& mark = pending_marks_[r->journal];
      mark = std::max(mark, r->seq);
    }
  }
  if (pending_.empty() && pending_marks_.empty()) return;
  std::vector<store::LedgerDelta> deltas;
  deltas.reserve(pending_.size());
  for (const auto& [k, v] : pending_)
    deltas.push_back({std::string(level_name(Level(std::get<0>(k)))), std::get<1>(k), std::get<2>(k), v.first, v.second});
  // Committed with the sums they are in: a replay takes only what is above.
  std::vector<store::JournalMark> marks;
  for (const auto& [journal, seq] : pending_marks_) marks.push_back({journal_name(size_t(journal)), int64_t(seq)});
  std::string error;
  if (store_->add(deltas, marks, error)) {
    pending_.clear();
    pending_marks_.clear();
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
