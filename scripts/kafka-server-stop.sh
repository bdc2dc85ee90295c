#!/usr/bin/env bash
# Kafka-compatible stop: sends SIGTERM to the running fjord brokers and waits for them to exit.
# Brokers are those started by kafka-server-start.sh -daemon (pid files in $LOG_DIR) plus any
# process running this checkout's binary ($FJORD_BIN, default <repo>/build/fjord).
# Exits 1 with "No fjord server to stop" when there is none, like Kafka's script.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FJORD_BIN="${FJORD_BIN:-$ROOT/build/fjord}"
LOG_DIR="${LOG_DIR:-$ROOT/build/logs}"
TIMEOUT="${FJORD_STOP_TIMEOUT:-30}"

binary="$(readlink -f "$FJORD_BIN" 2>/dev/null || echo "$FJORD_BIN")"
declare -A pids=()
for pidfile in "$LOG_DIR"/fjord-*.pid; do
  [ -f "$pidfile" ] || continue
  pid="$(cat "$pidfile")"
  if [ -n "$pid" ] && [ "$(readlink -f "/proc/$pid/exe" 2>/dev/null || true)" = "$binary" ]; then
    pids[$pid]=1
  else
    rm -f "$pidfile"   # stale
  fi
done
for exe in /proc/[0-9]*/exe; do
  if [ "$(readlink -f "$exe" 2>/dev/null || true)" = "$binary" ]; then
    pid="${exe#/proc/}"
    pids[${pid%/exe}]=1
  fi
done

if [ ${#pids[@]} -eq 0 ]; then
  echo "No fjord server to stop"
  exit 1
fi

for pid in "${!pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
deadline=$((SECONDS + TIMEOUT))
for pid in "${!pids[@]}"; do
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "fjord (pid $pid) did not stop within ${TIMEOUT}s" >&2
      exit 1
    fi
    sleep 0.2
  done
  rm -f "$LOG_DIR/fjord-$pid.pid"
  echo "fjord (pid $pid) stopped"
done
