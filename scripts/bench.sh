#!/usr/bin/env bash
# Benchmark matrix: fjord against librdkafka's mock cluster, side by side,
# plus the machine's own limits (loopback TCP, fdatasync'd disk writes, the
# disk's write latency, and the steal the disk's writes cost this VM).
#
# Every configuration gets a fresh fjord (temporary data dir) and a fresh
# mock peer; both are stopped before the next one starts. Results: one line
# per configuration on stdout, a table at the end, JSON under
# <build-dir>/bench/<timestamp>/ (and <build-dir>/bench/latest).
#
#   scripts/bench.sh                 full matrix + disk read + limits (~15 min)
#   scripts/bench.sh --smoke         one configuration, ~5 s per broker
#   scripts/bench.sh --only many     100 connections x 1000 partitions
#   scripts/bench.sh --only target   issue 5's acceptance runs, with verdicts
#   scripts/bench.sh --only single   one producer against the mock (issue 27), with verdicts
#   scripts/bench.sh --sizes 100 --partitions 16 --acks all --compression lz4
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR="$REPO/build"
FJORD=""
DO_BUILD=1
SMOKE=0
DURATION=5
LATENCY_DURATION=5
RATE=5000
RATE_FRACTION=""          # empty: latency phase first at --rate
TARGET_RATE_FRACTION=0.5  # the acceptance runs' "half that load"
LINGER_MS=5
IDEMPOTENCE=""            # empty: fjord_bench's default (false)
TRANSACTION_RECORDS=""    # empty: no transactions
LATENCY_LINGER_MS=""      # empty: same as --linger-ms
BATCH_BYTES=""            # empty: librdkafka's batch.size
MAX_IN_FLIGHT=""          # empty: librdkafka's max.in.flight.requests.per.connection
CONSUMERS=""              # empty: fjord_bench's default (1); target runs pick their own
WARMUP=""                 # empty: fjord_bench's default (1 s)
STALL_REPORT_MS=""        # empty: off
SETTLE_DIRTY_MIB=64
SETTLE_TIMEOUT=20
TARGET_CONSUMERS=2        # the acceptance runs' latency phase reads ~500 MB/s
TARGET_LATENCY_LINGER_MS=1  # the acceptance runs' latency phase: a latency-minded producer
SIZES="1024,100"
PARTITIONS="1,16"
ACKS="1,all"
COMPRESSION="none,lz4"
PRODUCERS="1,4"
FLUSH="durable"
ONLY="limits,matrix,disk"
WITH_MOCK=1
DISK_MB=256
MANY_DURATION=20
REPEAT=1                  # acceptance runs: rounds of both modes, verdicts on the medians
OUT=""

usage() {
  cat <<'EOF'
usage: scripts/bench.sh [options]
  --smoke                 one configuration (1 KiB, 1 partition, acks=all, 1 producer),
                          1.5 s throughput + 2 s latency phase at 1% of it; no limits,
                          disk or many runs
  --only LIST             parts to run: limits,matrix,disk,many,target,single (default
                          limits,matrix,disk). target = issue 5's acceptance runs: 1 KiB,
                          16 partitions, acks=all, no compression, 4 producers, for
                          --flush pagecache and durable, throughput then latency at
                          --rate-fraction (default 0.5), plus the disk probes; prints verdicts
                          single = issue 27's: the same with 1 producer, fjord durable,
                          throughput only, with librdkafka's batching (linger.ms 5) and
                          the Java producer's (batch.size 16384, linger.ms 0, 5 in
                          flight); prints verdicts. target runs single too
  --repeat N              target, single: N rounds of their runs, alternated; verdicts
                          on the medians (this machine's speed drifts by 20-30% within
                          minutes; default 1)
  --duration S            throughput phase per configuration (default 5)
  --latency-duration S    latency phase per configuration (default 5)
  --rate R                latency phase records/s, run before the throughput phase
                          (default 5000)
  --rate-fraction F       instead: throughput phase first, then latency at F x the
                          throughput each broker just reached (matrix and target)
  --settle-dirty-mib M    between those phases wait until Dirty+Writeback < M MiB
  --settle-timeout S      ... or S seconds (defaults 64 MiB, 20 s)
  --linger-ms N           producer linger.ms (default 5, librdkafka's default)
  --latency-linger-ms N   linger.ms of the latency phase only (default --linger-ms;
                          target runs: 1)
  --batch-bytes N         producer batch.size (default librdkafka's; single runs set
                          their own)
  --max-in-flight N       producer max.in.flight.requests.per.connection (default
                          librdkafka's; single runs set their own)
  --idempotence true|false  producers' enable.idempotence (default false)
  --transaction-records N transactional producers committing every N records;
                          commit latency p50/p99 in the results (needs the
                          transaction coordinator)
  --consumers N           consumer instances splitting the partitions in the
                          latency phase (default 1; target runs: 2)
  --warmup S              each phase runs S s longer; what is acknowledged
                          (throughput) or sent (latency) in its first S s is not
                          measured (default 1)
  --stall-report-ms MS    fjord_bench prints each 50 ms of send time with a record
                          slower than MS end to end (stderr; default off)
  --sizes LIST            record sizes in bytes (default 1024,100)
  --partitions LIST       (default 1,16)
  --acks LIST             (default 1,all)
  --compression LIST      (default none,lz4)
  --producers LIST        (default 1,4)
  --flush LIST            fjord durability: durable (fsync before acks, the default)
                          and/or pagecache (log.flush.interval.messages=1000000)
  --disk-mb N             size of the consume-from-disk log (default 256)
  --many-duration S       length of the 100-connection run (default 20)
  --no-mock               skip the mock-cluster reference
  --build-dir DIR         (default <repo>/build)
  --fjord PATH            broker binary (default <build-dir>/fjord)
  --no-build              do not build missing or stale binaries
  --out DIR               results directory (default <build-dir>/bench/<timestamp>)
EOF
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --smoke) SMOKE=1; shift ;;
    --only) ONLY=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --latency-duration) LATENCY_DURATION=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --rate-fraction) RATE_FRACTION=$2; TARGET_RATE_FRACTION=$2; shift 2 ;;
    --settle-dirty-mib) SETTLE_DIRTY_MIB=$2; shift 2 ;;
    --settle-timeout) SETTLE_TIMEOUT=$2; shift 2 ;;
    --linger-ms) LINGER_MS=$2; shift 2 ;;
    --latency-linger-ms) LATENCY_LINGER_MS=$2; shift 2 ;;
    --batch-bytes) BATCH_BYTES=$2; shift 2 ;;
    --max-in-flight) MAX_IN_FLIGHT=$2; shift 2 ;;
    --idempotence) IDEMPOTENCE=$2; shift 2 ;;
    --transaction-records) TRANSACTION_RECORDS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --stall-report-ms) STALL_REPORT_MS=$2; shift 2 ;;
    --consumers) CONSUMERS=$2; shift 2 ;;
    --sizes) SIZES=$2; shift 2 ;;
    --partitions) PARTITIONS=$2; shift 2 ;;
    --acks) ACKS=$2; shift 2 ;;
    --compression) COMPRESSION=$2; shift 2 ;;
    --producers) PRODUCERS=$2; shift 2 ;;
    --flush) FLUSH=$2; shift 2 ;;
    --disk-mb) DISK_MB=$2; shift 2 ;;
    --many-duration) MANY_DURATION=$2; shift 2 ;;
    --repeat) REPEAT=$2; shift 2 ;;
    --no-mock) WITH_MOCK=0; shift ;;
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    --fjord) FJORD=$2; shift 2 ;;
    --no-build) DO_BUILD=0; shift ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: --repeat takes a positive count, not $REPEAT" >&2; exit 2; }
if [[ $SMOKE -eq 1 ]]; then
  # Throughput first, then latency at 1% of it (the --rate-fraction path the
  # acceptance runs use, at a load that cannot overrun the mock's 5 MB).
  ONLY=matrix SIZES=1024 PARTITIONS=1 ACKS=all COMPRESSION=none PRODUCERS=1 FLUSH=durable
  DURATION=1.5 LATENCY_DURATION=2 RATE_FRACTION=0.01 SETTLE_TIMEOUT=2
fi
BUILD_DIR=$(mkdir -p "$BUILD_DIR" && cd "$BUILD_DIR" && pwd)
FJORD=${FJORD:-$BUILD_DIR/fjord}
TOOLS="$BUILD_DIR/integration/bench"
OUT=${OUT:-$BUILD_DIR/bench/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
SCRATCH=$(mktemp -d "$BUILD_DIR/bench/scratch.XXXXXX")  # same disk as the repo, not tmpfs

source "$REPO/scripts/lib/bench_brokers.sh"

# ---- build ----
build_targets() {
  local targets=(fjord_bench fjord_mock_peer fjord_loopback_probe fjord_disk_probe fjord_steal_probe)
  [[ -z ${FJORD_EXPLICIT:-} ]] && targets+=(fjord)
  if [[ ! -f $BUILD_DIR/CMakeCache.txt ]]; then
    cmake -S "$REPO" -B "$BUILD_DIR" >/dev/null
  fi
  cmake --build "$BUILD_DIR" -j"$(nproc)" --target "${targets[@]}" >"$SCRATCH/build.log" 2>&1 || {
    tail -n 40 "$SCRATCH/build.log" >&2
    echo "bench.sh: build failed" >&2
    exit 1
  }
}
[[ $FJORD != "$BUILD_DIR/fjord" ]] && FJORD_EXPLICIT=1
if [[ $DO_BUILD -eq 1 ]]; then build_targets; fi
for bin in "$TOOLS/fjord_bench" "$TOOLS/fjord_mock_peer" "$TOOLS/fjord_loopback_probe" "$TOOLS/fjord_disk_probe" \
           "$TOOLS/fjord_steal_probe" "$FJORD"; do
  [[ -x $bin ]] || { echo "bench.sh: $bin is missing (build it, or drop --no-build)" >&2; exit 1; }
done

FAILURES=0
RUN_INDEX=0
has_part() { [[ ",$ONLY," == *",$1,"* ]]; }

# run_config NAME FJORD_OVERRIDES(space separated) -- fjord_bench args...
run_config() {
  local name=$1 overrides=$2
  shift 3
  RUN_INDEX=$((RUN_INDEX + 1))
  local tag
  tag=$(printf '%02d-%s' "$RUN_INDEX" "$name")
  local partitions=1 arg prev=""
  for arg in "$@"; do
    [[ $prev == --partitions ]] && partitions=$arg
    prev=$arg
  done
  local mock_args=() rc=0
  # shellcheck disable=SC2086
  start_fjord $overrides || { echo "$tag: fjord did not start" >&2; FAILURES=$((FAILURES + 1)); stop_fjord "$tag"; return; }
  if [[ $WITH_MOCK -eq 1 ]]; then
    start_mock "bench:$partitions" || { echo "$tag: mock peer did not start" >&2; FAILURES=$((FAILURES + 1)); stop_fjord "$tag"; return; }
    mock_args=(--mock-brokers "$MOCK_ADDR" --mock-pid "$MOCK_PID")
  fi
  # In the background so a signal to this script is handled at once (bash
  # defers traps while a foreground child runs); cleanup stops it too. Under
  # a timeout: librdkafka once deadlocked destroying a consumer of the mock
  # (rd_kafka_destroy waiting on its broker thread) and the run waited for an hour.
  local limit=$((900 + 4 * (${DURATION%.*} + ${LATENCY_DURATION%.*} + ${MANY_DURATION%.*})))
  timeout -k 10 "$limit" "$TOOLS/fjord_bench" --brokers "$FJORD_ADDR" --broker-pid "$FJORD_PID" "${mock_args[@]}" --topic bench --label "$name" \
    --json "$OUT/$tag.json" "$@" &
  local bench_pid=$!
  STARTED_PIDS+=("$bench_pid")
  wait "$bench_pid" || rc=$?
  forget_pid "$bench_pid"
  stop_mock "$tag"
  stop_fjord "$tag" "$([[ $rc -ne 0 ]] && echo keep)"
  if [[ $rc -ne 0 ]]; then
    [[ $rc -eq 124 || $rc -eq 137 ]] && echo "bench.sh: $tag: fjord_bench did not finish within $limit s" >&2
    echo "bench.sh: $tag failed (exit $rc)" >&2
    FAILURES=$((FAILURES + 1))
  fi
}

# LAT_ARGS <- the latency-phase and producer arguments of a produce run.
set_latency_args() {  # RATE_FRACTION(empty: fixed --rate) CONSUMERS(empty: bench default)
  LAT_ARGS=(--latency-duration "$LATENCY_DURATION" --linger-ms "$LINGER_MS")
  if [[ -n $1 ]]; then
    LAT_ARGS+=(--rate-fraction "$1" --settle-dirty-mib "$SETTLE_DIRTY_MIB" --settle-timeout "$SETTLE_TIMEOUT")
  else
    LAT_ARGS+=(--rate "$RATE")
  fi
  [[ -n $LATENCY_LINGER_MS ]] && LAT_ARGS+=(--latency-linger-ms "$LATENCY_LINGER_MS")
  [[ -n $BATCH_BYTES ]] && LAT_ARGS+=(--batch-bytes "$BATCH_BYTES")
  [[ -n $MAX_IN_FLIGHT ]] && LAT_ARGS+=(--max-in-flight "$MAX_IN_FLIGHT")
  [[ -n $IDEMPOTENCE ]] && LAT_ARGS+=(--idempotence "$IDEMPOTENCE")
  [[ -n $TRANSACTION_RECORDS ]] && LAT_ARGS+=(--transaction-records "$TRANSACTION_RECORDS")
  [[ -n $WARMUP ]] && LAT_ARGS+=(--warmup "$WARMUP")
  [[ -n $STALL_REPORT_MS ]] && LAT_ARGS+=(--stall-report-ms "$STALL_REPORT_MS")
  [[ -n $2 ]] && LAT_ARGS+=(--consumers "$2")
  return 0
}

flush_overrides() {
  case "$1" in
    durable) echo "" ;;
    pagecache) echo "log.flush.interval.messages=1000000 log.flush.interval.ms=60000" ;;
    *) echo "bench.sh: --flush takes durable or pagecache, not $1" >&2; exit 2 ;;
  esac
}

# ---- machine limits ----
# The disk's fdatasync'd sequential write speed: dd through the page cache
# and with O_DIRECT, and the better of the two is the reference. Why both:
# on this project's VMs the buffered figure swings 600-2200 MB/s with how
# warm free memory is (a fresh page costs a host fault), the direct one
# stays near the device's speed.
measure_disk() {
  local buffered direct
  buffered=$(dd if=/dev/zero of="$SCRATCH/dd.bin" bs=1M count=1024 conv=fdatasync 2>&1 | tail -n1)
  rm -f "$SCRATCH/dd.bin"
  direct=$(dd if=/dev/zero of="$SCRATCH/dd.bin" bs=1M count=1024 oflag=direct conv=fdatasync 2>&1 | tail -n1)
  rm -f "$SCRATCH/dd.bin"
  echo "disk (dd 1 GiB, conv=fdatasync): $buffered"
  echo "disk (dd 1 GiB, oflag=direct conv=fdatasync): $direct"
  /usr/bin/python3 - "$buffered" "$direct" "$OUT/limits-disk.json" <<'EOF'
import json, re, sys
buffered, direct, path = sys.argv[1:4]
def rate(line):
    m = re.search(r"(\d+) bytes.*copied, ([0-9.]+) s", line)
    return int(m.group(1)) / float(m.group(2)) / 1e6 if m else None
doc = {"dd": buffered, "dd_direct": direct,
       "buffered_mb_per_s": rate(buffered), "direct_mb_per_s": rate(direct)}
rates = [r for r in (doc["buffered_mb_per_s"], doc["direct_mb_per_s"]) if r]
if rates:
    doc["mb_per_s"] = max(rates)
json.dump(doc, open(path, "w"))
EOF
  # The disk's latency: what an ack that waits for the device waits for, one
  # 16 KiB direct write at a time (page-cache mode's tail writes), and with
  # an fdatasync after each (durable mode). "Late": the share of the time
  # at which a new write would wait over 5 ms for the call in flight; above
  # 1%, a p99 under 5 ms cannot hold for acks that wait for this device.
  "$TOOLS/fjord_disk_probe" --dir "$SCRATCH" --duration 3 --json "$OUT/limits-disk-write.json"
  "$TOOLS/fjord_disk_probe" --dir "$SCRATCH" --duration 3 --sync --json "$OUT/limits-disk-sync.json"
  # What the disk's writes cost this VM in steal while its cores are busy:
  # paid by a broker that writes its bytes, not by the in-memory mock.
  "$TOOLS/fjord_steal_probe" --dir "$SCRATCH" --duration 3 --json "$OUT/limits-disk-steal.json"
}
if has_part limits; then
  echo "== machine limits"
  "$TOOLS/fjord_loopback_probe" --duration 3 --json "$OUT/limits-loopback.json"
  measure_disk
fi

# ---- the matrix ----
if has_part matrix; then
  echo "== matrix"
  IFS=, read -ra flushes <<<"$FLUSH"
  IFS=, read -ra sizes <<<"$SIZES"
  IFS=, read -ra parts <<<"$PARTITIONS"
  IFS=, read -ra ackses <<<"$ACKS"
  IFS=, read -ra comps <<<"$COMPRESSION"
  IFS=, read -ra prods <<<"$PRODUCERS"
  for flush in "${flushes[@]}"; do
    overrides=$(flush_overrides "$flush")
    for size in "${sizes[@]}"; do for p in "${parts[@]}"; do for a in "${ackses[@]}"; do
      for c in "${comps[@]}"; do for n in "${prods[@]}"; do
        set_latency_args "$RATE_FRACTION" "$CONSUMERS"
        run_config "$flush-s$size-p$p-a$a-$c-n$n" "$overrides" -- \
          --size "$size" --partitions "$p" --acks "$a" --compression "$c" --producers "$n" \
          --duration "$DURATION" "${LAT_ARGS[@]}"
      done; done
    done; done; done
  done
fi

# ---- consume from disk: a log several segments long ----
if has_part disk; then
  echo "== consume from disk"
  disk_records=$((DISK_MB * 1024))  # 1 KiB records
  # 16 partitions of 1 MiB segments; the mock keeps ~5 MB per partition, so
  # its fill is capped at 3500 records per partition.
  run_config "disk-read-${DISK_MB}MB" "log.segment.bytes=1048576 $(flush_overrides "${FLUSH%%,*}")" -- \
    --mode consume --size 1024 --partitions 16 --acks 1 --producers 1 --duration 0 \
    --records "$disk_records" --reference-records $((16 * 3500))
fi

# ---- 100 connections, 1000 partitions ----
if has_part many; then
  echo "== 100 connections x 1000 partitions"
  set_latency_args "$RATE_FRACTION" "$CONSUMERS"
  run_config "many-100conn-1000p" "$(flush_overrides "${FLUSH%%,*}")" -- \
    --size 100 --partitions 1000 --acks all --producers 100 --duration "$MANY_DURATION" \
    "${LAT_ARGS[@]}" --latency-duration "$MANY_DURATION" --drain-timeout 60
fi

# ---- issue 5's acceptance configurations ----
# Throughput flat out, then end-to-end latency at a fraction (0.5: "half
# that load") of it, fjord in both durability modes, the mock beside it,
# and the disk's dd figure from this same run.
if has_part target; then
  echo "== acceptance: 1 KiB, 16 partitions, acks=all, no compression, 4 producers"
  [[ -f $OUT/limits-disk.json ]] || measure_disk
  saved_linger=$LATENCY_LINGER_MS
  LATENCY_LINGER_MS=${LATENCY_LINGER_MS:-$TARGET_LATENCY_LINGER_MS}
  for ((round = 1; round <= REPEAT; round++)); do
    suffix=$([[ $REPEAT -gt 1 ]] && echo "-r$round" || true)
    for flush in pagecache durable; do
      set_latency_args "$TARGET_RATE_FRACTION" "${CONSUMERS:-$TARGET_CONSUMERS}"
      run_config "target-$flush-s1024-p16-aall-none-n4$suffix" "$(flush_overrides "$flush")" -- \
        --size 1024 --partitions 16 --acks all --compression none --producers 4 \
        --duration "$DURATION" "${LAT_ARGS[@]}"
    done
  done
  LATENCY_LINGER_MS=$saved_linger
fi

# ---- issue 27's acceptance configurations: one producer ----
# Most applications produce through one producer, so over one connection; the
# four-producer runs hid a per-connection latency limit. Throughput only,
# fjord durable, the mock beside it; each run names its batching (librdkafka's
# defaults, the Java producer's), so --linger-ms, --batch-bytes and
# --max-in-flight do not apply.
if has_part single || has_part target; then  # part of the acceptance set
  echo "== one producer: 1 KiB, 16 partitions, acks=all, no compression, durable"
  single_args=(--size 1024 --partitions 16 --acks all --compression none --producers 1
               --duration "$DURATION" --latency-duration 0)
  [[ -n $IDEMPOTENCE ]] && single_args+=(--idempotence "$IDEMPOTENCE")
  [[ -n $WARMUP ]] && single_args+=(--warmup "$WARMUP")
  for ((round = 1; round <= REPEAT; round++)); do
    suffix=$([[ $REPEAT -gt 1 ]] && echo "-r$round" || true)
    run_config "single-rdkafka-s1024-p16-aall-n1$suffix" "$(flush_overrides durable)" -- \
      "${single_args[@]}" --linger-ms 5
    run_config "single-javalike-s1024-p16-aall-n1$suffix" "$(flush_overrides durable)" -- \
      "${single_args[@]}" --linger-ms 0 --batch-bytes 16384 --max-in-flight 5
  done
fi

# ---- summary ----
ln -sfn "$OUT" "$BUILD_DIR/bench/latest"
/usr/bin/python3 "$REPO/scripts/lib/bench_summary.py" "$OUT"

if [[ $FAILURES -gt 0 ]]; then
  echo "bench.sh: $FAILURES run(s) failed" >&2
  exit 1
fi
echo "bench.sh: all runs completed without errors"
