#include "filters/metering/metering_filter.hpp"

#include <chrono>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "filters/auth/virtual_keys.hpp"
#include "filters/metering/local_meter.hpp"
#include "filters/metering/redis_meter.hpp"
#include "filters/metering/refusals.hpp"
#include "governance/ledger.hpp"
#include "governance/money.hpp"
#include "llm/pricing.hpp"
#include "pipeline/filter_chain.hpp"
#include "routing/model_table.hpp"

namespace torii::filters::metering {

namespace {

bool meters(const governance::Principal& p) { return p.policy.limits_rate() || p.policy.max_budget_nusd; }

bool metered(const pipeline::RequestContext& ctx) {
  for (const governance::Principal* p : ctx.principals)
    if (p && (meters(*p) || !p->model_limits.empty())) return true;
  return false;
}

// The levels the request is metered against (see MeteringState::levels).
void collect_levels(const pipeline::RequestContext& ctx, std::string_view model, MeteringState& st) {
  st.count = 0;
  for (const governance::Principal* p : ctx.principals) {
    if (!p) continue;
    if (meters(*p) && st.count < MeteringState::kMaxLevels) st.levels[st.count++] = p;
    for (const auto& m : p->model_limits)
      if (st.count < MeteringState::kMaxLevels && filters::model_allowed(m->policy.models, model))
        st.levels[st.count++] = m.get();
  }
}

MeteringState* state_of(pipeline::RequestContext& ctx, size_t index) {
  if (ctx.state.size() <= index || !ctx.state[index]) return nullptr;
  return static_cast<MeteringState*>(ctx.state[index].get());
}

}  // namespace

std::optional<ApiError> MeteringFilter::on_admit(pipeline::RequestContext& ctx, const pipeline::Admission& a) const {
  if (!metered(ctx)) return std::nullopt;
  MeteringState& st = ctx.state_of<MeteringState>(index_);
  collect_levels(ctx, a.model->name, st);
  return admit_locally(ctx, a, st);
}

boost::asio::awaitable<std::optional<ApiError>> MeteringFilter::on_admit_async(pipeline::RequestContext& ctx,
                                                                              const pipeline::Admission& a) const {
  if (!metered(ctx)) co_return std::nullopt;
  MeteringState& st = ctx.state_of<MeteringState>(index_);
  collect_levels(ctx, a.model->name, st);
  bool unreachable = false;
  std::optional<ApiError> verdict = co_await admit_shared(ctx, a, st, *shared_, lease_, unreachable);
  if (!unreachable) co_return verdict;
  // on_store_error: closed refuses; open falls back to this node's own counters.
  if (fail_closed_) {
    ApiError e = counters_unavailable("Redis did not answer");
    co_return e;
  }
  collect_levels(ctx, a.model->name, st);  // the failed attempt's release cleared them
  co_return admit_locally(ctx, a, st);
}

void MeteringFilter::on_head(pipeline::RequestContext& ctx, int, http::Headers& headers) const {
  MeteringState* st = state_of(ctx, index_);
  if (!st) return;
  if (st->has_requests) {
    headers.set("x-ratelimit-limit-requests", std::to_string(st->requests_limit));
    headers.set("x-ratelimit-remaining-requests", std::to_string(st->requests.remaining));
    headers.set("x-ratelimit-reset-requests", format_reset(st->requests.reset_ns));
  }
  if (st->has_tokens) {
    headers.set("x-ratelimit-limit-tokens", std::to_string(st->tokens_limit));
    headers.set("x-ratelimit-remaining-tokens", std::to_string(st->tokens.remaining));
    headers.set("x-ratelimit-reset-tokens", format_reset(st->tokens.reset_ns));
  }
  if (st->remaining_nusd)
    headers.set("x-torii-budget-remaining-usd",
                llm::format_cost(governance::to_usd(std::max<int64_t>(0, *st->remaining_nusd))));
}

void MeteringFilter::on_complete(pipeline::RequestContext& ctx) const {
  // What the request really took: all of its prompt and its output, and its
  // cost (none when it failed or was refused further on; what was generated
  // when it was cancelled).
  const bool refused_later = ctx.admission_refused;
  const llm::Usage& u = ctx.ex.usage;
  const int64_t used = refused_later ? 0 : u.prompt_total() + u.output;
  const bool charged = !refused_later && ctx.ex.cost_usd && *ctx.ex.cost_usd > 0;
  const int64_t cost = charged ? governance::to_nusd(*ctx.ex.cost_usd) : 0;
  if (MeteringState* st = state_of(ctx, index_)) {
    if (st->shared) {
      settle_shared(*st, *shared_, used, cost, refused_later);
      // This node's view of each budget's period (seeds Redis if it loses it).
      const int64_t now_us = core::unix_now_us();
      if (cost > 0)
        for (const governance::Principal* p : ctx.principals)
          if (p && p->policy.max_budget_nusd) p->counters->budget.settle(0, cost, p->policy.budget_period, now_us);
    } else {
      settle_locally(*st, used, cost, refused_later);
    }
  }
  if (cost <= 0) return;
  governance::Ledger* ledger = governance::Ledger::running();
  if (!ledger) return;
  auto record = std::make_unique<governance::SpendRecord>();
  record->at_us = core::unix_now_us();
  record->nusd = cost;
  bool any = false;
  for (int l = 0; l < 3; ++l)
    if (const governance::Principal* p = ctx.principals[l]) {
      record->ids[l] = p->id;
      any = true;
    }
  if (any) ledger->record(std::move(record));
}

}  // namespace torii::filters::metering

namespace torii::filters {

// Registered by the generated filter_registrations.cpp (this folder's name).
void register_metering(pipeline::FilterRegistry& registry) {
  registry.add({"metering", 200, [](const Config& config, size_t index) -> std::unique_ptr<pipeline::Filter> {
                  // Limits and budgets come with keys: none without a place keys come from.
                  if (!config.admin_enabled && !config.sections.count("keys")) return nullptr;
                  std::optional<store::RedisEndpoint> shared;
                  if (!config.store.redis.empty()) {
                    std::string error;
                    shared = store::parse_redis_url(config.store.redis, error);  // checked by the config
                  }
                  return std::make_unique<metering::MeteringFilter>(index, std::move(shared), config.store.fail_closed,
                                                                    std::chrono::seconds(config.store.reservation_lease_s));
                }});
}

}  // namespace torii::filters
