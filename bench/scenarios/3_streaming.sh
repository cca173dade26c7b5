# Scenario 3: STREAMS concurrent SSE streams of STREAM_EVENTS events paced at
# STREAM_TPS, started evenly over STREAM_RAMP_MS: time to first event, gaps
# between events, and byte fidelity against the direct streams. A warm-up
# round (0, left out of the report), then STREAM_ROUNDS rounds per target;
# the warm-up round's direct run (always first: rotate 0) is the fidelity
# reference, so every measured round, direct included, is compared with it.
scenario_streaming() {
  local w=$1 r t out ref
  ref="$WORK/stream-ref-$w.txt"
  for ((r = 0; r <= STREAM_ROUNDS; r++)); do
    for t in $(rotate "$r" direct nginx torii); do
      out="$WORK/stream-$t-$w-$r.json"
      local extra=(--hashes-ref "$ref")
      [ "$t" = direct ] && [ "$r" = 0 ] && extra=(--hashes-out "$ref")
      stream_run "$t-stream" "$out" "$STREAMS" "${extra[@]}"
      record kind=stream scenario=streaming workers="$w" target="$t" round="$r" warmup="$(is_warmup "$r")" \
        driver="$(cat "$out")" cpu_ticks="$STREAM_CPU_TICKS"
    done
  done
}
