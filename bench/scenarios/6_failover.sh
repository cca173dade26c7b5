# Scenario 6: one failed attempt (the failing mock's immediate 503) before the
# fallback answers, at concurrency 1. The report subtracts the plain path and
# the failing mock's own time.
scenario_failover() {
  local w=$1
  compare_runs failover "$w" 1 "$ROUNDS" direct-fail torii torii-failover nginx nginx-failover
}
