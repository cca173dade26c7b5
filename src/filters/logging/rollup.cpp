#include "filters/logging/rollup.hpp"

#include <algorithm>

namespace torii::filters::logging {

void Measures::add(const LogRecord& r) {
  ++requests;
  input += r.usage.input;
  output += r.usage.output;
  cached += r.usage.cached_read;
  cache_write += r.usage.cache_write;
  reasoning += r.usage.reasoning;
  if (r.cost_usd) cost += *r.cost_usd;
  if (r.status >= 400) ++errors;
  if (r.cache == "hit" || r.cache == "semantic-hit") ++cache_hits;
  if (!r.cost_usd && r.status < 400) ++unpriced;
}

std::vector<std::string_view> tags_of(const LogRecord& r) {
  std::vector<std::string_view> out;
  std::string_view tags = r.tags;
  while (!tags.empty()) {
    const size_t comma = tags.find(',');
    const std::string_view tag = tags.substr(0, comma);
    tags = comma == std::string_view::npos ? std::string_view() : tags.substr(comma + 1);
    if (!tag.empty() && std::find(out.begin(), out.end(), tag) == out.end()) out.push_back(tag);
  }
  return out;
}

Rollups rollups_of(const std::vector<std::unique_ptr<LogRecord>>& batch) {
  Rollups rollups;
  for (const auto& r : batch) {
    const std::vector<std::string_view> tags = tags_of(*r);
    for (int period = 0; period < 2; ++period) {
      const int64_t bucket = r->start_us / (period == 0 ? kHourUs : kDayUs);
      rollups[{period, "all", bucket, ""}].add(*r);
      rollups[{period, "key", bucket, r->key_id}].add(*r);
      rollups[{period, "team", bucket, r->team_id}].add(*r);
      rollups[{period, "user", bucket, r->user_id}].add(*r);
      rollups[{period, "model", bucket, r->model}].add(*r);
      rollups[{period, "provider", bucket, r->provider}].add(*r);
      for (std::string_view tag : tags) rollups[{period, "tag", bucket, tag}].add(*r);
    }
  }
  return rollups;
}

}  // namespace torii::filters::logging
