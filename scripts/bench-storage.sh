#!/usr/bin/env bash
# Storage engine benchmark next to the disk's raw fdatasync'ed write speed,
# measured in the same run on the same filesystem.
#   scripts/bench-storage.sh [build dir] [scratch dir on the disk to test]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
scratch="${2:-$root/.bench-storage-tmp}"
bench="$build/benchmarks/storage/storage_bench"
[[ -x "$bench" ]] || { echo "build storage_bench first: cmake --build $build --target storage_bench" >&2; exit 1; }
mkdir -p "$scratch"
trap 'rm -rf "$scratch"' EXIT

echo "== dd: 512 MiB sequential write + fdatasync ($scratch)"
dd if=/dev/zero of="$scratch/dd.bin" bs=1M count=512 conv=fdatasync 2>&1 | tail -1
rm -f "$scratch/dd.bin"
echo "== dd: 4 KiB writes each followed by fdatasync (sync latency bound), 2000 of them"
dd if=/dev/zero of="$scratch/dd-sync.bin" bs=4k count=2000 oflag=dsync 2>&1 | tail -1
rm -f "$scratch/dd-sync.bin"

echo "== storage_bench"
FJORD_BENCH_DIR="$scratch" "$bench" --benchmark_min_time=2 "${@:3}"
