#pragma once
// The Lua scripts of the shared counters (see redis_meter.hpp). Times are
// microseconds since 2023-11-14 (Unix time - 1.7e9 s), small enough for
// Lua's doubles to keep sub-microsecond steps. Per level the scripts get
// five keys: the rpm and tpm arrival times, the in-flight set, the budget
// hash (spent, reserved, r:<ticket> amounts) and its reservations' expiry set;
// the settlement a sixth: the budget hash of the period it settles in.
namespace torii::filters::metering {

inline constexpr const char* kAdmitScript = R"lua(
local t = redis.call('TIME')
local now = (tonumber(t[1]) - 1700000000) * 1000000 + tonumber(t[2])
local W = 60000000
local ticket, lease, n = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local plan = {}
for i = 0, n - 1 do
  local a, k = 4 + i * 8, i * 5
  local rpm, tpm, tokens, par = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local limit, reserve, ttl, seed = tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6]), ARGV[a + 7]
  local p = {req_rem = -1, req_reset = 0, tok_rem = -1, tok_reset = 0, room = -1}
  if rpm > 0 then
    local step = W / rpm
    local tat = tonumber(redis.call('GET', KEYS[k + 1]) or '0')
    local nt = math.max(tat, now) + step
    if nt - now > W then return {0, i, 1, math.ceil((nt - now - W) / 1000), 0} end
    p.req, p.req_rem, p.req_reset = nt, math.floor((W - (nt - now)) / step), nt - now
  end
  if tpm > 0 then
    if tokens > tpm then return {0, i, 5, 0, 0} end
    local step = W / tpm
    local tat = tonumber(redis.call('GET', KEYS[k + 2]) or '0')
    local nt = math.max(tat, now) + step * tokens
    if nt - now > W then return {0, i, 2, math.ceil((nt - now - W) / 1000), 0} end
    p.tok, p.tok_rem, p.tok_reset = nt, math.floor((W - (nt - now)) / step), nt - now
  end
  if par > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[k + 3], '-inf', now)
    if redis.call('ZCARD', KEYS[k + 3]) >= par then return {0, i, 3, 1000, 0} end
    p.par = true
  end
  if limit >= 0 then
    local expired = redis.call('ZRANGEBYSCORE', KEYS[k + 5], '-inf', now)
    for _, id in ipairs(expired) do
      local amount = tonumber(redis.call('HGET', KEYS[k + 4], 'r:' .. id) or '0')
      redis.call('HINCRBY', KEYS[k + 4], 'reserved', -amount)
      redis.call('HDEL', KEYS[k + 4], 'r:' .. id)
    end
    if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[k + 5], '-inf', now) end
    local v = redis.call('HMGET', KEYS[k + 4], 'spent', 'reserved')
    if not v[1] then
      redis.call('HSET', KEYS[k + 4], 'spent', seed, 'reserved', 0)
      if ttl > 0 then redis.call('EXPIRE', KEYS[k + 4], ttl) end
      v = {seed, '0'}
    end
    local spent, reserved = tonumber(v[1]), tonumber(v[2] or '0')
    if spent + reserved + reserve > limit then return {0, i, 4, spent, reserved} end
    p.budget, p.room = true, limit - spent - reserved - reserve
  end
  plan[i] = p
end
local out = {1}
for i = 0, n - 1 do
  local a, k, p = 4 + i * 8, i * 5, plan[i]
  if p.req then redis.call('SET', KEYS[k + 1], string.format('%.3f', p.req), 'PX', 61000) end
  if p.tok then redis.call('SET', KEYS[k + 2], string.format('%.3f', p.tok), 'PX', 61000) end
  if p.par then
    redis.call('ZADD', KEYS[k + 3], now + lease, ticket)
    redis.call('PEXPIRE', KEYS[k + 3], math.floor(lease / 1000) + 60000)
  end
  if p.budget then
    local reserve, ttl = tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6])
    redis.call('HINCRBY', KEYS[k + 4], 'reserved', reserve)
    redis.call('HSET', KEYS[k + 4], 'r:' .. ticket, reserve)
    if redis.call('ZADD', KEYS[k + 5], now + lease, ticket) == 1 and ttl > 0 then redis.call('EXPIRE', KEYS[k + 5], ttl) end
  end
  table.insert(out, p.req_rem)
  table.insert(out, math.floor(p.req_reset))
  table.insert(out, p.tok_rem)
  table.insert(out, math.floor(p.tok_reset))
  table.insert(out, p.room)
end
return out
)lua";

// Settles a batch (ARGV[1] its id, ARGV[2] how many levels): per level six keys
// (the admission's five and the settling period's budget hash) and six
// arguments (ticket, tpm, tokens to give back (negative: to charge more),
// cost, budget TTL, "1" when a budget applied) after the count.
inline constexpr const char* kSettleScript = R"lua(
local t = redis.call('TIME')
local now = (tonumber(t[1]) - 1700000000) * 1000000 + tonumber(t[2])
-- Once per batch: a batch retried after a lost reply changes nothing twice.
if not redis.call('SET', 'torii:settled:' .. ARGV[1], '1', 'NX', 'EX', 60) then return 0 end
local n = tonumber(ARGV[2])
local W = 60000000
for i = 0, n - 1 do
  local a, k = 3 + i * 6, i * 6
  local ticket = ARGV[a]
  local tpm, refund, cost, ttl = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  local budget = ARGV[a + 5] == '1'
  if tpm > 0 and refund ~= 0 then
    local step = W / tpm
    local tat = tonumber(redis.call('GET', KEYS[k + 2]) or '0')
    local nt
    if refund > 0 then nt = math.max(now, tat - refund * step) else nt = math.max(tat, now) - refund * step end
    if nt > now then
      redis.call('SET', KEYS[k + 2], string.format('%.3f', nt), 'PX', math.floor((nt - now) / 1000) + 1000)
    else
      redis.call('DEL', KEYS[k + 2])
    end
  end
  redis.call('ZREM', KEYS[k + 3], ticket)
  if budget then
    local amount = redis.call('HGET', KEYS[k + 4], 'r:' .. ticket)
    if amount then
      redis.call('HINCRBY', KEYS[k + 4], 'reserved', -tonumber(amount))
      redis.call('HDEL', KEYS[k + 4], 'r:' .. ticket)
      redis.call('ZREM', KEYS[k + 5], ticket)
    end
    -- The cost goes to the period it settles in (KEYS[k + 6]; the same hash
    -- unless the request crossed a period's end), as the nodes' own counters
    -- and the ledger count it. A hash not there (Redis lost it, or no
    -- request was admitted in the new period yet) is seeded by the next
    -- admission, from a node's view that holds this cost already.
    if cost > 0 and redis.call('EXISTS', KEYS[k + 6]) == 1 then redis.call('HINCRBY', KEYS[k + 6], 'spent', cost) end
  end
end
return 1
)lua";

}  // namespace torii::filters::metering
