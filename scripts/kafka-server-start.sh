#!/usr/bin/env bash
# Kafka-compatible launcher:
#   kafka-server-start.sh [-daemon] server.properties [--override property=value]*
# Foreground: the broker replaces this shell. -daemon: runs in the background, output to
# $LOG_DIR/fjord.out (LOG_DIR defaults to <repo>/build/logs), pid in $LOG_DIR/fjord-<pid>.pid.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FJORD_BIN="${FJORD_BIN:-$ROOT/build/fjord}"
LOG_DIR="${LOG_DIR:-$ROOT/build/logs}"

if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] server.properties [--override property=value]*" >&2
  exit 1
fi
DAEMON=0
if [ "$1" = "-daemon" ]; then
  DAEMON=1
  shift
fi
if [ $# -lt 1 ] || [ ! -f "$1" ]; then
  echo "$0: server.properties file not found: ${1:-<missing>}" >&2
  exit 1
fi
if [ ! -x "$FJORD_BIN" ]; then
  echo "$0: $FJORD_BIN is not built (run scripts/setup.sh or set FJORD_BIN)" >&2
  exit 1
fi

if [ "$DAEMON" -eq 0 ]; then
  exec "$FJORD_BIN" "$@"
fi

mkdir -p "$LOG_DIR"
nohup "$FJORD_BIN" "$@" >>"$LOG_DIR/fjord.out" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$LOG_DIR/fjord-$pid.pid"
echo "fjord started in the background (pid $pid, log $LOG_DIR/fjord.out)"
