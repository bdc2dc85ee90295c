#!/usr/bin/env bash
# The group coordinator's timings (integration/bench/groups_bench.py, raw requests at
# the Java client's versions):
#   - how long --members members of one group take to become stable after they all
#     start, with Kafka's default group.initial.rebalance.delay.ms (3000) and net of the
#     wait that delay means under Kafka's rule (the delay, then again while members kept
#     arriving: twice the delay when all start at once), and with the delay at 0;
#   - how long the rest take to be stable again after one of them leaves (members
#     heartbeat every --heartbeat-ms, 50 by default, and rejoin when told to);
#   - OffsetCommit throughput in partition-offsets per second from --consumers
#     consumers of one group committing their share of --partitions partitions, one
#     request in flight each (as commitSync), with the default durable settings.
# Prints a small table.
#
#   scripts/bench-groups.sh [--build-dir DIR] [--fjord BINARY] [--members N]
#                           [--delay-ms MS] [--heartbeat-ms MS] [--consumers C]
#                           [--partitions P] [--seconds S] [-- key=value ...]
#
# Defaults: build, DIR/fjord, 50 members, 3000 ms delay, 50 ms heartbeat, 4 consumers,
# 64 partitions, 10 s.
# Everything after -- is passed to fjord as --override key=value.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO=$ROOT
BUILD="$ROOT/build"
FJORD=""
MEMBERS=50
DELAY_MS=3000
HEARTBEAT_MS=50
CONSUMERS=4
PARTITIONS=64
SECONDS_=10
OVERRIDES=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) BUILD=$(cd "$2" && pwd); shift 2 ;;
    --fjord) FJORD=$(realpath "$2"); shift 2 ;;
    --members) MEMBERS=$2; shift 2 ;;
    --delay-ms) DELAY_MS=$2; shift 2 ;;
    --heartbeat-ms) HEARTBEAT_MS=$2; shift 2 ;;
    --consumers) CONSUMERS=$2; shift 2 ;;
    --partitions) PARTITIONS=$2; shift 2 ;;
    --seconds) SECONDS_=$2; shift 2 ;;
    --) shift; OVERRIDES=("$@"); break ;;
    *) sed -n '2,21p' "${BASH_SOURCE[0]}"; exit 2 ;;
  esac
done
FJORD=${FJORD:-$BUILD/fjord}
TOOLS="$BUILD/integration/bench"
PYTHON=$(command -v python3)
DRIVER="$ROOT/integration/bench/groups_bench.py"
[[ -x $FJORD ]] || { echo "bench-groups.sh: $FJORD missing; build first (scripts/setup.sh)" >&2; exit 2; }
mkdir -p "$BUILD/bench"
SCRATCH=$(mktemp -d "$BUILD/bench/scratch.XXXXXX")  # under the build dir, so not tmpfs
OUT="$BUILD/bench"  # logs of failed phases are kept here
source "$ROOT/scripts/lib/bench_brokers.sh"

# run_phase TAG DELAY_MS PHASE [driver args...] -> the driver's result lines
run_phase() {
  local tag=$1 delay=$2 phase=$3
  shift 3
  start_fjord "group.initial.rebalance.delay.ms=$delay" "${OVERRIDES[@]}"
  local status=0
  "$PYTHON" "$DRIVER" --bootstrap "$FJORD_ADDR" --phase "$phase" --delay-ms "$delay" \
    --heartbeat-ms "$HEARTBEAT_MS" "$@" \
    > "$SCRATCH/$tag.out" 2>&1 || status=$?
  stop_fjord "$tag" $([[ $status -ne 0 ]] && echo keep)
  if [[ $status -ne 0 ]]; then
    cp "$SCRATCH/$tag.out" "$BUILD/bench/$tag.out"
    echo "bench-groups.sh: phase $tag failed (status $status); its output:" >&2
    tail -n 20 "$SCRATCH/$tag.out" >&2
    exit 1
  fi
  cat "$SCRATCH/$tag.out"
}
field() {  # field NAME LINES -> the value after "NAME "
  awk -v n="$1" '$1 == n {print $2}' <<< "$2"
}

join_delay=$(run_phase join-delay "$DELAY_MS" join --members "$MEMBERS")
join_zero=$(run_phase join-zero 0 join --members "$MEMBERS")
leave=$(run_phase leave 0 leave --members "$MEMBERS")
commit=$(run_phase commit "$DELAY_MS" commit --consumers "$CONSUMERS" --partitions "$PARTITIONS" \
  --seconds "$SECONDS_")

commit_detail=$(awk '$1 == "commit_rate" {for (i = 4; i <= NF; i++) printf "%s ", $i}' <<< "$commit")
windows=$(awk '$1 == "join_stable_net" {sub("delay_windows_ms=", "", $4); print $4}' <<< "$join_delay")
printf '\nconsumer groups (fjord %s)\n' "$FJORD"
printf '%-58s %12s\n' "metric" "value"
printf '%-58s %9s ms\n' "$MEMBERS members stable after start, delay $DELAY_MS ms" "$(field join_stable "$join_delay")"
printf '%-58s %9s ms\n' "  the same, net of the $windows ms the delay means" "$(field join_stable_net "$join_delay")"
printf '%-58s %9s ms\n' "$MEMBERS members stable after start, delay 0" "$(field join_stable "$join_zero")"
printf '%-58s %9s ms\n' "rebalance after one of $MEMBERS leaves (heartbeat $HEARTBEAT_MS ms)" \
  "$(field leave_stable "$leave")"
printf '%-58s %12s\n' "OffsetCommit, $CONSUMERS consumers, partition-offsets/s" "$(field commit_rate "$commit")"
printf '  %s\n' "$commit_detail"
