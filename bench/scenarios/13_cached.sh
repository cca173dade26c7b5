# Scenario 13: the exact-cache hit path. A torii whose bench model caches
# (in memory, one global namespace) answers the throughput scenario's
# request from its cache after one warm-up request; nginx answers the same
# bytes from its config (`return 200`), the baseline of a static answer.
# At the throughput scenario's connections, then at one connection.
scenario_cached() {
  local w=$1 t
  for t in nginx-static torii-cached; do
    use_target "$t"
    wrk_json "$T_URL" "$CONNECTIONS" 1 chat.lua BENCH_KEY="$T_KEY" BENCH_MODEL="$T_MODEL" >/dev/null
  done
  compare_runs cached "$w" "$CONNECTIONS" "$ROUNDS" nginx-static torii-cached
  compare_runs cached-c1 "$w" 1 "$ROUNDS" nginx-static torii-cached
}
