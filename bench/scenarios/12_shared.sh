# Scenario 12: latency at one connection of the governed request (virtual
# key, budget, rpm/tpm) with its counters in Redis (store.redis: one round
# trip to admit, one after the answer) against the same with the embedded
# counters and the plain proxy, in the same rounds; and the round trip of a
# Redis PING on the same loopback (redis-benchmark, one client).
scenario_shared() {
  local w=$1 line p50=null avg=null
  compare_runs shared "$w" 1 "$ROUNDS" torii torii-governed torii-shared
  # "PING_INLINE","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",...
  # No line (redis-benchmark failed) records null, which fails the target.
  line=$(redis-benchmark -h 127.0.0.1 -p "$REDIS_PORT" -c 1 -n 20000 -t ping --csv 2>/dev/null | grep PING_INLINE | head -1 | tr -d '"' || true)
  if [ -n "$line" ]; then
    p50=$(echo "$line" | awk -F, '{ printf "%.1f", $5 * 1000 }')
    avg=$(echo "$line" | awk -F, '{ printf "%.1f", $3 * 1000 }')
  fi
  record kind=redis_rtt scenario=shared workers="$w" p50_us="$p50" avg_us="$avg"
}
