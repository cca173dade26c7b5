#pragma once
// The `logging:` section: the request log (one row per request in the
// store's SQLite database).
#include <cstdint>

#include "config/config.hpp"

namespace torii::filters::logging {

struct LoggingSection {
  bool enabled = true;
  bool bodies = false;              // keep request and response bodies (capped, redacted)
  uint64_t max_body_bytes = 65536;  // per body
  uint32_t retention_days = 30;     // rows
  uint32_t content_retention_days = 7;  // bodies
  uint64_t backlog_max_records = 100000;  // held in memory while the store fails
  uint64_t spool_max_bytes = 64ull << 20;  // then spooled to {store.path}/log-spool.jsonl
};

const LoggingSection& logging_section(const Config& config);

}  // namespace torii::filters::logging
