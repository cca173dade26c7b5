# Scenario 13: the exact-cache hit path. A torii whose bench model caches
# (in memory, one global namespace) answers the throughput scenario's
# request from its cache after the first request of the warm-up round;
# nginx answers the same bytes from its config (`return 200`), the baseline
# of a static answer. At the throughput scenario's connections, then at one
# connection.
scenario_cached() {
  local w=$1
  compare_runs cached "$w" "$CONNECTIONS" "$ROUNDS" nginx-static torii-cached
  compare_runs cached-c1 "$w" 1 "$ROUNDS" nginx-static torii-cached
}
