#pragma once
// The surfaces' pipeline::InternalCalls: a filter's own request to a
// configured model (the semantic cache's embeddings call), routed with the
// client request's snapshot and worker, apart from it.
#include "pipeline/admission.hpp"
#include "routing/model_table.hpp"
#include "routing/router.hpp"

namespace torii::surfaces {

class InternalRouter final : public pipeline::InternalCalls {
 public:
  InternalRouter(routing::RouterContext& ctx, const routing::ModelTable& models) : ctx_(ctx), models_(models) {}
  // Runs in a coroutine of its own, so that a call which outlives its
  // timeout finishes (or fails) on its own without holding the request.
  boost::asio::awaitable<Result> call(std::string model, providers::Endpoint endpoint, std::string body,
                                      std::chrono::milliseconds timeout) const override;

 private:
  routing::RouterContext& ctx_;
  const routing::ModelTable& models_;
};

}  // namespace torii::surfaces
