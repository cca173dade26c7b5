#pragma once
// The spend rollups a batch of log records adds to: per hour (period 0) and
// per day (period 1), one row per dimension value ('all', 'key', 'team',
// 'user', 'model', 'provider', 'tag'; a missing value is ''). Both stores
// (SQLite and PostgreSQL) upsert these in the transaction of the rows.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "filters/logging/log_record.hpp"

namespace torii::filters::logging {

inline constexpr int64_t kHourUs = 3'600'000'000LL;
inline constexpr int64_t kDayUs = 24 * kHourUs;

// One group's totals, as the rollup table keeps them.
struct Measures {
  int64_t requests = 0, input = 0, output = 0, cached = 0, cache_write = 0, reasoning = 0, errors = 0, cache_hits = 0,
          unpriced = 0;
  double cost = 0;
  void add(const LogRecord& r);
};

// period, dim, bucket, value: views into the batch's records.
using RollupKey = std::tuple<int, std::string_view, int64_t, std::string_view>;
// Ordered, so every writer upserts a batch's rows in the same order (no
// deadlock between nodes sharing one PostgreSQL).
using Rollups = std::map<RollupKey, Measures>;

Rollups rollups_of(const std::vector<std::unique_ptr<LogRecord>>& batch);

// A record's tags ("a,b" as normalised), each once, in their order.
std::vector<std::string_view> tags_of(const LogRecord& r);

}  // namespace torii::filters::logging
