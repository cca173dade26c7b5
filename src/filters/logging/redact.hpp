#pragma once
// The request log's built-in redaction of bodies: email addresses, payment
// card numbers (Luhn-checked) and secrets (API keys, AWS access keys, GitHub
// and Slack tokens, JWTs) become [EMAIL], [CARD] and [SECRET]. Runs on the
// log writer's thread, never on the request path. The guardrails' PII rules
// will replace it when they exist.
#include <string>
#include <string_view>

namespace torii::filters::logging {

std::string redact(std::string_view text);

}  // namespace torii::filters::logging
