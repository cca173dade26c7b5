# Scenario 15: guardrails on every request. A torii whose models carry the
# full PII detector set on input and output (redact) against the plain one:
# CPU per request on the throughput scenario's requests, then streams
# (the stream scenario's driver, GUARD_STREAMS of them) for the time to
# first event each adds.
scenario_guarded() {
  local w=$1 t r out
  compare_runs guarded "$w" "$CONNECTIONS" "$ROUNDS" torii torii-guarded
  # A warm-up round (0, left out of the report), then STREAM_ROUNDS rounds.
  for ((r = 0; r <= STREAM_ROUNDS; r++)); do
    for t in $(rotate "$r" torii torii-guarded); do
      out="$WORK/guarded-stream-$t-$w-$r.json"
      stream_run "$t-stream" "$out" "$GUARD_STREAMS"
      record kind=stream scenario=guarded workers="$w" target="guarded-$t" round="$r" warmup="$(is_warmup "$r")" \
        driver="$(cat "$out")" cpu_ticks="$STREAM_CPU_TICKS"
    done
  done
}
