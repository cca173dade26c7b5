#pragma once
// Local PII and secret detectors: hand-written scanners, one linear pass
// each, with the validation that keeps false positives low (Luhn for cards,
// mod-97 for IBANs, the SSA's rules for SSNs, octet ranges for IPv4,
// inet_pton for IPv6, known prefixes and lengths for secrets).
#include <cstdint>
#include <string_view>
#include <vector>

namespace torii::filters::guardrails {

enum class Detector : uint8_t { email, phone, credit_card, iban, ssn, ip, secret };
constexpr size_t kDetectors = 7;

const char* detector_name(Detector d);      // "email", "credit_card", ...
const char* detector_label(Detector d);     // "EMAIL", "CARD", ... (placeholders)
bool detector_from_name(std::string_view name, Detector& out);

// A set of detectors.
using DetectorMask = uint32_t;
constexpr DetectorMask bit(Detector d) { return DetectorMask(1) << unsigned(d); }
constexpr DetectorMask kAllDetectors = (DetectorMask(1) << kDetectors) - 1;

struct Span {
  size_t begin = 0, end = 0;  // byte offsets into the text
  Detector kind = Detector::email;
};

// Appends the matches of the detectors in `mask`, in text order, never
// overlapping (where two detectors claim the same bytes, the first to start
// wins, then the longer).
void find_pii(std::string_view text, DetectorMask mask, std::vector<Span>& out);

}  // namespace torii::filters::guardrails
