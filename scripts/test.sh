#!/usr/bin/env bash
# Full test run: dependencies, the release build (build/: unit + integration tests) and a
# sanitizer build (build-asan/: ASan+UBSan unit tests and fuzzers, clang), then ctest in both.
# Exits non-zero if any test in either build fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JOBS="$(nproc)"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$ROOT}"   # a fresh clone (CI) still hits the cache
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-true}"
SECONDS=0

"$ROOT/scripts/setup.sh"   # installs what is missing and builds build/

# -O1 -g1: sanitizers stay fast enough at run time, compiles are much cheaper than -O2 -g,
# and line tables are all a sanitizer report needs.
asan_built=1
CC=clang CXX=clang++ cmake -S "$ROOT" -B "$ROOT/build-asan" -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_FLAGS_DEBUG="-O1 -g1" -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
  -DFJORD_SANITIZE=ON -DFJORD_UNIT_TESTS_ONLY=ON -DFJORD_FUZZ=ON || asan_built=0
cmake --build "$ROOT/build-asan" -j"$JOBS" || asan_built=0

LOGS="$(mktemp -d)"
trap 'rm -rf "$LOGS"' EXIT
status=0
echo "=== ctest: build/ (unit + integration) ==="
ctest --test-dir "$ROOT/build" --output-on-failure -j"$JOBS" 2>&1 | tee "$LOGS/release.log" ||
  status=1
echo "=== ctest: build-asan/ (unit tests and fuzzers under ASan+UBSan) ==="
if [ "$asan_built" -eq 0 ]; then
  # Still run the release tests above, but a broken sanitizer build fails the run.
  echo "test.sh: the sanitizer build (build-asan/) FAILED; see the compiler output above"
  status=1
  : >"$LOGS/asan.log"
else
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}" \
  UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
    ctest --test-dir "$ROOT/build-asan" --output-on-failure -j"$JOBS" 2>&1 |
    tee "$LOGS/asan.log" || status=1
fi

# One closing line over both runs, from ctest's own summaries.
total=0 failed=0 skipped=0
for log in "$LOGS"/release.log "$LOGS"/asan.log; do
  line="$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n1 || true)"
  if [ -n "$line" ]; then
    failed=$((failed + $(sed -E 's/.* ([0-9]+) tests? failed out of.*/\1/' <<<"$line")))
    total=$((total + $(sed -E 's/.*failed out of ([0-9]+).*/\1/' <<<"$line")))
  fi
  skipped=$((skipped + $(grep -cE '^\s*[0-9]+ - .*\(Skipped\)' "$log" || true)))
done
if [ "$total" -eq 0 ]; then
  echo "test.sh: ctest ran no tests" >&2
  status=1
fi
[ "$asan_built" -eq 0 ] && failed=$((failed + 1))   # the build itself counts as a failure
[ "$failed" -gt 0 ] && status=1
echo "test.sh: finished in ${SECONDS}s"
echo "ctest: $((total - failed - skipped)) passed, $failed failed, $skipped skipped"
exit "$status"
