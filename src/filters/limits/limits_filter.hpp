#pragma once
// Rate limits of the key, its user and its team: requests per minute,
// tokens per minute and requests in flight (`rpm`, `tpm`, `max_parallel`).
// Each is a lock-free counter of its principal (governance/rate_counter.hpp),
// so the limit is exact across workers. A request is admitted only if
// every level admits it; a refusal gives back what the levels before took.
// Tokens are charged up front as the prompt's estimate (its bytes / 4) plus
// max_tokens (or kDefaultOutputTokens when the body sets none), and trued up
// to the real usage on completion. Answers carry OpenAI's x-ratelimit-*
// headers for the tightest level; a refusal is a 429 with Retry-After.
#include "pipeline/filter.hpp"

namespace torii::filters::limits {

// What a request without max_tokens is admitted on, before its true-up.
inline constexpr int64_t kDefaultOutputTokens = 256;

class LimitsFilter final : public pipeline::Filter {
 public:
  explicit LimitsFilter(size_t index) : index_(index) {}
  std::string_view name() const override { return "limits"; }
  std::optional<ApiError> on_admit(pipeline::RequestContext& ctx, const pipeline::Admission& a) const override;
  void on_head(pipeline::RequestContext& ctx, int status, http::Headers& headers) const override;
  void on_complete(pipeline::RequestContext& ctx) const override;

 private:
  size_t index_;
};

// "20ms", "7s", "1m30s": how x-ratelimit-reset-* say a duration.
std::string format_reset(int64_t ns);

}  // namespace torii::filters::limits
