#pragma once
// A webhook rule's service: the texts of a request go to it as
// POST {"rule": NAME, "side": "input", "texts": [...]}, and it answers
// {"action": "allow" | "block" | "rewrite", "texts": [...], "reason": "..."}
// (`texts`, for rewrite: one per text sent, in order). Anything else (a
// timeout, a status other than 200, a body that is not such an answer) is
// a failure, which the rule's `fail` turns into a pass or a refusal.
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "filters/guardrails/rules.hpp"
#include "http/client.hpp"

namespace torii::filters::guardrails {

struct Verdict {
  enum Kind { allow, block, rewrite, failed } kind = failed;
  std::vector<std::string> texts;  // rewrite
  std::string reason;              // block: the service's; failed: what went wrong
};

boost::asio::awaitable<Verdict> ask_webhook(http::UpstreamClient& client, const Rule& rule,
                                            const std::vector<std::string>& texts);

}  // namespace torii::filters::guardrails
