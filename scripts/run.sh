#!/usr/bin/env bash
# Builds fjord if needed and runs it in the foreground on localhost:9092 with ./data.
# Extra arguments go to the broker, e.g. scripts/run.sh --override num.partitions=4
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh" --run-only --no-build
cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$ROOT/build" -j"$(nproc)" --target fjord
cd "$ROOT"
# Data in ./data (git-ignored); later --override arguments from "$@" win.
exec "$ROOT/build/fjord" config/server.properties --override log.dirs="$ROOT/data" "$@"
