#!/usr/bin/env bash
# Installs every Debian package Torii's build and tests need; with --bench,
# also the benchmark baselines and load generator (nginx, wrk).
# Idempotent: skips apt entirely when everything is already present.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git curl
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libyaml-cpp-dev libjemalloc-dev libsqlite3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nodejs
  openssl ca-certificates
  iproute2 util-linux valgrind
  prometheus sqlite3
  libhiredis-dev redis-server libpq-dev postgresql-15 libhnswlib-dev libre2-dev
)
BENCH=0
if [ "${1:-}" = "--bench" ]; then
  BENCH=1
  PACKAGES+=(wrk nginx)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# nodejs from some distributions bundles npm; Debian's own splits it out.
if ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi

if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Packages with a service (prometheus, whose promtool the tests use; the
  # benchmark's nginx) must not start it: the tests run their own servers,
  # and there may be no init system.
  policy=/usr/sbin/policy-rc.d
  added_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod +x "$policy"
    added_policy=1
  fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  [ "$added_policy" = 0 ] || $SUDO rm -f "$policy"
fi
