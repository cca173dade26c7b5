// The spend journal: what a thread appended is there for the next process
// to read, from a given number on, in order; an entry the kill cut short is
// never read back; the ring keeps the latest kEntries.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "governance/ledger.hpp"
#include "governance/spend_journal.hpp"

using torii::governance::SpendJournal;
using torii::governance::SpendRecord;

namespace {

std::string temp_file(const char* name) {
  return (std::filesystem::temp_directory_path() / (std::string(name) + "-" + std::to_string(::getpid()))).string();
}

SpendRecord record(int64_t nusd, std::string key, std::string team = {}) {
  SpendRecord r;
  r.at_us = 1'700'000'000'000'000 + nusd;
  r.nusd = nusd;
  r.ids[0] = std::move(key);
  r.ids[2] = std::move(team);
  return r;
}

}  // namespace

TEST(SpendJournal, AnotherOpeningReadsWhatWasAppendedAboveAMark) {
  const std::string path = temp_file("torii-journal-a");
  std::filesystem::remove(path);
  std::string error;
  {
    auto j = SpendJournal::open(path, error);
    ASSERT_TRUE(j) << error;
    EXPECT_EQ(j->append(record(10, "key-1", "team-1")), 1u);
    EXPECT_EQ(j->append(record(20, "key-2")), 2u);
    EXPECT_EQ(j->append(record(30, "key-1")), 3u);
    // Closed without any flush: the map's pages are the file's.
  }
  auto again = SpendJournal::open(path, error);
  ASSERT_TRUE(again) << error;
  EXPECT_EQ(again->highest(), 3u);
  auto all = again->entries_after(0);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].nusd, 10);
  EXPECT_EQ(all[0].ids[0], "key-1");
  EXPECT_EQ(all[0].ids[2], "team-1");
  EXPECT_EQ(all[0].at_us, 1'700'000'000'000'010);
  auto rest = again->entries_after(2);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].nusd, 30);
  // A new run numbers on.
  again->continue_after(again->highest());
  EXPECT_EQ(again->append(record(40, "key-3")), 4u);
  std::filesystem::remove(path);
}

TEST(SpendJournal, AnEntryCutShortIsNotReadBack) {
  const std::string path = temp_file("torii-journal-b");
  std::filesystem::remove(path);
  std::string error;
  {
    auto j = SpendJournal::open(path, error);
    ASSERT_TRUE(j) << error;
    j->append(record(10, "key-1"));
    j->append(record(20, "key-2"));
  }
  {
    // Entry 2 (at offset 2 * 512) half overwritten: its check fails.
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(2 * 512 + 20);
    f.write("garbage", 7);
  }
  auto again = SpendJournal::open(path, error);
  ASSERT_TRUE(again) << error;
  auto all = again->entries_after(0);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].nusd, 10);
  std::filesystem::remove(path);
}

TEST(SpendJournal, TheRingKeepsTheLatestEntriesAndSkipsIdsTooLong) {
  const std::string path = temp_file("torii-journal-c");
  std::filesystem::remove(path);
  std::string error;
  auto j = SpendJournal::open(path, error);
  ASSERT_TRUE(j) << error;
  const uint64_t n = SpendJournal::kEntries + 10;
  for (uint64_t i = 1; i <= n; ++i) ASSERT_EQ(j->append(record(int64_t(i), "k")), i);
  auto all = j->entries_after(0);
  ASSERT_EQ(all.size(), SpendJournal::kEntries);
  EXPECT_EQ(all.front().nusd, 11);
  EXPECT_EQ(all.back().nusd, int64_t(n));
  EXPECT_EQ(j->append(record(1, std::string(SpendJournal::kIdBytes + 1, 'x'))), 0u);
  std::filesystem::remove(path);
}

TEST(SpendJournal, OneProcessHoldsAFileAtATime) {
  const std::string path = temp_file("torii-journal-d");
  std::filesystem::remove(path);
  std::string error;
  auto held = SpendJournal::open(path, error);
  ASSERT_TRUE(held) << error;
  // flock locks belong to the open file description: a second open, as
  // another process would make, is refused while the first is held.
  bool busy = false;
  EXPECT_FALSE(SpendJournal::open(path, error, &busy));
  EXPECT_TRUE(busy);
  held.reset();
  EXPECT_TRUE(SpendJournal::open(path, error, &busy)) << error;
  std::filesystem::remove(path);
}
