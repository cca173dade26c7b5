# Scenario 5: torii's resident memory idle, after a warm-up, after a soak of
# mixed traffic, holding IDLE_CONNS idle keep-alive connections, then holding
# MEM_STREAMS live streams (nginx measured alongside where it applies).
scenario_memory() {
  local w=$1 out
  start_stack "$w"
  sleep 1
  record kind=rss scenario=memory workers="$w" target=torii phase=idle rss_kib="$(rss_kib "$TORII_PID")"
  record kind=rss scenario=memory workers="$w" target=nginx phase=idle rss_kib="$(rss_kib "$NGINX_PIDS")"

  use_target torii
  local warm samples="" i
  warm=$(wrk_json "http://127.0.0.1:$TORII_PORT/" 32 "$SOAK_WARMUP" soak.lua)
  sleep 0.5
  record kind=rss scenario=memory workers="$w" target=torii phase=warm rss_kib="$(rss_kib "$TORII_PID")" wrk="$warm"
  wrk_json "http://127.0.0.1:$TORII_PORT/" 32 "$SOAK_SECONDS" soak.lua >"$WORK/soak.json" &
  local soak_pid=$!
  PIDS+=("$soak_pid")
  local step=$(( SOAK_SECONDS >= 20 ? SOAK_SECONDS / 10 : 2 ))
  for ((i = 0; i < SOAK_SECONDS + 60; i += step)); do
    kill -0 "$soak_pid" 2>/dev/null || break
    samples+="${samples:+,}$(rss_kib "$TORII_PID")"
    sleep "$step"
  done
  wait "$soak_pid" 2>/dev/null || true
  forget_pid "$soak_pid"
  sleep 0.5
  record kind=rss scenario=memory workers="$w" target=torii phase=soak rss_kib="$(rss_kib "$TORII_PID")" \
    samples="[$samples]" wrk="$(cat "$WORK/soak.json")"

  for t in torii nginx; do
    local port pids
    if [ "$t" = torii ]; then port=$TORII_PORT; pids=$TORII_PID; else port=$NGINX_PORT; pids=$NGINX_PIDS; fi
    out="$WORK/idle-$t.json"
    local before
    before=$(rss_kib "$pids")
    timeout 180 "$BUILD/torii-bench-driver" idle --port "$port" --conns "$IDLE_CONNS" --hold-s 3 \
      --watch-pids "$pids" --timeout-s 120 >"$out" 2>"$out.err" || true
    [ -s "$out" ] || echo '{}' >"$out"
    record kind=idle scenario=memory workers="$w" target="$t" driver="$(cat "$out")" rss_before_kib="$before" \
      rss_after_kib="$(rss_kib "$pids")"
  done

  # Live streams, on fresh processes so memory kept from the idle connections
  # does not count: MEM_STREAMS slow streams (40 events at 10/s) held open
  # together while the driver samples the proxy's RSS.
  check_stack "$w" memory
  stop_stack
  start_stack "$w"
  sleep 1
  curl -s --max-time 5 -X POST "http://127.0.0.1:$STREAM_PORT/mock/config" \
    -d '{"api_key":"sk-bench","tokens_per_sec":10,"reply_words":37}' >/dev/null
  for t in torii nginx; do
    use_target "$t-stream"
    split_url "$T_URL"
    out="$WORK/memstreams-$t.json"
    local before
    before=$(rss_kib "$CPU_PIDS")
    timeout 120 "$BUILD/torii-bench-driver" stream --port "$U_PORT" --path "$U_PATH" --model "$T_MODEL" --key "$T_KEY" \
      --streams "$MEM_STREAMS" --ramp-ms 1000 --watch-pids "$CPU_PIDS" --timeout-s 90 >"$out" 2>"$out.err" || true
    [ -s "$out" ] || echo '{}' >"$out"
    record kind=memstreams scenario=memory workers="$w" target="$t" driver="$(cat "$out")" rss_before_kib="$before"
  done
  check_stack "$w" memory
  stop_stack
}
