#include "filters/logging/redact.hpp"

#include <vector>

#include "filters/guardrails/pii.hpp"

namespace torii::filters::logging {

namespace g = torii::filters::guardrails;

std::string redact(std::string_view s) {
  std::vector<g::Span> spans;
  g::find_pii(s, g::bit(g::Detector::email) | g::bit(g::Detector::credit_card) | g::bit(g::Detector::secret), spans);
  if (spans.empty()) return std::string(s);
  std::string out;
  out.reserve(s.size());
  size_t at = 0;
  for (const auto& m : spans) {
    out.append(s.substr(at, m.begin - at));
    out += '[';
    out += g::detector_label(m.kind);
    out += ']';
    at = m.end;
  }
  out.append(s.substr(at));
  return out;
}

}  // namespace torii::filters::logging
