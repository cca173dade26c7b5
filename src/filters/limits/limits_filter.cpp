#include "filters/limits/limits_filter.hpp"

#include <chrono>

#include "pipeline/filter_chain.hpp"
#include "pipeline/request_context.hpp"

namespace torii::filters::limits {

namespace {

using governance::Principal;
using governance::RateCharge;

// What this request took from each level, to give back or true up.
struct LimitsState final : pipeline::FilterState {
  struct Taken {
    int64_t rpm = 0, tpm = 0;  // the limits charged against (0: none)
    int64_t tokens = 0;        // charged to tpm
    bool parallel = false;
  } taken[3];
  // For the headers: the tightest level's figures.
  bool has_requests = false, has_tokens = false;
  RateCharge requests, tokens;
  int64_t requests_limit = 0, tokens_limit = 0;
};

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void give_back(const Principal& p, LimitsState::Taken& t, bool request_too) {
  auto& c = *p.counters;
  if (request_too && t.rpm) c.requests.refund(t.rpm, 1);
  if (t.tpm && t.tokens) c.tokens.refund(t.tpm, t.tokens);
  if (t.parallel) c.parallel.leave();
  t = {};
}

std::string whole_seconds(int64_t ns) { return std::to_string(std::max<int64_t>(1, (ns + 999'999'999) / 1'000'000'000)); }

ApiError too_many(const pipeline::RequestContext& ctx, const Principal& p, const std::string& what, int64_t retry_ns) {
  std::string message = "Rate limit reached for " + p.describe() + ": " + what;
  if (retry_ns > 0) message += "; try again in " + format_reset(retry_ns);
  ApiError e = make_error(429, std::move(message), ctx.surface == pipeline::Surface::anthropic ? "" : "rate_limit_exceeded");
  e.retry_after = whole_seconds(retry_ns);
  return e;
}

}  // namespace

std::string format_reset(int64_t ns) {
  if (ns < 1'000'000'000) return std::to_string(std::max<int64_t>(0, (ns + 999'999) / 1'000'000)) + "ms";
  const int64_t s = (ns + 999'999'999) / 1'000'000'000;
  if (s < 60) return std::to_string(s) + "s";
  return std::to_string(s / 60) + "m" + std::to_string(s % 60) + "s";
}

std::optional<ApiError> LimitsFilter::on_admit(pipeline::RequestContext& ctx, const pipeline::Admission& a) const {
  bool any = false;
  for (const Principal* p : ctx.principals) any = any || (p && p->policy.limits_rate());
  if (!any) return std::nullopt;
  LimitsState& st = ctx.state_of<LimitsState>(index_);
  const int64_t now = now_ns();
  const int64_t tokens = int64_t((a.body_bytes + 3) / 4) +
                         (!a.produces_output ? 0 : a.max_output_tokens >= 0 ? a.max_output_tokens : kDefaultOutputTokens);
  auto undo = [&](int upto) {
    for (int l = 0; l <= upto; ++l)
      if (ctx.principals[l]) give_back(*ctx.principals[l], st.taken[l], true);
  };
  for (int l = 0; l < 3; ++l) {
    const Principal* p = ctx.principals[l];
    if (!p || !p->policy.limits_rate()) continue;
    const governance::Policy& policy = p->policy;
    auto& c = *p->counters;
    LimitsState::Taken& t = st.taken[l];
    if (policy.max_parallel) {
      int64_t in_flight = 0;
      if (!c.parallel.enter(*policy.max_parallel, in_flight)) {
        undo(l);
        return too_many(ctx, *p, std::to_string(*policy.max_parallel) + " requests in flight (max_parallel)", 1'000'000'000);
      }
      t.parallel = true;
    }
    if (policy.rpm) {
      RateCharge r = c.requests.charge(*policy.rpm, 1, now);
      if (!r.admitted) {
        undo(l);
        return too_many(ctx, *p, std::to_string(*policy.rpm) + " requests per minute (rpm)", r.retry_after_ns);
      }
      t.rpm = *policy.rpm;
      if (!st.has_requests || r.remaining < st.requests.remaining) {
        st.requests = r;
        st.requests_limit = *policy.rpm;
        st.has_requests = true;
      }
    }
    if (policy.tpm) {
      RateCharge r = c.tokens.charge(*policy.tpm, tokens, now);
      if (!r.admitted) {
        undo(l);
        std::string what = std::to_string(*policy.tpm) + " tokens per minute (tpm)";
        if (r.never) what += "; this request alone may use about " + std::to_string(tokens) + " (lower max_tokens)";
        return too_many(ctx, *p, what, r.never ? 0 : r.retry_after_ns);
      }
      t.tpm = *policy.tpm;
      t.tokens = tokens;
      if (!st.has_tokens || r.remaining < st.tokens.remaining) {
        st.tokens = r;
        st.tokens_limit = *policy.tpm;
        st.has_tokens = true;
      }
    }
  }
  return std::nullopt;
}

void LimitsFilter::on_head(pipeline::RequestContext& ctx, int, http::Headers& headers) const {
  if (ctx.state.size() <= index_ || !ctx.state[index_]) return;
  auto& st = static_cast<LimitsState&>(*ctx.state[index_]);
  if (st.has_requests) {
    headers.set("x-ratelimit-limit-requests", std::to_string(st.requests_limit));
    headers.set("x-ratelimit-remaining-requests", std::to_string(st.requests.remaining));
    headers.set("x-ratelimit-reset-requests", format_reset(st.requests.reset_ns));
  }
  if (st.has_tokens) {
    headers.set("x-ratelimit-limit-tokens", std::to_string(st.tokens_limit));
    headers.set("x-ratelimit-remaining-tokens", std::to_string(st.tokens.remaining));
    headers.set("x-ratelimit-reset-tokens", format_reset(st.tokens.reset_ns));
  }
}

void LimitsFilter::on_complete(pipeline::RequestContext& ctx) const {
  if (ctx.state.size() <= index_ || !ctx.state[index_]) return;
  auto& st = static_cast<LimitsState&>(*ctx.state[index_]);
  // What the request really used: all of its prompt and its output (none
  // when it failed; what was generated when it was cancelled).
  const llm::Usage& u = ctx.ex.usage;
  const int64_t used = ctx.admission_refused ? 0 : u.prompt_total() + u.output;
  for (int l = 0; l < 3; ++l) {
    const Principal* p = ctx.principals[l];
    LimitsState::Taken& t = st.taken[l];
    if (!p) continue;
    if (ctx.admission_refused) {
      give_back(*p, t, true);
      continue;
    }
    if (t.tpm && t.tokens != used) p->counters->tokens.refund(t.tpm, t.tokens - used);
    if (t.parallel) p->counters->parallel.leave();
    t = {};
  }
}

}  // namespace torii::filters::limits

namespace torii::filters {

// Registered by the generated filter_registrations.cpp (this folder's name).
void register_limits(pipeline::FilterRegistry& registry) {
  registry.add({"limits", 200, [](const Config& config, size_t index) -> std::unique_ptr<pipeline::Filter> {
                  // Limits come with keys: none without a place keys come from.
                  if (!config.admin_enabled && !config.sections.count("keys")) return nullptr;
                  return std::make_unique<limits::LimitsFilter>(index);
                }});
}

}  // namespace torii::filters
