#include "http/descriptors.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace torii::http {

namespace {

// 65536 slots take 512 KiB of kernel memory (a pointer each); past it a
// growth is rare and happens at most once per doubling.
constexpr long kMaxReservedSlots = 65536;

}  // namespace

DescriptorReport prepare_descriptors() {
  DescriptorReport out;
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return out;
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
  }
  out.soft_limit = rl.rlim_cur == RLIM_INFINITY ? kMaxReservedSlots : long(rl.rlim_cur);
  const long slots = std::min(out.soft_limit, kMaxReservedSlots);
  const int highest = int(slots) - 1;
  // A descriptor that high is not in use this early; dup2 onto it makes
  // the kernel size the table for it, and closing it keeps the size.
  if (highest < 3 || (::fcntl(highest, F_GETFD) != -1 || errno != EBADF)) return out;
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  if (::dup2(fd, highest) == highest) {
    ::close(highest);
    out.table_slots = slots;
  }
  ::close(fd);
  return out;
}

}  // namespace torii::http
