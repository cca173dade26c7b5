// prepare_descriptors: the soft descriptor limit raised to the hard one and
// the kernel's descriptor table grown up front (FDSize in /proc/self/status
// is the table's size), so that no later open waits on its growth.
#include <sys/resource.h>

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "http/descriptors.hpp"

namespace {

long fd_table_size() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("FDSize:", 0) == 0) return std::stol(line.substr(7));
  return -1;
}

TEST(Descriptors, RaisesTheSoftLimitAndGrowsTheTableOnce) {
  rlimit before{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &before), 0);
  const long expected = std::min<long>(before.rlim_max == RLIM_INFINITY ? 65536 : long(before.rlim_max), 65536);
  ASSERT_GT(expected, 256) << "this machine's hard limit is too low to tell";
  torii::http::DescriptorReport r = torii::http::prepare_descriptors();
  rlimit after{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &after), 0);
  EXPECT_EQ(after.rlim_cur, before.rlim_max);
  EXPECT_EQ(r.table_slots, expected);
  EXPECT_GE(fd_table_size(), expected);
  // The descriptor it used is closed again: the next open gets a low number.
  const int fd = ::dup(0);
  EXPECT_GE(fd, 0);
  EXPECT_LT(fd, 64);
  ::close(fd);
}

}  // namespace
