#pragma once
// Metering: the rate limits (`rpm`, `tpm`, `max_parallel`) and budgets
// (`max_budget_usd` per `budget_period`) of a request's key, user and team,
// checked once its model is known (on_admit) and settled when it ends.
// One concern because one decision: with shared counters (store.redis) all
// of it is one round trip to Redis; without them, the principals' own
// in-process counters (local_meter.hpp).
//
// Rate limits: tokens are charged up front (estimate.hpp) and trued up to
// the real usage; answers carry OpenAI's x-ratelimit-* headers for the
// tightest level, refusals are 429 with Retry-After. Budgets are hard caps:
// the request's maximum cost is reserved against each, refused with 402
// budget_exceeded when one has no room, and replaced by the real cost at
// the end. Every settled cost also goes to the spend ledger.
#include <chrono>

#include "pipeline/filter.hpp"
#include "store/redis/redis_url.hpp"

namespace torii::filters::metering {

class MeteringFilter final : public pipeline::Filter {
 public:
  MeteringFilter(size_t index, std::optional<store::RedisEndpoint> shared, bool fail_closed, std::chrono::seconds lease)
      : index_(index), shared_(std::move(shared)), fail_closed_(fail_closed), lease_(lease) {}
  std::string_view name() const override { return "metering"; }
  bool admits_async() const override { return shared_.has_value(); }
  std::optional<ApiError> on_admit(pipeline::RequestContext& ctx, const pipeline::Admission& a) const override;
  boost::asio::awaitable<std::optional<ApiError>> on_admit_async(pipeline::RequestContext& ctx,
                                                                 const pipeline::Admission& a) const override;
  void on_head(pipeline::RequestContext& ctx, int status, http::Headers& headers) const override;
  void on_complete(pipeline::RequestContext& ctx) const override;

 private:
  size_t index_;
  std::optional<store::RedisEndpoint> shared_;
  bool fail_closed_;
  std::chrono::seconds lease_;
};

}  // namespace torii::filters::metering
