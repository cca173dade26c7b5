#include "governance/spend_journal.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "governance/ledger.hpp"

namespace torii::governance {

namespace {

// 512 bytes: the fields, then the number. A check over the fields tells an
// entry cut short by the kill (its number not yet written, or an old one
// over half-new fields) from a whole one.
struct Entry {
  int64_t at_us;
  int64_t nusd;
  uint8_t id_size[3];
  char ids[3][SpendJournal::kIdBytes];
  uint8_t pad[512 - 8 * 2 - 3 - 3 * SpendJournal::kIdBytes - 8 - 8];
  uint64_t check;
  uint64_t seq;  // written last
};
static_assert(sizeof(Entry) == 512);

uint64_t check_of(const Entry& e, uint64_t seq) {
  // FNV-1a over the fields and the number.
  uint64_t h = 1469598103934665603ull ^ seq;
  const auto* p = reinterpret_cast<const unsigned char*>(&e);
  for (size_t i = 0; i < offsetof(Entry, pad); ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

Entry* entries(void* map) { return static_cast<Entry*>(map); }

}  // namespace

std::unique_ptr<SpendJournal> SpendJournal::open(const std::string& path, std::string& error, bool* busy) {
  const size_t bytes = kEntries * sizeof(Entry);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = path + ": " + std::strerror(errno);
    return nullptr;
  }
  // Released by the kernel when the process ends, however it ends.
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (busy) *busy = errno == EWOULDBLOCK;
    error = path + ": " + (errno == EWOULDBLOCK ? std::string("in use by another process") : std::strerror(errno));
    ::close(fd);
    return nullptr;
  }
  // Allocated now, so that a full disk shows here rather than as SIGBUS on
  // a write into the map.
  if (int rc = ::posix_fallocate(fd, 0, off_t(bytes)); rc != 0) {
    error = path + ": " + std::strerror(rc);
    ::close(fd);
    return nullptr;
  }
  void* map = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) {
    error = path + ": " + std::strerror(errno);
    ::close(fd);
    return nullptr;
  }
  return std::unique_ptr<SpendJournal>(new SpendJournal(fd, map));
}

SpendJournal::~SpendJournal() {
  ::munmap(map_, kEntries * sizeof(Entry));
  ::close(fd_);
}

uint64_t SpendJournal::append(const SpendRecord& r) {
  for (const auto& id : r.ids)
    if (id.size() > kIdBytes) return 0;
  const uint64_t seq = next_++;
  Entry& e = entries(map_)[seq % kEntries];
  e.at_us = r.at_us;
  e.nusd = r.nusd;
  for (int l = 0; l < 3; ++l) {
    e.id_size[l] = uint8_t(r.ids[l].size());
    std::memcpy(e.ids[l], r.ids[l].data(), r.ids[l].size());
  }
  e.check = check_of(e, seq);
  std::atomic_ref<uint64_t>(e.seq).store(seq, std::memory_order_release);
  return seq;
}

std::vector<SpendRecord> SpendJournal::entries_after(uint64_t applied) const {
  std::vector<std::pair<uint64_t, SpendRecord>> found;
  for (size_t i = 0; i < kEntries; ++i) {
    const Entry& e = entries(map_)[i];
    const uint64_t seq = e.seq;
    if (seq <= applied || seq % kEntries != i || e.check != check_of(e, seq)) continue;
    SpendRecord r;
    r.at_us = e.at_us;
    r.nusd = e.nusd;
    for (int l = 0; l < 3; ++l) r.ids[l].assign(e.ids[l], std::min<size_t>(e.id_size[l], kIdBytes));
    found.emplace_back(seq, std::move(r));
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<SpendRecord> out;
  out.reserve(found.size());
  for (auto& [seq, r] : found) out.push_back(std::move(r));
  return out;
}

uint64_t SpendJournal::highest() const {
  uint64_t top = 0;
  for (size_t i = 0; i < kEntries; ++i) {
    const Entry& e = entries(map_)[i];
    if (e.seq % kEntries == i && e.check == check_of(e, e.seq)) top = std::max(top, e.seq);
  }
  return top;
}

}  // namespace torii::governance
