# Scenario 3: STREAMS concurrent SSE streams of STREAM_EVENTS events paced at
# STREAM_TPS, started evenly over STREAM_RAMP_MS: time to first event, gaps
# between events, and byte fidelity against the direct streams. STREAM_ROUNDS
# rounds per target; the first round's direct run is the fidelity reference.
scenario_streaming() {
  local w=$1 r t out ref before after
  ref="$WORK/stream-ref-$w.txt"
  for ((r = 0; r < STREAM_ROUNDS; r++)); do
    for t in $(rotate "$r" direct nginx torii); do
      use_target "$t-stream"
      split_url "$T_URL"
      out="$WORK/stream-$t-$w-$r.json"
      local extra=(--hashes-ref "$ref")
      [ "$t" = direct ] && [ "$r" = 0 ] && extra=(--hashes-out "$ref")
      before=$(cpu_ticks "$CPU_PIDS")
      timeout 300 "$BUILD/torii-bench-driver" stream --port "$U_PORT" --path "$U_PATH" --model "$T_MODEL" --key "$T_KEY" \
        --streams "$STREAMS" --ramp-ms "$STREAM_RAMP_MS" --watch-pids "$CPU_PIDS" --timeout-s 240 "${extra[@]}" \
        >"$out" 2>"$out.err" || true
      after=$(cpu_ticks "$CPU_PIDS")
      [ -s "$out" ] || echo '{}' >"$out"
      record kind=stream scenario=streaming workers="$w" target="$t" round="$r" driver="$(cat "$out")" \
        cpu_ticks=$((after - before))
    done
  done
}
