# Google Benchmark micro-benchmarks of hot-path pieces (bench/micro/).
scenario_micro() {
  timeout 300 "$BUILD/torii-micro-bench" --benchmark_min_time="$MICRO_MIN_TIME" \
    --benchmark_format=json --benchmark_out="$WORK/micro.json" --benchmark_out_format=json >/dev/null 2>"$WORK/micro.err" || true
  if [ -s "$WORK/micro.json" ]; then
    record kind=micro report="$(tr -d '\n' <"$WORK/micro.json")"
  else
    log "micro-benchmarks failed: $(tail -3 "$WORK/micro.err")"
  fi
}
