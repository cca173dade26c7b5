# Scenario 4: request bodies of LARGE_SIZES bytes at concurrency 1: added
# latency and CPU per request as the body grows.
scenario_large() {
  local w=$1 size
  for size in $LARGE_SIZES; do
    compare_runs large "$w" 1 "$ROUNDS" direct nginx torii -- BENCH_BODY_BYTES="$size"
  done
}
