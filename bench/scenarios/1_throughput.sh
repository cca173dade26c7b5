# Scenario 1: small non-streaming chat at CONNECTIONS concurrent connections:
# throughput, p50/p99 and the serving process's CPU time per request.
# compare_runs' warm-up round warms connection pools and caches.
scenario_throughput() {
  local w=$1
  compare_runs throughput "$w" "$CONNECTIONS" "$ROUNDS" direct nginx torii
}
