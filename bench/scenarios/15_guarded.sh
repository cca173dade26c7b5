# Scenario 15: guardrails on every request. A torii whose models carry the
# full PII detector set on input and output (redact) against the plain one:
# CPU per request on the throughput scenario's requests, then streams
# (the stream scenario's driver, GUARD_STREAMS of them) for the time to
# first event each adds.
scenario_guarded() {
  local w=$1 t r out before after
  for t in torii torii-guarded; do
    use_target "$t"
    wrk_json "$T_URL" "$CONNECTIONS" 1 chat.lua BENCH_KEY="$T_KEY" BENCH_MODEL="$T_MODEL" >/dev/null
  done
  compare_runs guarded "$w" "$CONNECTIONS" "$ROUNDS" torii torii-guarded
  for ((r = 0; r < STREAM_ROUNDS; r++)); do
    for t in $(rotate "$r" torii torii-guarded); do
      use_target "$t-stream"
      split_url "$T_URL"
      out="$WORK/guarded-stream-$t-$w-$r.json"
      before=$(cpu_ticks "$CPU_PIDS")
      timeout 300 "$BUILD/torii-bench-driver" stream --port "$U_PORT" --path "$U_PATH" --model "$T_MODEL" --key "$T_KEY" \
        --streams "$GUARD_STREAMS" --ramp-ms "$STREAM_RAMP_MS" --watch-pids "$CPU_PIDS" --timeout-s 240 \
        >"$out" 2>"$out.err" || true
      after=$(cpu_ticks "$CPU_PIDS")
      [ -s "$out" ] || echo '{}' >"$out"
      record kind=stream scenario=guarded workers="$w" target="guarded-$t" round="$r" driver="$(cat "$out")" \
        cpu_ticks=$((after - before))
    done
  done
}
