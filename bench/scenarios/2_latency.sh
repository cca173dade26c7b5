# Scenario 2: latency at low load (1 and 16 connections) through each proxy
# and directly; the report subtracts direct from the proxies.
scenario_latency() {
  local w=$1 c
  for c in 1 16; do
    compare_runs latency "$w" "$c" "$ROUNDS" direct nginx torii
  done
}
