#!/usr/bin/env bash
# CPU cost per GB produced: runs fjord_bench flat out (1 KiB records unless --size, 16
# partitions, acks=all, 4 producers) against a fresh fjord or the librdkafka
# mock cluster and prints MB/s and CPU seconds per GB: the whole machine's
# (/proc/stat), the broker process's own (/proc/<pid>/stat), the client's
# (fjord_bench, from bash's `times`), the rest (kernel threads, other work) and
# the steal (time the hypervisor took from this VM, in none of the others).
#
#   scripts/bench-cpu.sh                      # fjord, durable (the default mode)
#   scripts/bench-cpu.sh --pagecache          # fjord, Kafka's page-cache mode
#   scripts/bench-cpu.sh --mock               # the mock cluster, same client
#   scripts/bench-cpu.sh --pagecache --perf   # also perf-record the broker, print top symbols
#   scripts/bench-cpu.sh --pagecache -- num.network.threads=2 fjord.log.cache.window.bytes=0
#
# Options: --build-dir DIR (default build), --duration S (default 5),
# --warmup S (default 0: a first run of S seconds against the same broker,
# not measured, so first touches of memory stay out of the figure),
# --compression CODEC (the producers', default none), --size BYTES (record
# values, default 1024), --fjord BINARY
# (default DIR/fjord). Everything after -- is passed to fjord as
# --override key=value.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO=$ROOT
BUILD="$ROOT/build"
DURATION=5
WARMUP=0
TARGET=fjord
PAGECACHE=0
PERF=0
CODEC=none
SIZE=1024
FJORD=""
OVERRIDES=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) BUILD=$(cd "$2" && pwd); shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --mock) TARGET=mock; shift ;;
    --pagecache) PAGECACHE=1; shift ;;
    --perf) PERF=1; shift ;;
    --compression) CODEC=$2; shift 2 ;;
    --size) SIZE=$2; shift 2 ;;
    --fjord) FJORD=$(realpath "$2"); shift 2 ;;
    --) shift; OVERRIDES=("$@"); break ;;
    *) sed -n '2,19p' "${BASH_SOURCE[0]}"; exit 2 ;;
  esac
done
FJORD=${FJORD:-$BUILD/fjord}
for bin in "$FJORD" "$BUILD/integration/bench/fjord_bench" "$BUILD/integration/bench/fjord_mock_peer"; do
  [[ -x $bin ]] || { echo "bench-cpu.sh: $bin missing; build first (scripts/setup.sh)" >&2; exit 2; }
done

TOOLS="$BUILD/integration/bench"
mkdir -p "$BUILD/bench"
SCRATCH=$(mktemp -d "$BUILD/bench/scratch.XXXXXX")  # under the build dir, so not tmpfs
OUT=$SCRATCH
source "$ROOT/scripts/lib/bench_brokers.sh"

if [[ $TARGET == fjord ]]; then
  extra=()
  ((PAGECACHE)) && extra+=(log.flush.interval.messages=1000000 log.flush.interval.ms=60000)
  start_fjord "${extra[@]}" "${OVERRIDES[@]}"
  BROKER_PID=$FJORD_PID ADDR=$FJORD_ADDR
else
  start_mock t:16
  BROKER_PID=$MOCK_PID ADDR=$MOCK_ADDR
fi

produce() {  # produce DURATION: the one-line result
  "$BUILD/integration/bench/fjord_bench" --brokers "$ADDR" --topic t --partitions 16 --size "$SIZE" \
    --acks all --compression "$CODEC" --producers 4 --duration "$1" --latency-duration 0 2>&1 | grep 'rec/s' | tail -1
}
[[ $WARMUP != 0 ]] && produce "$WARMUP" > /dev/null

busy() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; }  # user nice system irq softirq
steal() { awk '/^cpu /{print $9}' /proc/stat; }
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }           # utime + stime, all threads
child_seconds() {  # CPU seconds of every child waited for so far (bash's times: user sys)
  times > "$SCRATCH/times"  # in this shell: a $(times) subshell would count only its own children
  awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] } printf "%.2f", s }' "$SCRATCH/times"
}
thread_ticks() {  # "name ticks" per thread, digits dropped from names (fj-network-0 -> fj-network-)
  local t
  for t in /proc/"$1"/task/*; do
    printf '%s %s\n' "$(tr -d '0-9' < "$t/comm")" "$(sed 's/.*) //' "$t/stat" | awk '{print $12+$13}')"
  done 2>/dev/null | awk '{s[$1]+=$2} END {for (n in s) print n, s[n]}'
}
if ((PERF)); then
  perf record -F 999 -g -p "$BROKER_PID" -o "$SCRATCH/perf.data" > /dev/null 2>&1 &
  PERF_PID=$!
  STARTED_PIDS+=("$PERF_PID")
fi
s0=$(steal); m0=$(busy); b0=$(ticks "$BROKER_PID"); t0=$(thread_ticks "$BROKER_PID"); child_seconds > "$SCRATCH/c0"
line=$(produce "$DURATION")
s1=$(steal); m1=$(busy); b1=$(ticks "$BROKER_PID"); t1=$(thread_ticks "$BROKER_PID"); child_seconds > "$SCRATCH/c1"
mbs=$(grep -o '[0-9.]* MB/s' <<< "$line" | head -1 | cut -d' ' -f1)
mode=$TARGET
[[ $TARGET == fjord ]] && { ((PAGECACHE)) && mode="fjord pagecache" || mode="fjord durable"; }
[[ $CODEC != none ]] && mode+=", $CODEC"
((${#OVERRIDES[@]})) && mode+=" (${OVERRIDES[*]})"
# "rest" is what neither process ran: interrupts, kernel threads (writeback, reclaim), other work.
awk -v mode="$mode" -v mbs="$mbs" -v dur="$DURATION" -v m=$((m1 - m0)) -v b=$((b1 - b0)) -v st=$((s1 - s0)) -v hz="$(getconf CLK_TCK)" \
    -v c="$(awk 'NR == FNR { a = $1; next } { print $1 - a }' "$SCRATCH/c0" "$SCRATCH/c1")" \
  'BEGIN { gb = mbs * dur / 1000; if (gb <= 0) { print mode ": no throughput"; exit 1 }
           printf "%s: %.0f MB/s; machine %.2f CPU-s/GB, broker %.2f, client %.2f, rest %.2f; steal %.2f\n", mode, mbs,
                  m / hz / gb, b / hz / gb, c / gb, (m / hz - b / hz - c) / gb, st / hz / gb }'
# The broker's CPU-s per GB by thread name (threads that ended during the run are missing).
awk -v mbs="$mbs" -v dur="$DURATION" -v hz="$(getconf CLK_TCK)" '
  NR == FNR { before[$1] = $2; next }
  { d = $2 - before[$1]; if (d > 0) printf "  %-16s %.3f CPU-s/GB\n", $1, d / hz / (mbs * dur / 1000) }' \
  <(echo "$t0") <(echo "$t1") | sort -k2 -rn
if ((PERF)); then
  kill -INT "$PERF_PID"; wait "$PERF_PID" 2>/dev/null || true
  forget_pid "$PERF_PID"
  # Kept for call graphs, e.g. perf report -i <file> --no-children -S clear_page_erms -G
  cp "$SCRATCH/perf.data" "$BUILD/bench/perf-latest.data" && echo "perf data: $BUILD/bench/perf-latest.data"
  perf report -i "$SCRATCH/perf.data" --no-children --sort symbol --stdio -g none 2>/dev/null |
    grep '%' | grep -v '^#' | sed -E 's/ +/ /g; s/( -)+ *$//' | head -25
fi
