#pragma once
// The request log's redaction of bodies: email addresses, payment card
// numbers (Luhn-checked) and secrets (API keys, AWS access keys, GitHub and
// Slack tokens, JWTs, private keys) become [EMAIL], [CARD] and [SECRET]:
// the guardrails' own detectors (filters/guardrails/pii.hpp). Runs on the
// log writer's thread, never on the request path.
#include <string>
#include <string_view>

namespace torii::filters::logging {

std::string redact(std::string_view text);

}  // namespace torii::filters::logging
