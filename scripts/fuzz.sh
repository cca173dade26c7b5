#!/usr/bin/env bash
# Runs the libFuzzer targets (fuzz/README.md) one after the other, SECONDS
# each (default 60): `scripts/fuzz.sh [SECONDS] [TARGET...]`, every target of
# fuzz/*.cpp when none is named.
#
# Each target starts from a copy of its seed corpus (fuzz/corpus/<target>/)
# in a scratch directory, so what the fuzzer generates never lands in the
# repository, with fuzz/dict/<target>.dict when there is one. The build
# (build-fuzz/: clang, ASan + UBSan) is configured when missing and brought
# up to date. Exits non-zero when any target crashed, leaked, hung or ran out
# of memory, naming the input that did it.
#
# Environment: FUZZ_BUILD_DIR (build-fuzz), FUZZ_WORK_DIR (a new directory
# under $TMPDIR), JOBS (build jobs, default nproc).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
[ "$#" -gt 0 ] && shift
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
  echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2
  exit 2
fi
build="${FUZZ_BUILD_DIR:-build-fuzz}"
jobs="${JOBS:-$(nproc)}"

bash scripts/install-deps.sh --fuzz
if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DTORII_BUILD_FUZZ=ON -DTORII_BUILD_TESTS=OFF
fi
cmake --build "$build" -j"$jobs" --target torii_fuzzers

targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  for src in fuzz/*.cpp; do
    name="${src##*/}"
    targets+=("${name%.cpp}")
  done
fi

work="${FUZZ_WORK_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/torii-fuzz.XXXXXX")}"
mkdir -p "$work"
# UB aborts already (-fno-sanitize-recover); these make its report useful.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"

failed=()
summary=""
for t in "${targets[@]}"; do
  bin="$build/fuzz/fuzz_$t"
  if [ ! -x "$bin" ]; then
    echo "fuzz: no target '$t' (fuzz/$t.cpp)" >&2
    exit 2
  fi
  dir="$work/$t"
  rm -rf "$dir"
  mkdir -p "$dir/corpus" "$dir/crashes"
  [ -d "fuzz/corpus/$t" ] && cp -R "fuzz/corpus/$t/." "$dir/corpus/"
  args=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
        -artifact_prefix="$dir/crashes/")
  [ -f "fuzz/dict/$t.dict" ] && args+=(-dict="fuzz/dict/$t.dict")

  echo "fuzz: $t for ${seconds}s (log: $dir/fuzz.log)"
  status=0
  "$bin" "${args[@]}" "$dir/corpus" >"$dir/fuzz.log" 2>&1 || status=$?

  # The last status line says how far it got.
  last=$(grep -E '^#[0-9]+' "$dir/fuzz.log" | tail -n 1 || true)
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
  corp=$(sed -nE 's/.* corp: ([0-9]+)\/.*/\1/p' <<<"$last")
  execs=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$dir/fuzz.log")
  rss=$(sed -nE 's/^stat::peak_rss_mb: *([0-9]+).*/\1/p' "$dir/fuzz.log")
  crash=$(find "$dir/crashes" -type f | head -n 1)
  result=ok
  if [ "$status" -ne 0 ] || [ -n "$crash" ]; then
    result=FAILED
    failed+=("$t")
    echo "fuzz: $t FAILED (exit $status)"
    { grep -E 'ERROR:|runtime error|property violated|threw:|SUMMARY' "$dir/fuzz.log" || true; } |
      head -n 5 | sed 's/^/    /'
    [ -n "$crash" ] && echo "    input: $crash" && echo "    replay: $bin $crash"
  fi
  summary+=$(printf '%-18s %-6s cov %-6s ft %-6s corpus %-5s exec/s %-7s rss %sMB' \
    "$t" "$result" "${cov:-?}" "${ft:-?}" "${corp:-?}" "${execs:-?}" "${rss:-?}")$'\n'
done

echo
echo "fuzz: ${seconds}s per target; inputs, logs and generated corpora in $work"
printf '%s' "$summary"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: failed: ${failed[*]} (crash inputs in $work/<target>/crashes/)" >&2
  exit 1
fi
