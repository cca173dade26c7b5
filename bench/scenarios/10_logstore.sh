# Scenario 10: the request log at scale. torii-log-bench fills a fresh store
# with LOG_ROWS requests over 30 days (without bodies, then with), timing the
# inserts, and times /admin/logs pages and 30-day /admin/spend reports on it.
scenario_logstore() {
  local b out
  for b in 0 1; do
    out=$(timeout 1200 "$BUILD/torii-log-bench" "$WORK/logstore-$b" "$LOG_ROWS" "$b" 2>"$WORK/logstore.err") || {
      log "torii-log-bench failed: $(tail -3 "$WORK/logstore.err")"
      continue
    }
    record kind=logstore report="$out"
    rm -rf "$WORK/logstore-$b"
  done
}
