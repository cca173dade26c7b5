#pragma once
// The process's file descriptors, prepared before any thread starts.
//
// Linux grows a process's descriptor table by doubling it when a new
// descriptor does not fit (64, 128, 256, ...); in a process with more than
// one thread every growth waits for an RCU grace period, stalling the
// thread that opened the descriptor (a worker accepting a connection or
// connecting upstream) for 5-20 ms. A burst of new connections in a fresh
// gateway crossed 128, 256 and 512 descriptors that way, which showed as a
// cold-start tail in time to first token. Growing the table once while the
// process still has one thread costs no grace period, and the kernel never
// shrinks it.
namespace torii::http {

struct DescriptorReport {
  long soft_limit = 0;   // RLIMIT_NOFILE after raising it
  long table_slots = 0;  // the descriptor table now holds this many (0: not grown)
};

// Raises the soft RLIMIT_NOFILE to the hard one, then grows the descriptor
// table to min(the limit, 65536) slots. Call before starting threads.
DescriptorReport prepare_descriptors();

}  // namespace torii::http
