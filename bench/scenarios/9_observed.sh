# Scenario 9: the throughput scenario's requests through a second torii that
# logs every request with its bodies into its SQLite store and traces every
# one to the mock's OTLP/HTTP sink (metrics on in both), against the plain
# one in the same rounds; then the log writer's and the trace exporter's
# figures from that torii's /metrics: records written (warm-up round
# included), still queued, dropped; spans exported and dropped.
scenario_observed() {
  local w=$1 before after t0 t1
  # Nothing (recorded as "", which the report treats as unreadable) when the
  # metric could not be read; never a failure under set -e and pipefail.
  log_metric() { curl -s --max-time 5 "http://127.0.0.1:$TORII_OBS_PORT/metrics" | awk -v n="$1" '$1 == n { print $2 }' || true; }
  before=$(log_metric torii_log_written_total)
  local spans_before
  spans_before=$(log_metric torii_trace_spans_exported_total)
  t0=$(date +%s%N)
  compare_runs observed "$w" "$CONNECTIONS" "$ROUNDS" torii torii-observed
  t1=$(date +%s%N)
  # What the rounds queued is written within a writer interval or two.
  sleep 1
  after=$(log_metric torii_log_written_total)
  record kind=logwriter scenario=observed workers="$w" written_before="${before:-null}" written_after="${after:-null}" \
    seconds="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')" \
    queue_depth="$(log_metric torii_log_queue_depth)" dropped="$(log_metric torii_log_dropped_total)" \
    store_errors="$(log_metric torii_log_store_errors_total)" \
    spans_before="${spans_before:-null}" spans_after="$(log_metric torii_trace_spans_exported_total)" \
    spans_dropped="$(log_metric torii_trace_spans_dropped_total)" export_failures="$(log_metric torii_trace_export_failures_total)"
}
