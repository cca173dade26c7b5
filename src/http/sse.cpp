#include "http/sse.hpp"

namespace torii::http {

bool SseSplitter::next(std::string& event) {
  // An event ends with an empty line; lines end with "\n" or "\r\n".
  size_t i = std::max(scan_, start_);
  while (true) {
    size_t nl = buffer_.find('\n', i);
    if (nl == std::string::npos) {
      scan_ = buffer_.size();
      break;
    }
    size_t next = nl + 1;
    bool blank_follows = false;
    size_t end = 0;
    if (next < buffer_.size() && buffer_[next] == '\n') {
      blank_follows = true;
      end = next + 1;
    } else if (next + 1 < buffer_.size() && buffer_[next] == '\r' && buffer_[next + 1] == '\n') {
      blank_follows = true;
      end = next + 2;
    } else if (next >= buffer_.size() || (buffer_[next] == '\r' && next + 1 >= buffer_.size())) {
      // Cannot tell yet whether a blank line follows.
      scan_ = nl;
      break;
    }
    if (blank_follows) {
      event.assign(buffer_, start_, end - start_);
      start_ = end;
      scan_ = end;
      // Compact once the consumed prefix dominates, keeping appends amortised O(1).
      if (start_ > 4096 && start_ * 2 > buffer_.size()) {
        buffer_.erase(0, start_);
        scan_ -= start_;
        start_ = 0;
      }
      return true;
    }
    i = next;
  }
  return false;
}

bool parse_sse_event(std::string_view raw, SseEvent& out) {
  out = {};
  bool has_data = false;
  while (!raw.empty()) {
    size_t nl = raw.find('\n');
    std::string_view line = raw.substr(0, nl);
    raw = nl == std::string_view::npos ? std::string_view() : raw.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == ':') continue;
    size_t colon = line.find(':');
    std::string_view field = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
    if (field == "data") {
      if (has_data) out.data += '\n';
      out.data += value;
      has_data = true;
    } else if (field == "event") {
      out.event = std::string(value);
    } else if (field == "id") {
      out.id = std::string(value);
    }
  }
  return has_data || !out.event.empty();
}

std::string sse_data_event(std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 8);
  out += "data: ";
  out += payload;
  out += "\n\n";
  return out;
}

}  // namespace torii::http
