#!/usr/bin/env bash
# Installs every Debian package fjord needs (only what is missing), installs kafkajs for the
# integration tests, then configures and builds build/ (with ccache).
#
#   scripts/setup.sh               build + test dependencies, then build everything
#   scripts/setup.sh --run-only    only what building and running the broker needs
#   scripts/setup.sh --no-build    install dependencies, skip the build
#
# Idempotent; works as root (CI) or through sudo; never reads stdin.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# ccache: paths relative to the checkout so a fresh clone (CI) hits the cache.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$ROOT}"
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-true}"
RUN_ONLY=0
BUILD=1
for arg in "$@"; do
  case "$arg" in
    --run-only) RUN_ONLY=1 ;;
    --no-build) BUILD=0 ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

BUILD_PACKAGES=(
  build-essential cmake g++ clang libclang-rt-14-dev ccache pkg-config
  libboost-dev libboost-system-dev libspdlog-dev libgtest-dev libgmock-dev libbenchmark-dev
  zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev libssl-dev python3
)
TEST_PACKAGES=(librdkafka-dev kcat python3-confluent-kafka python3-kafka python3-lz4 python3-snappy
               python3-zstandard nodejs)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

APT_UPDATED=0
apt_install() {
  local missing=()
  for pkg in "$@"; do installed "$pkg" || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "setup: installing ${missing[*]}"
  if [ "$APT_UPDATED" -eq 0 ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}" </dev/null
}

apt_install "${BUILD_PACKAGES[@]}"

if [ "$RUN_ONLY" -eq 0 ]; then
  apt_install "${TEST_PACKAGES[@]}"
  # Some nodejs builds bundle npm, Debian's does not.
  command -v npm >/dev/null || apt_install npm
  NODE_DIR="$ROOT/integration/node"
  if [ ! -f "$NODE_DIR/node_modules/.package-lock.json" ] ||
     [ "$NODE_DIR/package-lock.json" -nt "$NODE_DIR/node_modules/.package-lock.json" ]; then
    echo "setup: npm ci in integration/node (kafkajs, @platformatic/kafka)"
    if ! (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error </dev/null); then
      echo "setup: WARNING: npm ci failed; the Node integration tests will be skipped" >&2
    fi
  fi
fi

if [ "$BUILD" -eq 1 ]; then
  cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFJORD_BENCHMARKS=ON
  cmake --build "$ROOT/build" -j"$(nproc)"
fi
