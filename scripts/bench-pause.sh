#!/usr/bin/env bash
# Whether consumers recover after the broker stops for a moment (a long GC
# pause, a VM steal, an operator's SIGSTOP): a paced end-to-end latency run
# (1 KiB records, 16 partitions, acks=all, 4 producers, 2 consumers,
# linger 1 ms) during which the broker is stopped (SIGSTOP) for --pause
# seconds, --pause-at seconds in. While it is stopped, records pile up in the
# producers; afterwards the consumers are behind what the broker keeps in
# memory and must read from the disk while the producers keep going. Prints
# the latency line: p50 shows whether they caught up.
#
#   scripts/bench-pause.sh [--build-dir DIR] [--fjord BINARY] [--rate R]
#                          [--seconds S] [--pause P] [--pause-at T] [-- key=value ...]
#
# Defaults: build, DIR/fjord, 700000 rec/s, 10 s, 0.6 s, 4 s, page-cache
# mode (log.flush.interval.messages=1000000). Everything after -- is passed
# to fjord as --override key=value.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO=$ROOT
BUILD="$ROOT/build"
FJORD=""
RATE=700000
SECONDS_=10
PAUSE=0.6
PAUSE_AT=4
OVERRIDES=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) BUILD=$(cd "$2" && pwd); shift 2 ;;
    --fjord) FJORD=$(realpath "$2"); shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --seconds) SECONDS_=$2; shift 2 ;;
    --pause) PAUSE=$2; shift 2 ;;
    --pause-at) PAUSE_AT=$2; shift 2 ;;
    --) shift; OVERRIDES=("$@"); break ;;
    *) sed -n '2,16p' "${BASH_SOURCE[0]}"; exit 2 ;;
  esac
done
FJORD=${FJORD:-$BUILD/fjord}
TOOLS="$BUILD/integration/bench"
for bin in "$FJORD" "$TOOLS/fjord_bench"; do
  [[ -x $bin ]] || { echo "bench-pause.sh: $bin missing; build first (scripts/setup.sh)" >&2; exit 2; }
done
mkdir -p "$BUILD/bench"
SCRATCH=$(mktemp -d "$BUILD/bench/scratch.XXXXXX")  # under the build dir, so not tmpfs
OUT=$SCRATCH
source "$ROOT/scripts/lib/bench_brokers.sh"

start_fjord log.flush.interval.messages=1000000 log.flush.interval.ms=60000 "${OVERRIDES[@]}"
"$TOOLS/fjord_bench" --brokers "$FJORD_ADDR" --topic live --partitions 16 --size 1024 --acks all \
  --producers 4 --duration 0 --rate "$RATE" --latency-duration "$SECONDS_" --linger-ms 1 --consumers 2 \
  > "$SCRATCH/live.out" 2>&1 &
LIVE_PID=$!
STARTED_PIDS+=("$LIVE_PID")
sleep "$PAUSE_AT"
kill -STOP "$FJORD_PID"
sleep "$PAUSE"
kill -CONT "$FJORD_PID"
wait "$LIVE_PID" || true
forget_pid "$LIVE_PID"
grep -E 'p99|error' "$SCRATCH/live.out" | sed "s/^/paused ${PAUSE} s at ${PAUSE_AT} s: /"
stop_fjord pause
