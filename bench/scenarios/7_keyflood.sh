# Scenario 7: a flood of requests with an invalid key: how fast they are
# rejected compared with valid requests, and proof that none reached the
# upstream (the mock's request counter before and after).
scenario_keyflood() {
  local w=$1 r t before after
  for ((r = 0; r < ROUNDS; r++)); do
    for t in $(rotate "$r" torii-invalid torii-valid nginx-invalid); do
      use_target "${t%-*}"
      local key=$T_KEY
      [ "${t#*-}" = invalid ] && key=not-a-valid-key
      before=$(mock_requests "$MOCK_PORT")
      measure kind=wrk scenario=keyflood workers="$w" target="$t" round="$r" -- \
        "$T_URL" "$CONNECTIONS" "$DURATION" chat.lua BENCH_KEY="$key" BENCH_MODEL="$T_MODEL"
      after=$(mock_requests "$MOCK_PORT")
      record kind=upstream scenario=keyflood workers="$w" target="$t" round="$r" \
        upstream_before="${before:-null}" upstream_after="${after:-null}"
    done
  done
}
