#pragma once
// Metering shared by every node through Redis: one round trip per request
// to admit it (one Lua script checks every level's rpm, tpm, max_parallel
// and budget, and takes them all or none, on the server's clock), one after
// it to settle (true-up, slot back, reservation replaced by the cost).
// Reservations and in-flight slots carry the request's ticket and a lease
// (store.reservation_lease_s): those of a node that died expire instead of leaking. The
// budget's spend in Redis starts, when its key is new, from this node's
// view of the period (the ledger's).
#include <chrono>
#include <optional>

#include <boost/asio/awaitable.hpp>

#include "core/errors.hpp"
#include "filters/metering/metering_state.hpp"
#include "pipeline/admission.hpp"
#include "store/redis/redis_url.hpp"

namespace torii::filters::metering {

inline constexpr std::chrono::milliseconds kRedisTimeout{500};

// The request's verdict; `unreachable` is set (and nothing returned) when
// Redis could not be asked, for the caller to apply on_store_error.
boost::asio::awaitable<std::optional<ApiError>> admit_shared(pipeline::RequestContext& ctx,
                                                             const pipeline::Admission& a, MeteringState& st,
                                                             const store::RedisEndpoint& endpoint,
                                                             std::chrono::seconds lease, bool& unreachable);

// Queues the settlement on the worker's loop (on_complete cannot wait).
void settle_shared(MeteringState& st, const store::RedisEndpoint& endpoint, int64_t used_tokens, int64_t cost_nusd,
                   bool refused_later);

}  // namespace torii::filters::metering
