# Helpers shared by bench/run.sh and bench/scenarios/*.sh (sourced, not run).
# Expects: BUILD (build dir), BENCH_DIR, WORK (temp dir), RESULTS (jsonl file).

PIDS=()  # every process started here; killed by cleanup()

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  PIDS=()
  stop_postgres
}

# Stops the given processes (SIGTERM, then SIGKILL after 2 s) and forgets
# them; only processes started here and not yet reaped are signalled.
stop_procs() {
  local pid keep=() p mine=()
  for pid in "$@"; do
    [[ " ${PIDS[*]} " == *" $pid "* ]] && mine+=("$pid")
  done
  for pid in "${mine[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${mine[@]}"; do
    for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  for p in "${PIDS[@]}"; do
    [[ " $* " == *" $p "* ]] || keep+=("$p")
  done
  PIDS=("${keep[@]}")
}

# forget_pid PID: drop a process that has already been waited for.
forget_pid() {
  local keep=() p
  for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}

# A JSON value for a shell word: numbers, objects, arrays, true/false/null stay
# raw; anything else becomes a string.
json_value() {
  local v=$1
  if [[ $v =~ ^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ || $v == \{* || $v == \[* || $v == true || $v == false || $v == null ]]; then
    printf '%s' "$v"
  else
    v=${v//\\/\\\\}; v=${v//\"/\\\"}
    printf '"%s"' "$v"
  fi
}

# record key=value ... : appends one JSON object line to $RESULTS.
record() {
  local out="{" sep="" kv
  for kv in "$@"; do
    out+="$sep\"${kv%%=*}\":$(json_value "${kv#*=}")"
    sep=","
  done
  printf '%s}\n' "$out" >>"$RESULTS"
}

# wait_listening FILE -> prints the port of the "listening on HOST:PORT" line.
wait_listening() {
  local i
  for i in $(seq 200); do
    local port
    port=$(grep -o "listening on [^ ]*:[0-9]*" "$1" 2>/dev/null | head -1 | sed 's/.*://')
    if [ -n "$port" ]; then
      echo "$port"
      return 0
    fi
    sleep 0.05
  done
  die "server did not start: $(tail -5 "$1")"
}

# wait_port PORT: until something accepts on 127.0.0.1:PORT (10 s at most).
wait_port() {
  local i
  for i in $(seq 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  return 1
}

# start_mock VAR [flags...]: a torii-mock on an ephemeral port, pinned with
# $PIN_MOCK; sets VAR_PORT and VAR_PID.
start_mock() {
  local var=$1; shift
  : >"$WORK/$var.out"  # truncated here, before the child starts, so no stale line is read
  # shellcheck disable=SC2086
  $PIN_MOCK "$BUILD/torii-mock" --listen 127.0.0.1:0 --api-key sk-bench "$@" >>"$WORK/$var.out" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  printf -v "${var}_PID" '%s' "$pid"
  printf -v "${var}_PORT" '%s' "$(wait_listening "$WORK/$var.out")"
  local port_var=${var}_PORT
  [ -n "${!port_var}" ] || die "$var did not start"
}

# start_torii VAR CONFIG: torii serve pinned with $PIN_PROXY.
start_torii() {
  local var=$1 config=$2
  : >"$WORK/$var.out"
  # shellcheck disable=SC2086
  $PIN_PROXY "$BUILD/torii" serve --config "$config" --listen 127.0.0.1:0 >>"$WORK/$var.out" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  printf -v "${var}_PID" '%s' "$pid"
  printf -v "${var}_PORT" '%s' "$(wait_listening "$WORK/$var.out")"
  local port_var=${var}_PORT
  [ -n "${!port_var}" ] || die "$var did not start"
}

# create_governed_key VAR PORT: a virtual key on the governed torii at PORT
# whose budget and limits are checked on every request but never reached.
create_governed_key() {
  local key
  key=$(curl -s -X POST "http://127.0.0.1:$2/admin/keys" -H 'authorization: Bearer bench-admin' \
    -H 'content-type: application/json' \
    -d '{"alias":"bench","max_budget_usd":1000000000,"budget_period":"month","rpm":1000000000,"tpm":1000000000000}' |
    sed -n 's/.*"key":"\(tk-[0-9A-Za-z]*\)".*/\1/p')
  [ -n "$key" ] || die "could not create the governed key on :$2"
  printf -v "$1" '%s' "$key"
}

# start_redis: a redis-server on a free loopback port, without persistence
# (REDIS_PORT, REDIS_PID), for the shared-counters scenario.
start_redis() {
  REDIS_PORT=$("$BUILD/torii-bench-driver" free-port)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no >"$WORK/REDIS.out" 2>&1 &
  REDIS_PID=$!
  PIDS+=("$REDIS_PID")
  local i
  for i in $(seq 100); do
    grep -q 'Ready to accept connections' "$WORK/REDIS.out" && return 0
    sleep 0.05
  done
  die "redis-server did not start: $(tail -3 "$WORK/REDIS.out")"
}

# start_postgres: Debian's postgresql-15 on a free loopback port, its
# cluster made by initdb under $WORK (PG_URL, PG_DATA), for the logstore
# scenario's PostgreSQL run; returns 1 when the server is not installed. As
# root it runs as the postgres user (PostgreSQL refuses root). Stopped by
# stop_postgres.
PG_BIN=/usr/lib/postgresql/15/bin
start_postgres() {
  [ -x "$PG_BIN/initdb" ] || return 1
  local dir="$WORK/pg" as=()
  PG_PORT=$("$BUILD/torii-bench-driver" free-port)
  PG_DATA="$dir/data"
  mkdir -p "$dir" && chmod 700 "$dir"
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$dir"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U torii --no-sync -E UTF8 >"$WORK/PG.out" 2>&1 ||
    die "initdb failed: $(tail -3 "$WORK/PG.out")"
  "${as[@]}" "$PG_BIN/pg_ctl" start -D "$PG_DATA" -w -l "$dir/log" \
    -o "-p $PG_PORT -k $dir -c listen_addresses=127.0.0.1" >>"$WORK/PG.out" 2>&1 ||
    die "postgres did not start: $(tail -3 "$dir/log")"
  PG_URL="postgresql://torii@127.0.0.1:$PG_PORT/postgres"
  PG_AS=("${as[@]}")
}
stop_postgres() {
  [ -n "${PG_DATA:-}" ] && "${PG_AS[@]}" "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w >/dev/null 2>&1
  PG_DATA=""
}

# write_torii_config FILE WORKERS [MODE]: the gateway in front of MOCK,
# FAIL and STREAM. The plain proxy (MODE 0) runs without the request log
# (metrics stay on, as by default); MODE 1 (observed) logs every request with
# its bodies into a store under the file's directory and traces every one
# (sample_ratio 1.0) to the mock's OTLP/HTTP sink; MODE 2 (governed) has
# the admin API and an embedded store, for a virtual key with a budget and
# rate limits (created by create_governed_key), and prices the bench model;
# MODE 3 (shared) is MODE 2 with its counters in Redis (REDIS_PORT).
write_torii_config() {
  local observe="logging: { enabled: false }" price=""
  [ "${3:-0}" = 3 ] && observe="logging: { enabled: false }
admin: { keys: [bench-admin] }
store: { path: $(dirname "$1")/store-shared-$2, redis: \"redis://127.0.0.1:$REDIS_PORT\" }" && price=", price: { input: 0.15, output: 0.6 }"
  [ "${3:-0}" = 1 ] && observe="logging: { bodies: true }
store: { path: $(dirname "$1")/store-$2 }
tracing: { otlp_endpoint: \"http://127.0.0.1:$MOCK_PORT\", sample_ratio: 1.0 }"
  [ "${3:-0}" = 2 ] && observe="logging: { enabled: false }
admin: { keys: [bench-admin] }
store: { path: $(dirname "$1")/store-gov-$2 }" && price=", price: { input: 0.15, output: 0.6 }"
  [ "${3:-0}" = 4 ] && observe="logging: { enabled: false }
cache: { mode: exact, ttl_s: 86400, namespace: global }"
  local guard=""
  [ "${3:-0}" = 5 ] && observe="logging: { enabled: false }
guardrails:
  - { name: pii, type: pii, on: both, action: redact }" && guard=", guardrails: [pii]"
  cat >"$1" <<YAML
listen: 127.0.0.1:0
workers: $2
log_level: warn
idle_timeout_ms: 300000
auth: { keys: [bench-key] }
$observe
providers:
  - { name: mock, type: openai-compatible, base_url: "http://127.0.0.1:$MOCK_PORT/v1", api_key: sk-bench }
  - { name: stream-mock, type: openai-compatible, base_url: "http://127.0.0.1:$STREAM_PORT/v1", api_key: sk-bench }
  - { name: failing, type: openai-compatible, base_url: "http://127.0.0.1:$FAIL_PORT/v1", api_key: sk-bench }
models:
  - { name: bench$guard, targets: [ { provider: mock, model: mock-1$price } ] }
  - { name: stream$guard, targets: [ { provider: stream-mock, model: mock-1 } ] }
  - name: failover
    circuit_breaker: off
    targets: [ { provider: failing, model: mock-1 }, { provider: mock, model: mock-1 } ]
YAML
}

# start_nginx VAR WORKERS: nginx as a reverse proxy in front of the same mocks,
# configured like torii: keep-alive upstreams, HTTP/1.1, no response
# buffering, the same bearer-key check, and a failover upstream that retries
# a 503 on the good mock. Sets VAR_PORT, VAR_PID (master) and VAR_PIDS
# (master and workers, comma-separated).
start_nginx() {
  local var=$1 workers=$2 dir="$WORK/$1" port attempt pid
  mkdir -p "$dir/logs" "$dir/tmp"
  chmod -R a+rwx "$dir"
  for attempt in 1 2 3 4 5; do
    port=$("$BUILD/torii-bench-driver" free-port)
    cat >"$dir/nginx.conf" <<NGINX
worker_processes $workers;
worker_rlimit_nofile $NOFILE;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections $((NOFILE - 64)); }
http {
  access_log off;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  client_max_body_size 32m;
  client_body_buffer_size 1m;
  map \$http_authorization \$bench_bad_key { "Bearer bench-key" 0; default 1; }
  upstream mock { server 127.0.0.1:$MOCK_PORT; keepalive 256; keepalive_requests 10000000; }
  upstream stream_mock { server 127.0.0.1:$STREAM_PORT; keepalive 256; keepalive_requests 10000000; }
  upstream failover {
    server 127.0.0.1:$FAIL_PORT max_fails=0;
    server 127.0.0.1:$MOCK_PORT backup;
    keepalive 64; keepalive_requests 10000000;
  }
  server {
    listen 127.0.0.1:$port reuseport backlog=4096;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Authorization "Bearer sk-bench";
    proxy_buffering off;
    location = /health { return 200 "ok\n"; }
    # What the mock answers, served by nginx itself: the baseline of a cache hit.
    location = /static/v1/chat/completions {
      if (\$bench_bad_key) { return 401; }
      default_type application/json;
      return 200 '$STATIC_ANSWER';
    }
    location / {
      if (\$bench_bad_key) { return 401 '{"error":{"message":"invalid key","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}'; }
      proxy_pass http://mock;
    }
    location /stream/ {
      if (\$bench_bad_key) { return 401; }
      proxy_pass http://stream_mock/;
    }
    location /failover/ {
      if (\$bench_bad_key) { return 401; }
      proxy_next_upstream error timeout http_503 non_idempotent;
      proxy_pass http://failover/;
    }
  }
}
NGINX
    # shellcheck disable=SC2086
    $PIN_PROXY nginx -p "$dir" -c nginx.conf -g 'daemon off;' >"$dir/logs/stdout" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    if wait_port "$port" && kill -0 "$pid" 2>/dev/null; then
      local all=$pid child
      for _ in $(seq 100); do
        [ "$(pgrep -P "$pid" | wc -l)" -ge "$workers" ] && break
        sleep 0.05
      done
      for child in $(pgrep -P "$pid"); do all+=",$child"; done
      printf -v "${var}_PORT" '%s' "$port"
      printf -v "${var}_PID" '%s' "$pid"
      printf -v "${var}_PIDS" '%s' "$all"
      return 0
    fi
    stop_procs "$pid"
    log "nginx did not start on port $port (attempt $attempt): $(tail -2 "$dir/logs/error.log" "$dir/logs/stdout" 2>/dev/null | tr '\n' ' ')"
  done
  die "nginx would not start"
}

# cpu_ticks PID[,PID...]: user+sys clock ticks of the processes, all threads.
cpu_ticks() {
  local total=0 pid t
  for pid in ${1//,/ }; do
    t=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $12+$13}')
    total=$((total + ${t:-0}))
  done
  echo "$total"
}

# rss_kib PID[,PID...]: resident set size summed over the processes.
rss_kib() {
  local total=0 pid r
  for pid in ${1//,/ }; do
    r=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
    total=$((total + ${r:-0}))
  done
  echo "$total"
}

# wrk_json URL CONNECTIONS SECONDS SCRIPT [ENV=VALUE...]: runs wrk and prints
# the WRKJSON object of bench/wrk/report.lua (or {} when wrk failed), with
# "text_errors" added: the counts of wrk's own "Non-2xx or 3xx responses" and
# "Socket errors" lines (0 when wrk printed no such line), which the report
# checks alongside the script's error counters.
wrk_json() {
  local url=$1 conns=$2 secs=$3 script=$4; shift 4
  local out="$WORK/wrk.$$.txt" json non2xx sock
  env BENCH_DIR="$BENCH_DIR" "$@" timeout $((secs + 30)) \
    wrk -t1 -c"$conns" -d"${secs}s" --timeout 10s -s "$BENCH_DIR/wrk/$script" "$url" >"$out" 2>&1 || true
  if grep -q '^WRKJSON {.*}$' "$out"; then
    json=$(grep '^WRKJSON ' "$out" | head -1 | sed 's/^WRKJSON //')
    non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$out" | head -1)
    # "  Socket errors: connect 0, read 12, write 0, timeout 3"
    sock=$(sed -n 's/^ *Socket errors: *connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\).*/"connect":\1,"read":\2,"write":\3,"timeout":\4/p' "$out" | head -1)
    printf '%s,"text_errors":{"non2xx":%s,%s}}\n' "${json%\}}" "${non2xx:-0}" "${sock:-\"connect\":0,\"read\":0,\"write\":0,\"timeout\":0}"
  else
    log "wrk failed on $url: $(tail -3 "$out" | tr '\n' ' ')"
    echo '{}'
  fi
}

# measure KEY=VALUE... -- URL CONNS SECONDS SCRIPT [ENV...] with CPU_PIDS set:
# one wrk run, recorded with the CPU ticks the CPU_PIDS used meanwhile.
measure() {
  local fields=()
  while [ "$1" != "--" ]; do fields+=("$1"); shift; done
  shift
  local before after res
  before=$(cpu_ticks "${CPU_PIDS:-}")
  res=$(wrk_json "$@")
  after=$(cpu_ticks "${CPU_PIDS:-}")
  record "${fields[@]}" "conns=$2" "wrk=$res" "cpu_ticks=$((after - before))"
}

# mock_requests PORT: the mock's request counter, or nothing when it could
# not be read (never a failure: under set -e and pipefail a failed curl or an
# answer without the counter would otherwise end the run).
mock_requests() {
  curl -s --max-time 5 "http://127.0.0.1:$1/mock/stats" | grep -o '"requests":[0-9]*' | head -1 | cut -d: -f2 || true
}

# use_target NAME: sets T_URL, T_KEY, T_MODEL and CPU_PIDS (the process whose
# CPU time is charged) for a chat completion through NAME:
#   direct, nginx, torii              the fast mock
#   direct-fail                       the mock that answers 503 at once
#   nginx-failover, torii-failover    503 from the failing mock, then the fast mock
#   direct-stream, nginx-stream, torii-stream   the paced streaming mock
use_target() {
  local chat=/v1/chat/completions
  case $1 in
    direct) T_URL="http://127.0.0.1:$MOCK_PORT$chat"; T_KEY=sk-bench; T_MODEL=mock-1; CPU_PIDS=$MOCK_PID ;;
    nginx) T_URL="http://127.0.0.1:$NGINX_PORT$chat"; T_KEY=bench-key; T_MODEL=mock-1; CPU_PIDS=$NGINX_PIDS ;;
    torii) T_URL="http://127.0.0.1:$TORII_PORT$chat"; T_KEY=bench-key; T_MODEL=bench; CPU_PIDS=$TORII_PID ;;
    torii-observed) T_URL="http://127.0.0.1:$TORII_OBS_PORT$chat"; T_KEY=bench-key; T_MODEL=bench; CPU_PIDS=$TORII_OBS_PID ;;
    torii-guarded) T_URL="http://127.0.0.1:$TORII_GUARD_PORT$chat"; T_KEY=bench-key; T_MODEL=bench; CPU_PIDS=$TORII_GUARD_PID ;;
    torii-guarded-stream) T_URL="http://127.0.0.1:$TORII_GUARD_PORT$chat"; T_KEY=bench-key; T_MODEL=stream; CPU_PIDS=$TORII_GUARD_PID ;;
    torii-cached) T_URL="http://127.0.0.1:$TORII_CACHED_PORT$chat"; T_KEY=bench-key; T_MODEL=bench; CPU_PIDS=$TORII_CACHED_PID ;;
    nginx-static) T_URL="http://127.0.0.1:$NGINX_PORT/static$chat"; T_KEY=bench-key; T_MODEL=mock-1; CPU_PIDS=$NGINX_PIDS ;;
    torii-governed) T_URL="http://127.0.0.1:$TORII_GOV_PORT$chat"; T_KEY=$GOV_KEY; T_MODEL=bench; CPU_PIDS=$TORII_GOV_PID ;;
    torii-shared) T_URL="http://127.0.0.1:$TORII_SHARED_PORT$chat"; T_KEY=$SHARED_KEY; T_MODEL=bench; CPU_PIDS=$TORII_SHARED_PID ;;
    direct-fail) T_URL="http://127.0.0.1:$FAIL_PORT$chat"; T_KEY=sk-bench; T_MODEL=mock-1; CPU_PIDS=$FAIL_PID ;;
    nginx-failover) T_URL="http://127.0.0.1:$NGINX_PORT/failover$chat"; T_KEY=bench-key; T_MODEL=mock-1; CPU_PIDS=$NGINX_PIDS ;;
    torii-failover) T_URL="http://127.0.0.1:$TORII_PORT$chat"; T_KEY=bench-key; T_MODEL=failover; CPU_PIDS=$TORII_PID ;;
    direct-stream) T_URL="http://127.0.0.1:$STREAM_PORT$chat"; T_KEY=sk-bench; T_MODEL=mock-1; CPU_PIDS=$STREAM_PID ;;
    nginx-stream) T_URL="http://127.0.0.1:$NGINX_PORT/stream$chat"; T_KEY=bench-key; T_MODEL=mock-1; CPU_PIDS=$NGINX_PIDS ;;
    torii-stream) T_URL="http://127.0.0.1:$TORII_PORT$chat"; T_KEY=bench-key; T_MODEL=stream; CPU_PIDS=$TORII_PID ;;
    *) die "unknown target $1" ;;
  esac
}

# stream_run TARGET OUT STREAMS [DRIVER ARGS...]: the stream driver against
# TARGET's streaming path with STREAMS streams, its JSON in OUT ('{}' when it
# failed); sets STREAM_CPU_TICKS to the serving process's CPU over the run.
stream_run() {
  local target=$1 out=$2 streams=$3 before after
  shift 3
  use_target "$target"
  split_url "$T_URL"
  before=$(cpu_ticks "$CPU_PIDS")
  timeout 300 "$BUILD/torii-bench-driver" stream --port "$U_PORT" --path "$U_PATH" --model "$T_MODEL" --key "$T_KEY" \
    --streams "$streams" --ramp-ms "$STREAM_RAMP_MS" --watch-pids "$CPU_PIDS" --timeout-s 240 "$@" \
    >"$out" 2>"$out.err" || true
  after=$(cpu_ticks "$CPU_PIDS")
  [ -s "$out" ] || echo '{}' >"$out"
  STREAM_CPU_TICKS=$((after - before))
}

# split_url URL: sets U_PORT and U_PATH of an http://127.0.0.1:PORT/PATH URL.
split_url() {
  local rest=${1#http://127.0.0.1:}
  U_PORT=${rest%%/*}
  U_PATH=/${rest#*/}
}

# rotate ROUND WORD...: the words, starting at index ROUND modulo their count,
# so no target always runs first in an interleaved round.
rotate() {
  local r=$1; shift
  local n=$# i
  local arr=("$@")
  for ((i = 0; i < n; i++)); do printf '%s ' "${arr[$(((i + r) % n))]}"; done
}

# is_warmup ROUND: round 0 of every scenario is a warm-up round, recorded with
# warmup=true and left out of the report; rounds 1..ROUND-COUNT are measured.
is_warmup() { [ "$1" = 0 ] && echo true || echo false; }

# compare_runs SCENARIO WORKERS CONNS ROUND-COUNT TARGET... [-- ENV...]: a
# warm-up round, then ROUND-COUNT rounds, each one wrk run of chat.lua per
# target (rotated order), all recorded.
compare_runs() {
  local scenario=$1 w=$2 conns=$3 rounds=$4; shift 4
  local targets=() envs=() r t
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do targets+=("$1"); shift; done
  [ "${1:-}" = "--" ] && shift
  envs=("$@")
  for ((r = 0; r <= rounds; r++)); do
    for t in $(rotate "$r" "${targets[@]}"); do
      use_target "$t"
      measure kind=wrk scenario="$scenario" workers="$w" target="$t" round="$r" warmup="$(is_warmup "$r")" "${envs[@]/#/env_}" -- \
        "$T_URL" "$conns" "$DURATION" chat.lua BENCH_KEY="$T_KEY" BENCH_MODEL="$T_MODEL" "${envs[@]}"
    done
  done
}
