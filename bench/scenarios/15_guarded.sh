# Scenario 15: guardrails on every request. A torii whose models carry the
# full PII detector set on input and output (redact) against the plain one:
# CPU per request on the throughput scenario's requests, then streams
# (the stream scenario's driver, GUARD_STREAMS of them) for the time to
# first event each adds.
scenario_guarded() {
  local w=$1 t r out
  for t in torii torii-guarded; do
    use_target "$t"
    wrk_json "$T_URL" "$CONNECTIONS" 1 chat.lua BENCH_KEY="$T_KEY" BENCH_MODEL="$T_MODEL" >/dev/null
  done
  compare_runs guarded "$w" "$CONNECTIONS" "$ROUNDS" torii torii-guarded
  for ((r = 0; r < STREAM_ROUNDS; r++)); do
    for t in $(rotate "$r" torii torii-guarded); do
      out="$WORK/guarded-stream-$t-$w-$r.json"
      stream_run "$t-stream" "$out" "$GUARD_STREAMS"
      record kind=stream scenario=guarded workers="$w" target="guarded-$t" round="$r" driver="$(cat "$out")" \
        cpu_ticks="$STREAM_CPU_TICKS"
    done
  done
}
