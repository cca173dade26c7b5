#!/usr/bin/env bash
# Throughput and latency of a small non-streaming chat request: torii-mock
# directly vs through torii, same machine, same run (absolute numbers drift on
# shared machines; the ratio is the figure that matters).
# Usage: bench/run.sh [BUILD_DIR]   env: DURATION (s, default 10), CONNECTIONS (default 64), WORKERS (default 1)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
WORKERS=${WORKERS:-1}
command -v wrk >/dev/null || { echo "wrk missing: run scripts/install-deps.sh" >&2; exit 1; }

work=$(mktemp -d)
cleanup() { kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

wait_port() {  # file -> port printed in its "listening on" line
  for _ in $(seq 100); do
    if grep -q "listening on" "$1" 2>/dev/null; then grep -o "listening on [^ ]*" "$1" | sed 's/.*://'; return; fi
    sleep 0.05
  done
  echo "server did not start: $(cat "$1")" >&2; exit 1
}

taskset_mock="taskset -c 1"; taskset_proxy="taskset -c 0"
command -v taskset >/dev/null || { taskset_mock=""; taskset_proxy=""; }

$taskset_mock "$BUILD/torii-mock" --listen 127.0.0.1:0 --workers "$WORKERS" --api-key sk-bench >"$work/mock.out" 2>&1 &
MOCK_PORT=$(wait_port "$work/mock.out")
# Failover scenario: an upstream that answers 503 at once.
$taskset_mock "$BUILD/torii-mock" --listen 127.0.0.1:0 --workers 1 --fail-status 503 >"$work/fail.out" 2>&1 &
FAIL_PORT=$(wait_port "$work/fail.out")
cat >"$work/torii.yaml" <<YAML
listen: 127.0.0.1:0
workers: $WORKERS
log_level: warn
auth: { keys: [bench-key] }
providers:
  - { name: mock, type: openai-compatible, base_url: "http://127.0.0.1:$MOCK_PORT/v1", api_key: sk-bench }
  - { name: failing, type: openai-compatible, base_url: "http://127.0.0.1:$FAIL_PORT/v1" }
models:
  - { name: bench, targets: [ { provider: mock, model: mock-1 } ] }
  - name: failover
    circuit_breaker: off
    targets: [ { provider: failing, model: mock-1 }, { provider: mock, model: mock-1 } ]
YAML
$taskset_proxy "$BUILD/torii" serve --config "$work/torii.yaml" >"$work/torii.out" 2>&1 &
TORII_PID=$!
TORII_PORT=$(wait_port "$work/torii.out")

run() {  # name port key [connections] [model] -> "rps p50 p99 non2xx"
  BENCH_KEY=$3 BENCH_MODEL=${5:-bench} wrk -t1 -c"${4:-$CONNECTIONS}" -d"${DURATION}s" --latency -s bench/chat.lua \
    "http://127.0.0.1:$2/v1/chat/completions" >"$work/$1.txt"
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/$1.txt")
  p50=$(awk '$1=="50%" {print $2}' "$work/$1.txt")
  p99=$(awk '$1=="99%" {print $2}' "$work/$1.txt")
  non2xx=$(awk '/Non-2xx/ {print $4}' "$work/$1.txt")
  echo "$rps ${p50} ${p99} ${non2xx:-0}"
}

# Warm both paths (connection pools, page cache) before measuring.
BENCH_KEY=sk-bench BENCH_MODEL=bench wrk -t1 -c8 -d1s -s bench/chat.lua "http://127.0.0.1:$MOCK_PORT/v1/chat/completions" >/dev/null
BENCH_KEY=bench-key BENCH_MODEL=bench wrk -t1 -c8 -d1s -s bench/chat.lua "http://127.0.0.1:$TORII_PORT/v1/chat/completions" >/dev/null

read -r d_rps d_p50 d_p99 d_err <<<"$(run direct "$MOCK_PORT" sk-bench)"
cpu_before=$(awk '{print $14+$15}' /proc/$TORII_PID/stat)
read -r t_rps t_p50 t_p99 t_err <<<"$(run torii "$TORII_PORT" bench-key)"
cpu_after=$(awk '{print $14+$15}' /proc/$TORII_PID/stat)
ticks=$(getconf CLK_TCK)
requests=$(awk -v r="$t_rps" -v d="$DURATION" 'BEGIN{printf "%d", r*d}')
cpu_us=$(awk -v c=$((cpu_after-cpu_before)) -v t="$ticks" -v n="$requests" 'BEGIN{ if (n>0) printf "%.1f", c/t*1e6/n; else print "n/a"}')
ratio=$(awk -v a="$t_rps" -v b="$d_rps" 'BEGIN{printf "%.2f", a/b}')

# Latency at concurrency 1: direct, through torii, and through torii with one
# failed attempt (503 at once) before the fallback target answers.
read -r _ d1_p50 d1_p99 _ <<<"$(run direct1 "$MOCK_PORT" sk-bench 1)"
read -r _ t1_p50 t1_p99 _ <<<"$(run torii1 "$TORII_PORT" bench-key 1)"
read -r _ f1_p50 f1_p99 f1_err <<<"$(run failover1 "$TORII_PORT" bench-key 1 failover)"
us() { awk -v v="$1" 'BEGIN{ if (v ~ /us$/) {sub(/us/,"",v); print v+0} else if (v ~ /ms$/) {sub(/ms/,"",v); print v*1000} else if (v ~ /s$/) {sub(/s/,"",v); print v*1e6} else print v }'; }
added_p50=$(awk -v a="$(us "$t1_p50")" -v b="$(us "$d1_p50")" 'BEGIN{printf "%.0f", a-b}')
added_p99=$(awk -v a="$(us "$t1_p99")" -v b="$(us "$d1_p99")" 'BEGIN{printf "%.0f", a-b}')
fail_p50=$(awk -v a="$(us "$f1_p50")" -v b="$(us "$t1_p50")" 'BEGIN{printf "%.0f", a-b}')

mkdir -p bench/results
out=bench/results/latest.md
{
  echo "# Small non-streaming chat: direct vs through torii"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), workers=$WORKERS, wrk -t1 -c$CONNECTIONS -d${DURATION}s; mock and torii pinned to different cores when taskset exists."
  echo
  echo "| path | requests/s | p50 | p99 | non-2xx |"
  echo "|---|---|---|---|---|"
  echo "| direct to torii-mock | $d_rps | $d_p50 | $d_p99 | $d_err |"
  echo "| through torii | $t_rps | $t_p50 | $t_p99 | $t_err |"
  echo
  echo "Throughput ratio torii/direct: **$ratio**. Torii CPU per request: **$cpu_us µs** (user+sys from /proc)."
  echo
  echo "## Concurrency 1"
  echo
  echo "| path | p50 | p99 |"
  echo "|---|---|---|"
  echo "| direct to torii-mock | $d1_p50 | $d1_p99 |"
  echo "| through torii | $t1_p50 | $t1_p99 |"
  echo "| through torii, one failed attempt (503) then fallback | $f1_p50 | $f1_p99 |"
  echo
  echo "Added by torii: p50 **${added_p50} µs**, p99 **${added_p99} µs**. One failed attempt adds **${fail_p50} µs** at p50 (the failing mock's own time included). Non-2xx in the failover run: ${f1_err}."
} >"$out"
cat "$out"
