# Scenario 10: the request log at scale. torii-log-bench fills a fresh store
# with LOG_ROWS requests over 30 days (without bodies, then with), timing the
# inserts, and times /admin/logs pages and 30-day /admin/spend reports on it:
# the SQLite file, then (when postgresql-15 is installed) a PostgreSQL server
# started for it, with fsync on as a production server has it.
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
  if ! start_postgres; then
    log "logstore: no postgresql-15 ($PG_BIN), the PostgreSQL run is skipped"
    return 0
  fi
  for b in 0 1; do
    # A fresh database for each run.
    psql "$PG_URL" -X -q -c "DROP DATABASE IF EXISTS bench_$b" -c "CREATE DATABASE bench_$b" >/dev/null
    out=$(timeout 1200 "$BUILD/torii-log-bench" "$WORK/logstore-$b" "$LOG_ROWS" "$b" "${PG_URL%/postgres}/bench_$b" \
      2>"$WORK/logstore.err") || {
      log "torii-log-bench (PostgreSQL) failed: $(tail -3 "$WORK/logstore.err")"
      continue
    }
    record kind=logstore report="$out"
    rm -rf "$WORK/logstore-$b"
  done
  stop_postgres
}
