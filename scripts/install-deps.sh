#!/usr/bin/env bash
# Installs every Debian package Torii's build and tests need; with --bench,
# also the benchmark baselines and load generator (nginx, wrk); with --fuzz,
# clang and its libFuzzer and sanitizer runtimes (scripts/fuzz.sh).
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
if [ "${1:-}" = "--fuzz" ]; then
  PACKAGES+=(clang libclang-rt-14-dev)
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

# The integration tests need Node >= 20 (the pinned SDKs declare >= 22); a
# stock Debian 12 has 18. Then Node 22 comes from the npm registry's `node`
# package, into /usr/local (ahead of /usr/bin on the PATH), or the script
# stops saying what to do.
node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 20 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "install-deps: node $(node --version 2>/dev/null || echo missing) is older than 20; installing node@22 from the npm registry into /usr/local"
  $SUDO npm install -g --prefix /usr/local --no-audit --no-fund node@22 || true
  hash -r
  if [ "$(node_major /usr/local/bin/node)" -lt 20 ]; then
    echo "install-deps: could not install Node >= 20. Install Node 22 (e.g. from the NodeSource" >&2
    echo "  packages, or 'npm install -g --prefix /usr/local node@22') and run this again." >&2
    exit 1
  fi
  if [ "$(node_major)" -lt 20 ]; then
    echo "install-deps: Node 22 is in /usr/local/bin, but 'node' on the PATH is still $(node --version)." >&2
    echo "  Put /usr/local/bin before /usr/bin on the PATH and run this again." >&2
    exit 1
  fi
fi
