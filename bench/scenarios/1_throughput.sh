# Scenario 1: small non-streaming chat at CONNECTIONS concurrent connections:
# throughput, p50/p99 and the serving process's CPU time per request.
scenario_throughput() {
  local w=$1 t
  for t in direct nginx torii; do  # warm connection pools and caches
    use_target "$t"
    wrk_json "$T_URL" "$CONNECTIONS" 1 chat.lua BENCH_KEY="$T_KEY" BENCH_MODEL="$T_MODEL" >/dev/null
  done
  compare_runs throughput "$w" "$CONNECTIONS" "$ROUNDS" direct nginx torii
}
