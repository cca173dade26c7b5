#pragma once
// The request log's spool: records the store could not take, kept in a
// local file (one JSON object per line) until it can. The writer spills to
// it when its in-memory backlog is full and when it stops with records
// unwritten; it replays the file when the store works (at start, and after
// an outage). Bounded by `max_bytes`; past that, records are dropped and
// counted by the caller.
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "filters/logging/log_record.hpp"

namespace torii::filters::logging {

std::string record_to_json(const LogRecord& r);
// False when `line` is not a record this build wrote.
bool record_from_json(std::string_view line, LogRecord& r);

class Spool {
 public:
  Spool(std::string path, uint64_t max_bytes) : path_(std::move(path)), max_bytes_(max_bytes) {}
  // Appends as many of `records` as fit (from the front); returns how many.
  size_t append(const std::deque<std::unique_ptr<LogRecord>>& records, size_t count);
  // Reads every spooled record (the file stays until clear()).
  std::vector<std::unique_ptr<LogRecord>> load();
  void clear();
  bool empty() const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  uint64_t max_bytes_;
};

}  // namespace torii::filters::logging
