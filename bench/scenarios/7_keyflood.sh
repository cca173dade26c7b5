# Scenario 7: a flood of requests with an invalid key: how fast they are
# rejected compared with valid requests, and proof that none reached the
# upstream (the mock's request counter before and after). Also against the
# governed torii with invalid virtual keys (tk-...), which are looked up in
# its key table, against its valid virtual key. A warm-up round (0, left out
# of the report), then ROUNDS rounds. A counter that could not be read is
# recorded as null, which fails the target.
scenario_keyflood() {
  local w=$1 r t before after
  for ((r = 0; r <= ROUNDS; r++)); do
    for t in $(rotate "$r" torii-invalid torii-valid nginx-invalid governed-invalid governed-valid); do
      case $t in
        governed-*) use_target torii-governed ;;
        *) use_target "${t%-*}" ;;
      esac
      local key=$T_KEY
      [ "$t" = governed-invalid ] && key=tk-0123456789abcdefghijABCDEFGHIJ0123456789
      [ "$t" != governed-invalid ] && [ "${t#*-}" = invalid ] && key=not-a-valid-key
      before=$(mock_requests "$MOCK_PORT")
      measure kind=wrk scenario=keyflood workers="$w" target="$t" round="$r" warmup="$(is_warmup "$r")" -- \
        "$T_URL" "$CONNECTIONS" "$DURATION" chat.lua BENCH_KEY="$key" BENCH_MODEL="$T_MODEL"
      after=$(mock_requests "$MOCK_PORT")
      record kind=upstream scenario=keyflood workers="$w" target="$t" round="$r" warmup="$(is_warmup "$r")" \
        upstream_before="${before:-null}" upstream_after="${after:-null}"
    done
  done
}
