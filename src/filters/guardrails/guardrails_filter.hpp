#pragma once
// Guardrails: the rules (rules.hpp) of a request's model and of its key,
// user and team, on what goes to the provider and
// on what comes back. Input: every text of the request, before the cache
// lookup and the first attempt; a block answers 400 guardrail_violation,
// redactions rewrite the body every attempt then carries. Output: a whole
// answer before its head is written; a stream event by event, holding back
// only the tail a match could still grow into (stream_guard.hpp). What
// acted shows in x-torii-guardrails, the request log and
// torii_guardrail_actions_total.
#include <string>
#include <vector>

#include "filters/guardrails/rules.hpp"
#include "pipeline/filter.hpp"

namespace torii::filters::guardrails {

class GuardrailsFilter final : public pipeline::Filter {
 public:
  GuardrailsFilter(const Config& config, size_t index);
  std::string_view name() const override { return "guardrails"; }
  bool inspects_input() const override { return true; }
  std::optional<ApiError> on_input(pipeline::RequestContext& ctx, pipeline::Input& in) const override;
  // With webhook rules in the config: the local rules, then the webhooks
  // (which see the texts as the local rules left them).
  bool inspects_input_async() const override { return webhooks_; }
  boost::asio::awaitable<std::optional<ApiError>> on_input_async(pipeline::RequestContext& ctx,
                                                                 pipeline::Input& in) const override;
  bool rewrites_output() const override { return output_; }
  std::optional<ApiError> on_answer(pipeline::RequestContext& ctx, int status, std::string& body) const override;
  bool on_events(pipeline::RequestContext& ctx, std::string& events) const override;
  void on_head(pipeline::RequestContext& ctx, int status, http::Headers& headers) const override;
  void on_complete(pipeline::RequestContext& ctx) const override;

  bool attached() const { return attached_; }

 private:
  size_t index_;
  std::shared_ptr<const GuardrailsSection> section_;  // keeps the rules alive
  std::vector<std::vector<const Rule*>> per_model_;   // by routing::Model::index
  bool attached_ = false, output_ = false, webhooks_ = false;
};

// torii_guardrail_actions_total, for /metrics.
std::string render_metrics();

}  // namespace torii::filters::guardrails
