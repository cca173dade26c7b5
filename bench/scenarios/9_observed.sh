# Scenario 9: the throughput scenario's requests through a second torii that
# logs every request with its bodies into its SQLite store (metrics on in
# both), against the plain one in the same rounds; then the log writer's
# figures from that torii's /metrics: records written, still queued, dropped.
scenario_observed() {
  local w=$1 t metrics before after t0 t1
  for t in torii torii-observed; do
    use_target "$t"
    wrk_json "$T_URL" "$CONNECTIONS" 1 chat.lua BENCH_KEY="$T_KEY" BENCH_MODEL="$T_MODEL" >/dev/null
  done
  log_metric() { curl -s "http://127.0.0.1:$TORII_OBS_PORT/metrics" | awk -v n="$1" '$1 == n { print $2 }'; }
  before=$(log_metric torii_log_written_total)
  t0=$(date +%s%N)
  compare_runs observed "$w" "$CONNECTIONS" "$ROUNDS" torii torii-observed
  t1=$(date +%s%N)
  # What the rounds queued is written within a writer interval or two.
  sleep 1
  after=$(log_metric torii_log_written_total)
  record kind=logwriter scenario=observed workers="$w" written_before="${before:-null}" written_after="${after:-null}" \
    seconds="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')" \
    queue_depth="$(log_metric torii_log_queue_depth)" dropped="$(log_metric torii_log_dropped_total)" \
    store_errors="$(log_metric torii_log_store_errors_total)"
}
