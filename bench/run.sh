#!/usr/bin/env bash
# Torii's benchmark suite (`make bench`): torii against nginx and against the
# upstream directly, all in front of the same torii-mock processes in the same
# run. Writes bench/results/latest.md and bench/results/latest.json, and appends
# the run's target statuses to bench/results/history.json (the last 10 runs).
#
# Usage: bench/run.sh [BUILD_DIR]   (default build-bench; needs a build with
#        -DTORII_BUILD_BENCH=ON: torii, torii-mock, torii-bench-driver, torii-micro-bench)
# Environment (defaults give a run of about 11 minutes on 2 cores):
#   BENCH_WORKERS   worker counts to measure, e.g. "1 2" (default "1 <nproc>")
#   SCENARIOS       subset of: throughput observed governed shared cached guarded latency streaming large failover keyflood memory micro logstore cachestore
#   LOG_ROWS        rows the logstore scenario writes and queries (default 1000000)
#   CACHE_ENTRIES   entries the cachestore scenario indexes and stores (default 100000)
#   DURATION        seconds of one wrk run (default 2); ROUNDS runs per target, interleaved (default 3),
#                   after one warm-up round per scenario that the report leaves out
#   CONNECTIONS     wrk connections for throughput and key flood (default 64)
#   STREAMS         concurrent streams (default 1000, or 100 per core below 8 cores);
#                   STREAM_EVENTS events per stream (200); STREAM_TPS content events per second
#                   per stream (50); STREAM_RAMP_MS start-up spread (1000); STREAM_ROUNDS (2,
#                   after a warm-up round)
#   MEM_STREAMS     live streams whose RSS the memory scenario measures (default 1000, paced at 10/s)
#   LARGE_SIZES     request body sizes in bytes (default "4096 40960 409600")
#   IDLE_CONNS      idle keep-alive connections (default 10000)
#   SOAK_SECONDS    memory soak (default 60); SOAK_WARMUP warm-up before it (default 5)
#   MICRO_MIN_TIME  seconds per micro-benchmark (default 0.2)
#   PIN             1 (default): with one worker, mocks on CPU 1 and the proxy on CPU 0
#   BENCH_KEEP_WORK set: keep the temp dir (configs, logs, raw results) for inspection
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
BUILD_ARG=${1:-build-bench}
[[ $BUILD_ARG == /* ]] || BUILD_ARG="$ROOT/$BUILD_ARG"
BUILD=$(cd "$BUILD_ARG" 2>/dev/null && pwd) || { echo "no build directory $BUILD_ARG" >&2; exit 1; }

NPROC=$(nproc)
BENCH_WORKERS=${BENCH_WORKERS:-$(printf '%s\n' 1 "$NPROC" | awk '!seen[$0]++' | xargs)}
SCENARIOS=${SCENARIOS:-throughput observed governed shared cached guarded latency streaming large failover keyflood memory micro logstore cachestore}
DURATION=${DURATION:-2}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
# 1,000 concurrent streams of 200 events at 50 events/s is 50,000 events/s for
# the mock, the proxy and the driver together: more than a small machine
# sustains without the direct path itself queueing. Below 8 cores the default
# scales down to 100 streams per core (STREAMS=1000 forces the full count).
if [ -n "${STREAMS:-}" ]; then
  STREAMS_NOTE="STREAMS=$STREAMS set by the caller"
elif [ "$NPROC" -ge 8 ]; then
  STREAMS=1000; STREAMS_NOTE="full count"
else
  STREAMS=$((100 * NPROC))
  STREAMS_NOTE="scaled down from 1000 to $STREAMS (100 per core on this $NPROC-core machine); the 1,000-stream count is kept for the memory scenario"
fi
MEM_STREAMS=${MEM_STREAMS:-1000}
GUARD_STREAMS=${GUARD_STREAMS:-$STREAMS}
STREAM_EVENTS=${STREAM_EVENTS:-200}
STREAM_TPS=${STREAM_TPS:-50}
STREAM_RAMP_MS=${STREAM_RAMP_MS:-1000}
STREAM_ROUNDS=${STREAM_ROUNDS:-2}
LARGE_SIZES=${LARGE_SIZES:-4096 40960 409600}
IDLE_CONNS=${IDLE_CONNS:-10000}
SOAK_SECONDS=${SOAK_SECONDS:-60}
SOAK_WARMUP=${SOAK_WARMUP:-5}
MICRO_MIN_TIME=${MICRO_MIN_TIME:-0.2}
LOG_ROWS=${LOG_ROWS:-1000000}
CACHE_ENTRIES=${CACHE_ENTRIES:-100000}
PIN=${PIN:-1}

for bin in torii torii-mock torii-bench-driver torii-micro-bench torii-log-bench; do
  [ -x "$BUILD/$bin" ] || { echo "missing $BUILD/$bin: build with -DTORII_BUILD_BENCH=ON (make bench does)" >&2; exit 1; }
done
for tool in wrk nginx curl node; do
  command -v "$tool" >/dev/null || { echo "$tool missing: run scripts/install-deps.sh" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/torii-bench.XXXXXX)
chmod 755 "$WORK"  # nginx workers run unprivileged when started as root
RESULTS="$WORK/results.jsonl"
: >"$RESULTS"
# shellcheck source=lib.sh
source "$BENCH_DIR/lib.sh"
trap 'cleanup; [ -n "${BENCH_KEEP_WORK:-}" ] && log "kept $WORK" || rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

# Enough descriptors for the idle-connection scenario, on both ends.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE=$(ulimit -n)
if [ "$NOFILE" != unlimited ] && [ $((IDLE_CONNS + 256)) -gt "$NOFILE" ]; then
  log "open-file limit $NOFILE: IDLE_CONNS lowered from $IDLE_CONNS to $((NOFILE - 256))"
  IDLE_CONNS=$((NOFILE - 256))
fi
[ "$NOFILE" = unlimited ] && NOFILE=65536
[ "$NOFILE" -gt 65536 ] && NOFILE=65536

for s in "$BENCH_DIR"/scenarios/*.sh; do
  # shellcheck source=/dev/null
  source "$s"
done
wants() { [[ " $SCENARIOS " == *" $1 "* ]]; }

record kind=meta date="$(date -u +%Y-%m-%dT%H:%M:%SZ)" nproc="$NPROC" \
  cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" \
  kernel="$(uname -r)" commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  dirty="$(git -C "$ROOT" status --porcelain -- src tools 2>/dev/null | grep -q . && echo true || echo false)" \
  nginx="$(nginx -v 2>&1 | sed 's/.*nginx\///')" wrk="$(wrk -v 2>&1 | head -1 | awk '{print $2}')" \
  workers_list="[$(echo "$BENCH_WORKERS" | tr ' ' ',')]" duration="$DURATION" rounds="$ROUNDS" \
  connections="$CONNECTIONS" streams="$STREAMS" streams_note="$STREAMS_NOTE" mem_streams="$MEM_STREAMS" stream_events="$STREAM_EVENTS" stream_tps="$STREAM_TPS" \
  stream_ramp_ms="$STREAM_RAMP_MS" stream_rounds="$STREAM_ROUNDS" idle_conns="$IDLE_CONNS" soak_seconds="$SOAK_SECONDS" \
  soak_warmup="$SOAK_WARMUP" nofile="$NOFILE" clk_tck="$(getconf CLK_TCK)" pin="$PIN" \
  loadavg="$(cut -d' ' -f1-3 /proc/loadavg)"

# set_pinning WORKERS: with one worker and at least two cores, the mocks get
# CPU 1 and the proxy under test CPU 0 (the load generator is not pinned);
# with more workers nothing is pinned.
set_pinning() {
  PIN_MOCK=""; PIN_PROXY=""; PINNED=false
  if [ "$PIN" = 1 ] && [ "$1" = 1 ] && [ "$NPROC" -ge 2 ] && command -v taskset >/dev/null; then
    PIN_MOCK="taskset -c 1"; PIN_PROXY="taskset -c 0"; PINNED=true
  fi
}

# start_stack WORKERS: the three mocks, torii and nginx with this worker count.
start_stack() {
  local w=$1
  set_pinning "$w"
  start_mock MOCK --workers "$w"
  start_mock FAIL --workers 1 --fail-status 503
  start_mock STREAM --workers "$w" --tokens-per-sec "$STREAM_TPS" --reply-words $((STREAM_EVENTS - 3))
  write_torii_config "$WORK/torii-$w.yaml" "$w"
  start_torii TORII "$WORK/torii-$w.yaml"
  write_torii_config "$WORK/torii-observed-$w.yaml" "$w" 1
  start_torii TORII_OBS "$WORK/torii-observed-$w.yaml"
  rm -rf "$WORK/store-gov-$w"
  write_torii_config "$WORK/torii-governed-$w.yaml" "$w" 2
  start_torii TORII_GOV "$WORK/torii-governed-$w.yaml"
  create_governed_key GOV_KEY "$TORII_GOV_PORT"
  start_redis
  rm -rf "$WORK/store-shared-$w"
  write_torii_config "$WORK/torii-shared-$w.yaml" "$w" 3
  start_torii TORII_SHARED "$WORK/torii-shared-$w.yaml"
  create_governed_key SHARED_KEY "$TORII_SHARED_PORT"
  write_torii_config "$WORK/torii-guarded-$w.yaml" "$w" 5
  start_torii TORII_GUARD "$WORK/torii-guarded-$w.yaml"
  write_torii_config "$WORK/torii-cached-$w.yaml" "$w" 4
  start_torii TORII_CACHED "$WORK/torii-cached-$w.yaml"
  # The answer a cache hit repeats, as nginx's static baseline returns it.
  STATIC_ANSWER=$(curl -s -H 'Authorization: Bearer bench-key' -H 'Content-Type: application/json' \
    -d '{"model":"bench","messages":[{"role":"user","content":"Say hello in five words."}],"max_tokens":16}' \
    "http://127.0.0.1:$TORII_CACHED_PORT/v1/chat/completions")
  start_nginx NGINX "$w"
  log "workers=$w pinned=$PINNED: mock :$MOCK_PORT, failing mock :$FAIL_PORT, stream mock :$STREAM_PORT, torii :$TORII_PORT, nginx :$NGINX_PORT"
}

stop_stack() {
  stop_procs "$TORII_PID" "$TORII_OBS_PID" "$TORII_GOV_PID" "$TORII_SHARED_PID" "$TORII_CACHED_PID" "$TORII_GUARD_PID" "$REDIS_PID" "$NGINX_PID" "$MOCK_PID" "$FAIL_PID" "$STREAM_PID"
}

# check_stack WORKERS SCENARIO: a process of the stack that died during the
# scenario is recorded (exit status, last output) and the stack restarted, so
# the remaining scenarios still run; the report lists the crash.
check_stack() {
  local w=$1 scenario=$2 var pid rc out dead=false
  for var in TORII TORII_OBS TORII_GOV TORII_SHARED TORII_CACHED TORII_GUARD REDIS NGINX MOCK FAIL STREAM; do
    pid=${var}_PID; pid=${!pid}
    kill -0 "$pid" 2>/dev/null && continue
    rc=0; wait "$pid" 2>/dev/null || rc=$?
    forget_pid "$pid"
    if [ "$var" = NGINX ]; then out=$(tail -5 "$WORK/NGINX/logs/error.log" 2>/dev/null); else out=$(tail -5 "$WORK/$var.out" 2>/dev/null); fi
    log "$var (pid $pid) exited with status $rc during $scenario: $out"
    record kind=crash workers="$w" scenario="$scenario" process="$var" status="$rc" output="$(echo "$out" | tr '\n' ' ')"
    dead=true
  done
  if $dead; then
    stop_stack
    start_stack "$w"
  fi
}

started_at=$(date +%s)
timed() {  # timed NAME FUNCTION ARGS...: runs a scenario and records how long it took
  local name=$1 t0; shift
  t0=$(date +%s)
  log "scenario $name (${*:2})"
  "$@"
  record kind=timing scenario="$name" seconds=$(( $(date +%s) - t0 )) loadavg="$(cut -d' ' -f1-3 /proc/loadavg)"
}

for W in $BENCH_WORKERS; do
  if wants throughput || wants observed || wants governed || wants shared || wants cached || wants guarded || wants latency || wants streaming || wants large || wants failover || wants keyflood; then
    start_stack "$W"
    for sc in throughput observed governed shared cached guarded latency streaming large failover keyflood; do
      wants "$sc" || continue
      timed "$sc w=$W" "scenario_$sc" "$W"
      check_stack "$W" "$sc"
    done
    stop_stack
  fi
done

FIRST_W=${BENCH_WORKERS%% *}
wants memory && timed "memory w=$FIRST_W" scenario_memory "$FIRST_W"
wants micro && timed micro scenario_micro
wants logstore && timed logstore scenario_logstore
wants cachestore && timed cachestore scenario_cachestore

record kind=timing scenario=total seconds=$(( $(date +%s) - started_at ))
mkdir -p "$BENCH_DIR/results"
node "$BENCH_DIR/report.mjs" "$RESULTS" "$BENCH_DIR/results"
cat "$BENCH_DIR/results/latest.md"
