#include "filters/logging/spool.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <boost/json.hpp>

namespace torii::filters::logging {

namespace json = boost::json;

std::string record_to_json(const LogRecord& r) {
  json::object o;
  o["v"] = 1;
  o["request_id"] = r.request_id;
  o["start_us"] = r.start_us;
  o["duration_ms"] = r.duration_ms;
  if (r.ttft_ms) o["ttft_ms"] = *r.ttft_ms;
  if (r.upstream_ms) o["upstream_ms"] = *r.upstream_ms;
  o["surface"] = r.surface;
  o["method"] = r.method;
  o["path"] = r.path;
  o["model"] = r.model;
  o["provider"] = r.provider;
  o["upstream_model"] = r.upstream_model;
  o["fallback_model"] = r.fallback_model;
  o["attempts"] = r.attempts;
  o["status"] = r.status;
  o["error_code"] = r.error_code;
  o["cancelled"] = r.cancelled;
  o["streamed"] = r.streamed;
  o["key_id"] = r.key_id;
  o["team_id"] = r.team_id;
  o["user_id"] = r.user_id;
  o["session_id"] = r.session_id;
  o["tags"] = r.tags;
  o["metadata"] = r.metadata;
  o["usage"] = json::array{r.usage.input,     r.usage.output,    r.usage.cached_read, r.usage.cache_write,
                           r.usage.reasoning, r.usage.audio,     int64_t(r.usage.reported),
                           int64_t(r.usage.estimated)};
  if (r.cost_usd) o["cost_usd"] = *r.cost_usd;
  o["cache"] = r.cache;
  if (r.cache_saved_usd) o["cache_saved_usd"] = *r.cache_saved_usd;
  o["guardrails"] = r.guardrails;
  o["finish_reason"] = r.finish_reason;
  if (r.has_bodies) {
    o["request_body"] = r.request_body;
    o["response_body"] = r.response_body;
    o["body_truncated"] = r.body_truncated;
  }
  return json::serialize(o);
}

bool record_from_json(std::string_view line, LogRecord& r) {
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec || !v.is_object()) return false;
  const json::object& o = v.as_object();
  try {
    if (o.at("v").to_number<int64_t>() != 1) return false;
    auto str = [&](const char* k) { return std::string(o.at(k).as_string()); };
    r.request_id = str("request_id");
    r.start_us = o.at("start_us").to_number<int64_t>();
    r.duration_ms = o.at("duration_ms").to_number<double>();
    if (auto* t = o.if_contains("ttft_ms")) r.ttft_ms = t->to_number<double>();
    if (auto* t = o.if_contains("upstream_ms")) r.upstream_ms = t->to_number<double>();
    r.surface = str("surface");
    r.method = str("method");
    r.path = str("path");
    r.model = str("model");
    r.provider = str("provider");
    r.upstream_model = str("upstream_model");
    r.fallback_model = str("fallback_model");
    r.attempts = int(o.at("attempts").to_number<int64_t>());
    r.status = int(o.at("status").to_number<int64_t>());
    r.error_code = str("error_code");
    r.cancelled = o.at("cancelled").as_bool();
    r.streamed = o.at("streamed").as_bool();
    r.key_id = str("key_id");
    r.team_id = str("team_id");
    r.user_id = str("user_id");
    r.session_id = str("session_id");
    r.tags = str("tags");
    r.metadata = str("metadata");
    const json::array& u = o.at("usage").as_array();
    if (u.size() != 8) return false;
    r.usage.input = u[0].to_number<int64_t>();
    r.usage.output = u[1].to_number<int64_t>();
    r.usage.cached_read = u[2].to_number<int64_t>();
    r.usage.cache_write = u[3].to_number<int64_t>();
    r.usage.reasoning = u[4].to_number<int64_t>();
    r.usage.audio = u[5].to_number<int64_t>();
    r.usage.reported = u[6].to_number<int64_t>() != 0;
    r.usage.estimated = u[7].to_number<int64_t>() != 0;
    if (auto* c = o.if_contains("cost_usd")) r.cost_usd = c->to_number<double>();
    // Absent from lines an older build spooled.
    auto optional_str = [&](const char* k) {
      const json::value* x = o.if_contains(k);
      return x ? std::string(x->as_string()) : std::string();
    };
    r.cache = optional_str("cache");
    if (auto* c = o.if_contains("cache_saved_usd")) r.cache_saved_usd = c->to_number<double>();
    r.guardrails = optional_str("guardrails");
    r.finish_reason = optional_str("finish_reason");
    if (auto* b = o.if_contains("request_body")) {
      r.has_bodies = true;
      r.request_body = std::string(b->as_string());
      r.response_body = str("response_body");
      r.body_truncated = o.at("body_truncated").as_bool();
    }
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

size_t Spool::append(const std::deque<std::unique_ptr<LogRecord>>& records, size_t count) {
  std::error_code ec;
  uint64_t size = std::filesystem::exists(path_, ec) ? std::filesystem::file_size(path_, ec) : 0;
  if (ec) size = 0;
  std::FILE* f = std::fopen(path_.c_str(), "ab");
  if (!f) return 0;
  size_t written = 0;
  for (size_t i = 0; i < count && i < records.size(); ++i) {
    std::string line = record_to_json(*records[i]);
    line += '\n';
    if (size + line.size() > max_bytes_) break;
    if (std::fwrite(line.data(), 1, line.size(), f) != line.size()) break;
    size += line.size();
    ++written;
  }
  // A record counts as spooled only once it is on the file.
  if (std::fflush(f) != 0) written = 0;
  std::fclose(f);
  return written;
}

std::vector<std::unique_ptr<LogRecord>> Spool::load() {
  std::vector<std::unique_ptr<LogRecord>> out;
  std::ifstream in(path_);
  std::string line;
  while (std::getline(in, line)) {
    auto r = std::make_unique<LogRecord>();
    if (record_from_json(line, *r)) out.push_back(std::move(r));  // a torn last line is skipped
  }
  return out;
}

void Spool::clear() {
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

bool Spool::empty() const {
  std::error_code ec;
  return !std::filesystem::exists(path_, ec) || std::filesystem::file_size(path_, ec) == 0;
}

}  // namespace torii::filters::logging
