#!/usr/bin/env bash
# What a consumer catching up from disk costs everybody else: fills a topic
# with --fill-mb of 1 KiB records (written with O_DIRECT, so not in the page
# cache), then runs the same paced end-to-end latency run twice on another
# topic (16 partitions, 2 consumers): once alone, once while kcat reads the
# filled topic from the beginning. Prints both latency lines and kcat's MB/s.
#
#   scripts/bench-catchup.sh [--build-dir DIR] [--fjord BINARY] [--rate R]
#                            [--seconds S] [--fill-mb M] [-- key=value ...]
#
# Defaults: build, DIR/fjord, 100000 rec/s, 10 s, 2048 MiB. Everything after
# -- is passed to fjord as --override key=value.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO=$ROOT
BUILD="$ROOT/build"
FJORD=""
RATE=100000
SECONDS_=10
FILL_MB=2048
OVERRIDES=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) BUILD=$(cd "$2" && pwd); shift 2 ;;
    --fjord) FJORD=$(realpath "$2"); shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --seconds) SECONDS_=$2; shift 2 ;;
    --fill-mb) FILL_MB=$2; shift 2 ;;
    --) shift; OVERRIDES=("$@"); break ;;
    *) sed -n '2,12p' "${BASH_SOURCE[0]}"; exit 2 ;;
  esac
done
FJORD=${FJORD:-$BUILD/fjord}
TOOLS="$BUILD/integration/bench"
for bin in "$FJORD" "$TOOLS/fjord_bench"; do
  [[ -x $bin ]] || { echo "bench-catchup.sh: $bin missing; build first (scripts/setup.sh)" >&2; exit 2; }
done
command -v kcat > /dev/null || { echo "bench-catchup.sh: kcat missing (scripts/setup.sh --test)" >&2; exit 2; }
mkdir -p "$BUILD/bench"
SCRATCH=$(mktemp -d "$BUILD/bench/scratch.XXXXXX")  # under the build dir, so not tmpfs
OUT=$SCRATCH
source "$ROOT/scripts/lib/bench_brokers.sh"

start_fjord "${OVERRIDES[@]}"
bench() { "$TOOLS/fjord_bench" --brokers "$FJORD_ADDR" --size 1024 "$@" 2>&1; }

records=$((FILL_MB * 1024))
bench --topic history --partitions 1 --acks 1 --producers 2 --records "$records" --duration 600 \
  --latency-duration 0 | grep 'rec/s' | sed 's/^/fill: /'

# Bytes each group of broker threads had read from the disk so far.
disk_reads() {
  local t
  for t in /proc/"$FJORD_PID"/task/*; do
    printf '%s %s\n' "$(tr -d '0-9' < "$t/comm" | sed 's/-$//')" "$(awk '/^read_bytes/{print $2}' "$t/io")"
  done | awk '{ s[$1] += $2 } END { for (k in s) if (s[k] >= 1e6) printf " %s=%.0fMB", k, s[k] / 1e6 }'
}

live() {
  bench --topic live --partitions 16 --acks all --producers 4 --duration 0 --rate "$RATE" \
    --latency-duration "$SECONDS_" --linger-ms 1 --consumers 2 | grep -E 'p99|error' | sed "s/^/$1: /"
}
live "alone"
echo "disk reads by broker threads so far:$(disk_reads)"

kcat -b "$FJORD_ADDR" -C -t history -o beginning -e -q -f '%o\n' > "$SCRATCH/kcat.out" 2>&1 &
KCAT_PID=$!
STARTED_PIDS+=("$KCAT_PID")
start_ns=$(date +%s%N) end_ns=""
live "with a reader catching up" > "$SCRATCH/live.out" &
LIVE_PID=$!
STARTED_PIDS+=("$LIVE_PID")
while kill -0 "$LIVE_PID" 2>/dev/null; do
  [[ -z $end_ns ]] && ! kill -0 "$KCAT_PID" 2>/dev/null && end_ns=$(date +%s%N)
  sleep 0.02
done
cat "$SCRATCH/live.out"
read_records=$(wc -l < "$SCRATCH/kcat.out")
if [[ -z $end_ns ]]; then
  echo "reader: $read_records of $records records read during the run"
else
  awk -v n="$read_records" -v ns=$((end_ns - start_ns)) \
    'BEGIN { printf "reader: %d records in %.1f s (%.0f MB/s)\n", n, ns / 1e9, n * 1.024e3 / (ns / 1e3) }'
fi
echo "disk reads by broker threads so far:$(disk_reads)"
stop_fjord catchup
