#include "filters/metering/redis_meter.hpp"

#include <algorithm>
#include <atomic>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/this_coro.hpp>

#include "core/clock.hpp"
#include "core/hex.hpp"
#include "core/log.hpp"
#include "filters/metering/estimate.hpp"
#include "filters/metering/redis_scripts.hpp"
#include "filters/metering/refusals.hpp"
#include "governance/budget_period.hpp"
#include "routing/model_table.hpp"
#include "store/redis/redis_client.hpp"

namespace torii::filters::metering {

namespace {

using governance::Principal;

const std::string& admit_sha() {
  static const std::string sha = core::sha1_hex(kAdmitScript);
  return sha;
}
const std::string& settle_sha() {
  static const std::string sha = core::sha1_hex(kSettleScript);
  return sha;
}

std::string level_key(const Principal& p) { return std::string(governance::level_name(p.level)) + ":" + p.id; }

// A level's budget hash in the period starting at `period_start`.
std::string budget_key(const Principal& p, int64_t period_start) {
  return "torii:budget:" + level_key(p) + ":" + std::to_string(period_start);
}

// The five keys of one level (see redis_scripts.hpp).
void add_keys(std::vector<std::string>& args, const Principal& p, int64_t period_start) {
  const std::string base = level_key(p);
  args.push_back("torii:rpm:" + base);
  args.push_back("torii:tpm:" + base);
  args.push_back("torii:par:" + base);
  const std::string budget = budget_key(p, period_start);
  args.push_back(budget);
  args.push_back(budget + ":exp");
}

// Seconds a budget's counters are kept: a day past its period (none: forever).
int64_t budget_ttl_s(const Principal& p, int64_t start, int64_t now) {
  if (p.policy.budget_period == governance::BudgetPeriod::none) return 0;
  return (governance::period_end_us(p.policy.budget_period, start) - now) / 1'000'000 + 86400;
}

// EVALSHA, and EVAL when the server does not have the script yet.
boost::asio::awaitable<store::RedisReply> run_script(store::RedisClient& client, const char* script,
                                                     const std::string& sha, std::vector<std::string> args,
                                                     bool& transport, bool* sent = nullptr) {
  std::vector<std::string> first = args;
  first.insert(first.begin(), {"EVALSHA", sha});
  store::RedisReply reply = co_await client.call(std::move(first), kRedisTimeout, &transport, sent);
  if (reply.failed() && !transport && reply.text.starts_with("NOSCRIPT")) {
    args.insert(args.begin(), {"EVAL", script});
    reply = co_await client.call(std::move(args), kRedisTimeout, &transport, sent);
  }
  co_return reply;
}

int64_t element(const store::RedisReply& r, size_t i) {
  return i < r.elements.size() && r.elements[i].type == store::RedisReply::Type::integer ? r.elements[i].integer : 0;
}

}  // namespace

// Forward: releases what a ticket may hold (see settle_shared).
void release_shared(MeteringState& st, const store::RedisEndpoint& endpoint);

boost::asio::awaitable<std::optional<ApiError>> admit_shared(pipeline::RequestContext& ctx,
                                                             const pipeline::Admission& a, MeteringState& st,
                                                             const store::RedisEndpoint& endpoint,
                                                             std::chrono::seconds lease, bool& unreachable) {
  unreachable = false;
  const int64_t now = core::unix_now_us();
  const int64_t tokens = rate_tokens(a);
  std::optional<MaxCost> cost;
  const Principal* levels[MeteringState::kMaxLevels] = {};
  int n = 0;
  std::vector<std::string> keys, argv;
  st.ticket = core::random_hex(12);
  argv.push_back(st.ticket);
  argv.push_back(std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(lease).count()));
  argv.push_back("");  // the number of levels, below
  for (int l = 0; l < st.count; ++l) {
    const Principal* p = st.levels[l];
    const governance::Policy& policy = p->policy;
    int64_t start = 0, reserve = 0, limit = -1;
    if (policy.max_budget_nusd) {
      if (!cost) cost = max_cost(a);
      if (!cost->unpriced.empty()) {
        for (auto& t : st.taken) t = {};
        co_return price_unknown(*a.model, cost->unpriced);
      }
      start = governance::period_start_us(policy.budget_period, now);
      reserve = cost->nusd;
      limit = *policy.max_budget_nusd;
    }
    add_keys(keys, *p, start);
    const int64_t seed = policy.max_budget_nusd ? p->counters->budget.view(limit, policy.budget_period, now).spent_nusd : 0;
    for (int64_t v : {policy.rpm.value_or(0), policy.tpm.value_or(0), tokens, policy.max_parallel.value_or(0), limit,
                      reserve, budget_ttl_s(*p, start, now), seed})
      argv.push_back(std::to_string(v));
    MeteringState::Taken& t = st.taken[l];
    t.rpm = policy.rpm.value_or(0);
    t.tpm = policy.tpm.value_or(0);
    t.tokens = policy.tpm ? tokens : 0;
    t.parallel = policy.max_parallel.has_value();
    t.budget = policy.max_budget_nusd.has_value();
    t.reserved = reserve;
    t.period_start_us = start;
    t.charged_at_us = now;
    levels[n++] = p;
  }
  if (n == 0) co_return std::nullopt;
  argv[2] = std::to_string(n);
  std::vector<std::string> args{std::to_string(keys.size())};
  args.insert(args.end(), keys.begin(), keys.end());
  args.insert(args.end(), argv.begin(), argv.end());

  st.executor = co_await boost::asio::this_coro::executor;
  store::RedisClient& client = store::RedisClient::for_this_thread(st.executor, endpoint);
  bool transport = false, sent = false;
  const std::string& sha = admit_sha();
  store::RedisReply reply = co_await run_script(client, kAdmitScript, sha, std::move(args), transport, &sent);
  if (reply.failed() || reply.type != store::RedisReply::Type::array || reply.elements.empty()) {
    if (!transport) log::error("redis: the admission script failed: {}", reply.text);
    // The script may have run before the reply was lost: what it would have
    // held (in-flight slots, reservations) is released by the next
    // settlement, which only gives back what this ticket holds. Tokens are
    // not given back, since it may not have taken them.
    if (sent && transport) {
      for (int l = 0; l < n; ++l) st.taken[l].tokens = 0;
      release_shared(st, endpoint);
    }
    for (auto& t : st.taken) t = {};
    st.ticket.clear();
    unreachable = true;
    co_return std::nullopt;
  }
  if (element(reply, 0) != 1) {
    for (auto& t : st.taken) t = {};
    const Principal& p = *levels[element(reply, 1)];
    const int64_t what = element(reply, 2);
    switch (what) {
      case 1:
        co_return rate_limited(ctx, p, std::to_string(*p.policy.rpm) + " requests per minute (rpm)",
                               element(reply, 3) * 1'000'000);
      case 2:
        co_return rate_limited(ctx, p, std::to_string(*p.policy.tpm) + " tokens per minute (tpm)",
                               element(reply, 3) * 1'000'000);
      case 5:
        co_return rate_limited(ctx, p,
                               std::to_string(*p.policy.tpm) + " tokens per minute (tpm); this request alone may use about " +
                                   std::to_string(tokens) + " (lower max_tokens)",
                               0);
      case 3:
        co_return rate_limited(ctx, p, std::to_string(*p.policy.max_parallel) + " requests in flight (max_parallel)",
                               1'000'000'000);
      default: {
        governance::BudgetView v;
        v.limit_nusd = *p.policy.max_budget_nusd;
        v.spent_nusd = element(reply, 3);
        v.reserved_nusd = element(reply, 4);
        v.period_start_us = governance::period_start_us(p.policy.budget_period, now);
        v.resets_at_us = governance::period_end_us(p.policy.budget_period, v.period_start_us);
        co_return budget_exceeded(p, v, cost ? cost->nusd : 0);
      }
    }
  }
  st.shared = true;
  if (cost) ctx.ex.output_cap = cost->output_cap;
  for (int i = 0; i < n; ++i) {
    const size_t at = 1 + size_t(i) * 5;
    const Principal& p = *levels[i];
    if (p.policy.rpm) {
      governance::RateCharge r{true, element(reply, at), element(reply, at + 1) * 1000, 0, false};
      st.note_requests(r, *p.policy.rpm);
    }
    if (p.policy.tpm) {
      governance::RateCharge r{true, element(reply, at + 2), element(reply, at + 3) * 1000, 0, false};
      st.note_tokens(r, *p.policy.tpm);
    }
    if (p.policy.max_budget_nusd) st.note_room(element(reply, at + 4));
  }
  co_return std::nullopt;
}

namespace {

// The settlements of one worker, sent together: every few milliseconds one
// script call for all the requests that ended since (on the settle lane, so
// no admission waits behind them). Saves Redis a script run and both sides
// a wake-up per request; the cost is that a slot or a reservation comes
// back up to kSettleDelay later.
constexpr std::chrono::milliseconds kSettleDelay{2};
constexpr size_t kMaxSettleLevels = 64;  // per script call

struct SettleBatch {
  std::vector<std::string> keys, argv;
  size_t levels = 0;
  bool scheduled = false;
};

boost::asio::awaitable<void> send_settlements(boost::asio::any_io_executor executor, store::RedisEndpoint endpoint,
                                              SettleBatch* batch) {
  boost::asio::steady_timer wait(executor, kSettleDelay);
  co_await wait.async_wait(boost::asio::use_awaitable);
  store::RedisClient& client = store::RedisClient::for_this_thread(executor, endpoint, 1);
  const std::string& sha = settle_sha();
  while (batch->levels > 0) {
    // Up to kMaxSettleLevels levels per call: six keys and six arguments each.
    const size_t n = std::min(batch->levels, kMaxSettleLevels);
    std::vector<std::string> args{std::to_string(n * 6)};
    args.insert(args.end(), batch->keys.begin(), batch->keys.begin() + long(n * 6));
    args.push_back(core::random_hex(12));  // the batch's id
    args.push_back(std::to_string(n));
    args.insert(args.end(), batch->argv.begin(), batch->argv.begin() + long(n * 6));
    batch->keys.erase(batch->keys.begin(), batch->keys.begin() + long(n * 6));
    batch->argv.erase(batch->argv.begin(), batch->argv.begin() + long(n * 6));
    batch->levels -= n;
    // Tried three times; after that the leases free what it held, but its
    // cost is not in the shared spend (it is in this node's ledger).
    for (int attempt = 0; attempt < 3; ++attempt) {
      bool transport = false;
      std::vector<std::string> copy = args;
      store::RedisReply reply = co_await run_script(client, kSettleScript, sha, std::move(copy), transport);
      if (!reply.failed()) break;
      static std::atomic<uint64_t> failures{0};
      if (failures.fetch_add(1, std::memory_order_relaxed) % 100 == 0)
        log::warn("redis: settling {} request level(s) failed ({}){}", n, reply.text, attempt < 2 ? ", retrying" : "");
      boost::asio::steady_timer pause(executor, std::chrono::milliseconds(300));
      co_await pause.async_wait(boost::asio::use_awaitable);
    }
  }
  batch->scheduled = false;
}

}  // namespace

void settle_shared(MeteringState& st, const store::RedisEndpoint& endpoint, int64_t used, int64_t cost,
                   bool refused_later) {
  // One batch per worker thread and Redis (a process has one store.redis).
  thread_local SettleBatch batch;
  const int64_t now = core::unix_now_us();
  for (int l = 0; l < st.count; ++l) {
    const Principal* p = st.levels[l];
    MeteringState::Taken& t = st.taken[l];
    if (!t.rpm && !t.tpm && !t.parallel && !t.budget) continue;
    add_keys(batch.keys, *p, t.period_start_us);
    // The cost belongs to the period the request ends in, as the node's own
    // counter and the ledger put it; the reservation to the one it was
    // admitted in (they differ for a request that crossed a period's end).
    const int64_t settle_period =
        t.budget ? governance::period_start_us(p->policy.budget_period, now) : t.period_start_us;
    batch.keys.push_back(budget_key(*p, settle_period));
    // A request refused further on gives its tokens back (its request
    // count stays: Redis has no cheap undo for it, and it did arrive). A
    // charge whose minute is over has nothing left to give back.
    int64_t refund = t.tpm ? t.tokens - (refused_later ? 0 : used) : 0;
    if (refund > 0 && now - t.charged_at_us >= 60'000'000) refund = 0;
    batch.argv.push_back(st.ticket);
    for (int64_t v : {t.tpm, refund, refused_later ? 0 : cost, t.budget ? budget_ttl_s(*p, t.period_start_us, now) : 0})
      batch.argv.push_back(std::to_string(v));
    batch.argv.push_back(t.budget ? "1" : "0");
    ++batch.levels;
    t = {};
  }
  st.shared = false;
  st.count = 0;
  if (batch.levels == 0 || batch.scheduled) return;
  batch.scheduled = true;
  boost::asio::co_spawn(st.executor, send_settlements(st.executor, endpoint, &batch), boost::asio::detached);
}

void release_shared(MeteringState& st, const store::RedisEndpoint& endpoint) { settle_shared(st, endpoint, 0, 0, true); }

}  // namespace torii::filters::metering
