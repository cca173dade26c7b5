#include "routing/router.hpp"

#include <algorithm>
#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/container/small_vector.hpp>

#include "providers/attempt.hpp"
#include "providers/usage_meter.hpp"

namespace torii::routing {

namespace asio = boost::asio;
using providers::AttemptFailure;
using providers::AttemptOutcome;
using providers::AttemptRequest;
using providers::FailureClass;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr auto kMaxCooldown = std::chrono::minutes(5);

bool contains(const std::vector<int>& v, int x) { return std::find(v.begin(), v.end(), x) != v.end(); }

bool mentions(const std::string& text, std::string_view needle) {
  auto it = std::search(text.begin(), text.end(), needle.begin(), needle.end(),
                        [](char a, char b) { return std::tolower((unsigned char)a) == std::tolower((unsigned char)b); });
  return it != text.end();
}

bool is_context_window_error(const ApiError& e) {
  return e.code == "context_length_exceeded" || mentions(e.message, "maximum context length") ||
         mentions(e.message, "context window") || mentions(e.message, "prompt is too long");
}

bool is_content_policy_error(const ApiError& e) {
  return e.code == "content_policy_violation" || e.code == "content_filter" || e.type == "content_policy_violation";
}

bool retryable(const AttemptFailure& f, const RetryPolicy& p) {
  switch (f.cls) {
    case FailureClass::status:
      return p.configured ? contains(p.statuses, f.error.status) : (f.error.status == 429 || f.error.status >= 500);
    case FailureClass::connect: return !p.configured || p.on_connect;
    case FailureClass::timeout: return !p.configured || p.on_timeout;
    case FailureClass::io:
    case FailureClass::protocol: return !p.configured || p.on_connect || contains(p.statuses, 502);
    case FailureClass::cancelled: return false;
  }
  return false;
}

// Failures that say the target is unhealthy (not the request wrong, not a
// rate limit, which has its own cooldown).
bool breaker_failure(const AttemptFailure& f) {
  if (f.cls == FailureClass::cancelled) return false;
  if (f.cls == FailureClass::status) return f.error.status >= 500 && f.error.status != 501;
  return true;
}

// Exponential backoff with full jitter: uniform in [0, min(max, base * 2^n)].
std::chrono::milliseconds backoff(const RetryPolicy& p, int retry, std::mt19937_64& rng) {
  uint64_t cap = uint64_t(p.backoff_ms) << std::min(retry, 20);
  cap = std::min<uint64_t>(cap, p.max_backoff_ms);
  if (cap == 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(std::uniform_int_distribution<uint64_t>(0, cap)(rng));
}

void record(TargetHealth* h, const AttemptOutcome& o, Clock::time_point now) {
  if (!h) return;
  h->requests.fetch_add(1, std::memory_order_relaxed);
  if (o.answer) {
    h->breaker.on_success(now);
    h->record_latency(std::chrono::duration<double, std::milli>(o.latency).count());
  } else if (o.failure.cls == FailureClass::cancelled) {
    h->breaker.release_probe();
  } else {
    h->failures.fetch_add(1, std::memory_order_relaxed);
    if (breaker_failure(o.failure)) h->breaker.on_failure(now);
    else h->breaker.release_probe();
    if (o.failure.cls == FailureClass::status && o.failure.error.status == 429 && o.failure.retry_after.count() > 0) {
      auto until = now + std::min<Clock::duration>(o.failure.retry_after, kMaxCooldown);
      h->cooldown_until_ns.store(until.time_since_epoch().count(), std::memory_order_relaxed);
    }
  }
  h->breaker_state.store(int(h->breaker.state(now)), std::memory_order_relaxed);
}

// Two attempts racing: the first usable answer wins, the other is cancelled.
struct HedgeRace {
  explicit HedgeRace(const asio::any_io_executor& ex) : wake(ex) {}
  asio::steady_timer wake;
  std::optional<AttemptOutcome> outcome[2];
  std::shared_ptr<http::UpstreamCancel> cancel[2];
  TargetHealth* health[2] = {nullptr, nullptr};
  size_t body_bytes[2] = {0, 0};  // of the request each attempt sent
  bool launched[2] = {false, false};
  bool settled = false;
};

struct Attempted {
  AttemptOutcome outcome;
  size_t target = 0;
  int trace_index = -1;
};

// W3C traceparent for a span of `trace`.
std::string traceparent(const providers::TraceContext& trace, uint64_t span_id) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "00-";
  for (uint8_t b : trace.trace_id) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  out += '-';
  for (int shift = 60; shift >= 0; shift -= 4) out += hex[(span_id >> shift) & 15];
  out += "-01";
  return out;
}

class RequestRouter {
 public:
  RequestRouter(RouterContext& ctx, providers::Exchange& ex, RouteInput& in) : ctx_(ctx), ex_(ex), in_(in) {}

  asio::awaitable<void> run() {
    ex_.route.model = in_.model->name;
    // Inline capacity covers a model and a few fallbacks without allocating.
    boost::container::small_vector<const Model*, 8> chain{in_.model}, visited;
    size_t head = 0;  // chain[head..] is still to try
    while (head < chain.size()) {
      const Model* m = chain[head++];
      if (std::find(visited.begin(), visited.end(), m) != visited.end()) continue;
      visited.push_back(m);
      Verdict v = co_await try_model(*m);
      if (v == Verdict::done) co_return;
      const auto& next = v == Verdict::context_window ? m->context_window_fallbacks
                         : v == Verdict::content_policy ? m->content_policy_fallbacks
                                                        : m->fallbacks;
      if (v == Verdict::fatal) break;
      // Class-specific fallbacks jump the queue; plain ones follow it.
      if (v == Verdict::exhausted) chain.insert(chain.end(), next.begin(), next.end());
      else chain.insert(chain.begin() + std::ptrdiff_t(head), next.begin(), next.end());
    }
    co_await fail();
  }

 private:
  enum class Verdict { done, fatal, exhausted, context_window, content_policy };

  // The canonical body for targets outside the surface's own family; made
  // on first need, since a native target may answer before any needs it.
  std::optional<ApiError> canonical(std::shared_ptr<const std::string>& body, const llm::RequestScan*& scan) {
    if (!in_.body && !canonical_error_) {
      std::string text;
      canonical_error_ = in_.to_canonical ? in_.to_canonical(text) : make_error(500, "no canonical request");
      if (!canonical_error_) {
        canonical_scan_ = llm::scan_request(text);
        in_.body = std::make_shared<const std::string>(std::move(text));
        in_.scan = &canonical_scan_;
      }
    }
    if (canonical_error_) return canonical_error_;
    body = in_.body;
    scan = in_.scan;
    return std::nullopt;
  }

  // A budget reserved for an output cap the body does not set (the largest
  // default of the chain): the attempt's body sets it, or this model's own
  // default_max_tokens when smaller, so no upstream generates past what
  // was reserved. Named as the target reads it: OpenAI and Azure take
  // max_completion_tokens (their reasoning models refuse max_tokens), other
  // OpenAI-compatible hosts max_tokens, legacy completions max_tokens, the
  // Responses API max_output_tokens; the translators read either. An
  // Anthropic body always has its max_tokens.
  void hold_to_reserved_cap(const Model& m, const Target& t, bool native, AttemptRequest& r) const {
    if (in_.endpoint == providers::Endpoint::embeddings) return;
    std::string_view field;
    if (native && in_.native_format == providers::WireFormat::responses) field = "max_output_tokens";
    else if (native) return;
    else if (in_.endpoint == providers::Endpoint::completions) field = "max_tokens";
    else if (t.provider->passthrough() && !t.provider->speaks_responses) field = "max_tokens";
    else field = "max_completion_tokens";
    int64_t cap = ex_.output_cap;
    if (m.default_max_tokens > 0) cap = std::min<int64_t>(cap, m.default_max_tokens);
    std::string member = "\"" + std::string(field) + "\":" + std::to_string(cap);
    r.body = std::make_shared<const std::string>(llm::with_first_member(*r.body, member));
  }

  // The request for one attempt at `t`; false (with `failure`) when the
  // request cannot be expressed in that target's format.
  bool make_request(const Model& m, const Target& t, AttemptRequest& r, AttemptFailure& failure) {
    if (ex_.route.upstream_start == Clock::time_point{}) ex_.route.upstream_start = Clock::now();
    ex_.route.provider = t.provider->name;
    ex_.route.upstream_model = t.model;
    ex_.route.provider_ptr = t.provider;
    if (ex_.trace.active) {
      providers::AttemptTrace& at = ex_.route.attempt_traces.emplace_back();
      at.start = Clock::now();
      at.span_id = ctx_.rng() | 1;  // never 0, which means "no span"
      at.provider = t.provider;
      at.upstream_model = t.model;
      r.trace_index = int(ex_.route.attempt_traces.size() - 1);
      r.traceparent = traceparent(ex_.trace, at.span_id);
      r.tracestate = ex_.trace.tracestate;
    } else if (!ex_.trace.passthrough.empty()) {
      r.traceparent = ex_.trace.passthrough;
      r.tracestate = ex_.trace.tracestate;
    }
    r.provider = t.provider;
    r.model = t.model;
    r.endpoint = in_.endpoint;
    r.stream = in_.stream;
    r.request_id = ex_.request_id;
    r.default_max_tokens = int(m.default_max_tokens);
    // Only the model value changes; every other byte goes upstream as sent.
    const bool native = in_.native_body && t.provider->forwards_as_is(in_.native_format);
    std::shared_ptr<const std::string> body = in_.native_body;
    const llm::RequestScan* scan_ptr = in_.native_scan;
    if (!native) {
      if (auto e = canonical(body, scan_ptr)) {
        failure = {FailureClass::status, *e};
        return false;
      }
    }
    const llm::RequestScan& scan = *scan_ptr;
    if (scan.model == t.model) r.body = body;
    else r.body = std::make_shared<const std::string>(llm::replace_model(*body, scan, t.model));
    if (native) {
      r.native = true;
      r.forward_headers = in_.forward_headers;
      if (in_.native_format == providers::WireFormat::responses) r.endpoint = providers::Endpoint::responses;
    }
    if (ex_.output_cap > 0) hold_to_reserved_cap(m, t, native, r);
    // Usage is taken from the stream itself, so OpenAI-wire upstreams are asked
    // for it even when the client did not ask (the extra chunk is removed again).
    if (!native && in_.stream && t.provider->passthrough() && in_.endpoint != providers::Endpoint::embeddings) {
      llm::RequestScan rescan;
      const llm::RequestScan* s = &scan;
      if (r.body != body) {
        rescan = llm::scan_request(*r.body);
        s = &rescan;
      }
      std::string with_usage;
      if (llm::with_stream_usage(*r.body, *s, with_usage)) {
        r.body = std::make_shared<const std::string>(std::move(with_usage));
        r.strip_stream_usage = true;
      }
    }
    const auto& p = *t.provider;
    r.limits.connect = m.timeout.connect_ms ? std::chrono::milliseconds(m.timeout.connect_ms) : p.connect_timeout;
    r.limits.first_token = std::chrono::milliseconds(m.timeout.first_token_ms);
    r.limits.total = m.timeout.total_ms ? std::chrono::milliseconds(m.timeout.total_ms) : p.timeout;
    return true;
  }

  // Eligible targets for the next attempt, in configured order. Targets that
  // failed this request are skipped unless the model has only one; open
  // breakers always; targets cooling down after a 429 unless nothing else is left.
  using Candidates = boost::container::small_vector<Candidate, 8>;
  using FailedTargets = boost::container::small_vector<bool, 16>;  // by target index
  Candidates candidates(const Model& m, const FailedTargets& failed, Clock::time_point now,
                        std::optional<size_t> exclude = std::nullopt) {
    Candidates ready, cooling;
    for (size_t i = 0; i < m.targets.size(); ++i) {
      if ((failed[i] && m.targets.size() > 1) || (exclude && *exclude == i)) continue;
      const Target& t = m.targets[i];
      if (!t.provider->supports(in_.endpoint)) continue;
      TargetHealth* h = ctx_.health.at(t.slot);
      if (h && !h->breaker.available(now)) {
        blocked_ = true;
        continue;
      }
      Candidate c{i, t.weight, h ? h->latency_ms.load(std::memory_order_relaxed) : 0.0,
                  h ? h->in_flight.load(std::memory_order_relaxed) : 0, t.rank_price};
      (h && h->cooling(now) ? cooling : ready).push_back(c);
    }
    return ready.empty() ? cooling : ready;
  }

  asio::awaitable<Verdict> try_model(const Model& m) {
    const RetryPolicy& policy = m.retry;
    const size_t max_attempts =
        policy.configured && policy.attempts > 0 ? policy.attempts : std::max<size_t>(1, m.targets.size());
    FailedTargets failed(m.targets.size(), false);
    std::optional<size_t> previous;
    for (size_t n = 0; n < max_attempts; ++n) {
      auto now = Clock::now();
      auto cands = candidates(m, failed, now);
      if (cands.empty()) co_return Verdict::exhausted;
      size_t i = pick(m.strategy, cands, ctx_.rng, round_robin(m), m.targets.size());

      // Backing off only matters when the same upstream is asked again;
      // moving to another target is immediate.
      if (previous && *previous == i) {
        auto delay = backoff(policy, int(n) - 1, ctx_.rng);
        if (last_ && last_->retry_after.count() > 0)
          delay = std::max(delay, std::min(last_->retry_after, std::chrono::milliseconds(policy.max_backoff_ms)));
        if (delay.count() > 0) {
          asio::steady_timer t(co_await asio::this_coro::executor, delay);
          co_await t.async_wait(nothrow);
        }
      }
      previous = i;

      Attempted a = co_await run_attempt(m, i, failed);
      if (a.outcome.answer) {
        winning_trace_ = a.trace_index;
        co_await deliver(m, m.targets[a.target], std::move(a.outcome.answer));
        co_return Verdict::done;
      }
      const AttemptFailure& f = a.outcome.failure;
      last_ = f;
      failed[a.target] = true;
      if (f.cls == FailureClass::cancelled) co_return Verdict::fatal;
      if (!retryable(f, policy)) {
        if (!m.context_window_fallbacks.empty() && is_context_window_error(f.error)) co_return Verdict::context_window;
        if (!m.content_policy_fallbacks.empty() && is_content_policy_error(f.error)) co_return Verdict::content_policy;
        co_return Verdict::fatal;
      }
    }
    co_return Verdict::exhausted;
  }

  // One attempt on target i; with hedging configured, a second target joins
  // if the first has no answer after hedge.after_ms.
  asio::awaitable<Attempted> run_attempt(const Model& m, size_t i, FailedTargets& failed) {
    const Target& t = m.targets[i];
    Attempted a{{}, i, -1};
    AttemptRequest req;
    // A request the target's format cannot express is the client's error,
    // not the target's: it fails without touching the target's health.
    if (!make_request(m, t, req, a.outcome.failure)) co_return a;
    if (m.hedge_after_ms > 0 && m.targets.size() > 1) co_return co_await run_hedged(m, i, std::move(req), failed);
    TargetHealth* h = ctx_.health.at(t.slot);
    if (h) {
      h->breaker.acquire(Clock::now());
      h->in_flight.fetch_add(1, std::memory_order_relaxed);
    }
    ++attempts_;
    a.trace_index = req.trace_index;
    a.outcome = co_await providers::attempt(ctx_.client, std::move(req));
    if (h) h->in_flight.fetch_sub(1, std::memory_order_relaxed);
    record(h, a.outcome, Clock::now());
    finish_trace(a.trace_index, &a.outcome);
    co_return a;
  }

  void launch(const std::shared_ptr<HedgeRace>& race, int slot, const Model& m, size_t target, AttemptRequest req) {
    const Target& t = m.targets[target];
    TargetHealth* h = ctx_.health.at(t.slot);
    if (h) {
      h->breaker.acquire(Clock::now());
      h->in_flight.fetch_add(1, std::memory_order_relaxed);
    }
    ++attempts_;
    req.cancel = race->cancel[slot] = std::make_shared<http::UpstreamCancel>();
    race->health[slot] = h;
    race->body_bytes[slot] = req.body ? req.body->size() : 0;
    race->launched[slot] = true;
    auto on_done = [race, slot, snapshot = ctx_.snapshot](std::exception_ptr e, AttemptOutcome o) {
      if (e) o.failure = {FailureClass::io, make_error(500, "internal error in attempt")};
      if (TargetHealth* th = race->health[slot]) th->in_flight.fetch_sub(1, std::memory_order_relaxed);
      if (race->settled) {
        // The race is over: a late answer is abandoned, a late failure still counts.
        if (o.answer) {
          o.answer->cancel();
          o.answer.reset();
          o.failure = {FailureClass::cancelled, make_error(499, "hedge lost", "cancelled")};
        }
        record(race->health[slot], o, Clock::now());
        return;
      }
      race->outcome[slot] = std::move(o);
      race->wake.cancel();
    };
    asio::co_spawn(ctx_.executor, providers::attempt(ctx_.client, std::move(req)), std::move(on_done));
  }

  asio::awaitable<Attempted> run_hedged(const Model& m, size_t first, AttemptRequest first_request,
                                        FailedTargets& failed) {
    auto race = std::make_shared<HedgeRace>(co_await asio::this_coro::executor);
    size_t targets[2] = {first, first};
    int traces[2] = {first_request.trace_index, -1};
    launch(race, 0, m, first, std::move(first_request));
    race->wake.expires_after(std::chrono::milliseconds(m.hedge_after_ms));
    co_await race->wake.async_wait(nothrow);
    if (!race->outcome[0]) {
      auto now = Clock::now();
      auto cands = candidates(m, failed, now, first);
      AttemptRequest second;
      AttemptFailure unusable;
      if (!cands.empty()) {
        targets[1] = pick(m.strategy, cands, ctx_.rng, round_robin(m), m.targets.size());
        if (make_request(m, m.targets[targets[1]], second, unusable)) {
          traces[1] = second.trace_index;
          launch(race, 1, m, targets[1], std::move(second));
          ex_.response_headers.set("x-torii-hedged", "true");
        }
      }
    }
    for (;;) {
      for (int s = 0; s < 2; ++s) {
        if (!race->outcome[s] || !race->outcome[s]->answer) continue;
        race->settled = true;
        int other = 1 - s;
        if (race->launched[other] && !race->outcome[other]) race->cancel[other]->cancel();
        for (int k = 0; k < 2; ++k)
          if (race->outcome[k]) record(race->health[k], *race->outcome[k], Clock::now());
        if (race->launched[other]) charge_lost_hedge(m.targets[targets[other]], *race, other);
        if (race->outcome[other] && race->outcome[other]->answer) race->outcome[other]->answer->cancel();
        for (int k = 0; k < 2; ++k) finish_trace(traces[k], race->outcome[k] ? &*race->outcome[k] : nullptr);
        co_return Attempted{std::move(*race->outcome[s]), targets[s], traces[s]};
      }
      bool all_done = true;
      for (int s = 0; s < 2; ++s)
        if (race->launched[s] && !race->outcome[s]) all_done = false;
      if (all_done) {
        race->settled = true;
        for (int k = 0; k < 2; ++k)
          if (race->outcome[k]) record(race->health[k], *race->outcome[k], Clock::now());
        for (int k = 0; k < 2; ++k) finish_trace(traces[k], race->outcome[k] ? &*race->outcome[k] : nullptr);
        if (race->launched[1]) {
          failed[targets[0]] = true;
          co_return Attempted{std::move(*race->outcome[1]), targets[1], traces[1]};
        }
        co_return Attempted{std::move(*race->outcome[0]), targets[0], traces[0]};
      }
      race->wake.expires_at(Clock::time_point::max());
      co_await race->wake.async_wait(nothrow);
    }
  }

  // The attempt that lost a race was still billed upstream: its answer's
  // cost when it had one complete, else its prompt, estimated (4 bytes a
  // token) at its target's input price. A loser that failed costs nothing
  // (providers do not bill errors). Added to the request's cost, so budgets,
  // the ledger and the log charge it too.
  void charge_lost_hedge(const Target& t, const HedgeRace& race, int slot) {
    const std::optional<AttemptOutcome>& o = race.outcome[slot];
    if (o && !o->answer) return;
    llm::Usage u;
    if (o && o->answer->usage_known_before_delivery()) {
      u = o->answer->usage();
    } else {
      u.input = providers::estimated_tokens(race.body_bytes[slot]);
      u.estimated = true;
    }
    std::optional<double> cost = llm::cost_usd(u, t.price);
    if (!cost) lost_hedge_unpriced_ = true;
    else lost_hedge_usd_ += *cost;
  }

  // This worker's counter for the model; a direct request has one target
  // and needs none that lasts.
  std::atomic<uint64_t>& round_robin(const Model& m) {
    std::atomic<uint64_t>* c = ctx_.health.counter(m.index);
    return c ? *c : unshared_counter_;
  }

  // Closes attempt `index`'s trace entry with its outcome (null: it was still
  // running when the race was decided, and is cancelled).
  void finish_trace(int index, const AttemptOutcome* o) {
    if (index < 0 || size_t(index) >= ex_.route.attempt_traces.size()) return;
    providers::AttemptTrace& at = ex_.route.attempt_traces[size_t(index)];
    at.end = Clock::now();
    if (!o) {
      at.error = "cancelled";
    } else if (o->answer) {
      at.status = 200;
    } else {
      at.status = o->failure.error.status;
      at.error = !o->failure.error.code.empty() ? o->failure.error.code : o->failure.error.message;
      if (o->failure.cls == FailureClass::cancelled) at.error = "cancelled";
    }
  }

  void add_route_headers() {
    ex_.route.attempts = attempts_;
    ex_.response_headers.add("x-torii-attempts", std::to_string(attempts_));
  }

  asio::awaitable<void> deliver(const Model& m, const Target& t, std::unique_ptr<providers::PreparedAnswer> answer) {
    ex_.response_headers.add("x-torii-provider", t.provider->name);
    ex_.response_headers.add("x-torii-model", t.model);
    ex_.route.provider = t.provider->name;
    ex_.route.upstream_model = t.model;
    add_route_headers();
    if (&m != in_.model) {
      ex_.response_headers.add("x-torii-fallback", m.name);
      ex_.route.fallback_model = m.name;
    }
    // A complete answer's cost is known before it goes out; a stream's only
    // at its end (it rides on the usage record, not on a header).
    if (answer->usage_known_before_delivery()) {
      // Known to the filters before the answer goes out too: the cache
      // stores a whole answer, with its usage and cost, before writing it.
      ex_.usage = answer->usage();
      ex_.cost_usd = with_lost_hedges(llm::cost_usd(ex_.usage, t.price));
      if (ex_.cost_usd) ex_.response_headers.add("x-torii-cost-usd", llm::format_cost(*ex_.cost_usd));
    }
    co_await answer->deliver(ex_);
    ex_.route.upstream_end = Clock::now();
    if (winning_trace_ >= 0 && size_t(winning_trace_) < ex_.route.attempt_traces.size()) {
      providers::AttemptTrace& at = ex_.route.attempt_traces[size_t(winning_trace_)];
      at.won = true;
      at.end = ex_.route.upstream_end;  // the winner's span lasts until its answer was delivered
    }
    ex_.usage = answer->usage();
    ex_.finish_reasons = answer->finish_reasons();
    if (ex_.usage.estimated && ex_.usage.input == 0) {
      // Cut short before any usage came: the prompt is estimated too.
      const auto& body = in_.body ? in_.body : in_.native_body;
      if (body) ex_.usage.input = providers::estimated_tokens(body->size());
    }
    ex_.cost_usd = with_lost_hedges(llm::cost_usd(ex_.usage, t.price));
  }

  std::optional<double> with_lost_hedges(std::optional<double> answer_cost) const {
    if (!answer_cost || lost_hedge_unpriced_) return std::nullopt;
    return *answer_cost + lost_hedge_usd_;
  }

  asio::awaitable<void> fail() {
    add_route_headers();
    ex_.route.upstream_end = Clock::now();
    if (last_) {
      if (last_->cls == FailureClass::cancelled) co_return;  // nobody is listening
      co_await providers::send_error(ex_, last_->error);
      co_return;
    }
    // Nothing was attempted: every target's breaker is open.
    ApiError e = make_error(503, "model '" + in_.model->name + "' has no available target: every circuit breaker is open",
                            "circuit_open");
    co_await providers::send_error(ex_, e);
  }

  RouterContext& ctx_;
  providers::Exchange& ex_;
  RouteInput& in_;
  std::optional<AttemptFailure> last_;
  std::optional<ApiError> canonical_error_;
  std::atomic<uint64_t> unshared_counter_{0};
  llm::RequestScan canonical_scan_;
  int attempts_ = 0;
  double lost_hedge_usd_ = 0;         // charge_lost_hedge
  bool lost_hedge_unpriced_ = false;  // a lost attempt's target has no price: the total is unknown
  int winning_trace_ = -1;
  bool blocked_ = false;
};

}  // namespace

asio::awaitable<void> route_request(RouterContext& ctx, providers::Exchange& ex, RouteInput in) {
  RequestRouter router(ctx, ex, in);
  co_await router.run();
}

}  // namespace torii::routing
