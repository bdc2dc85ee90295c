# Sourced by scripts/bench*.sh: starts and stops
# fjord and the librdkafka mock peer, and stops every process it started on
# exit. The sourcing script sets REPO, FJORD (broker binary), TOOLS
# (integration/bench build dir), SCRATCH (a temp dir on the repo's disk,
# removed on exit) and OUT (where logs of failed runs are kept).

# ---- process bookkeeping: every process started here is stopped here ----
STARTED_PIDS=()
stop_pid() {
  local pid=$1
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  kill -CONT "$pid" 2>/dev/null || true  # bench-pause.sh may have stopped it
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "bench.sh: pid $pid ignored SIGTERM for 10 s, killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local i
  # Newest first: the bench client goes before the brokers it talks to.
  for ((i = ${#STARTED_PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${STARTED_PIDS[i]}"; done
  STARTED_PIDS=()
  rm -rf "$SCRATCH"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

forget_pid() {
  local keep=() pid
  for pid in "${STARTED_PIDS[@]}"; do [[ $pid == "$1" ]] || keep+=("$pid"); done
  STARTED_PIDS=("${keep[@]}")
}

# wait_for_line FILE REGEX PID -> prints the first match (sed -E group 1)
wait_for_line() {
  local file=$1 regex=$2 pid=$3 line
  for _ in $(seq 300); do
    line=$(sed -nE "s/.*${regex}.*/\1/p" "$file" 2>/dev/null | head -n1)
    if [[ -n $line ]]; then echo "$line"; return 0; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench.sh: no '${regex}' from pid $pid; its output:" >&2
  tail -n 20 "$file" >&2
  return 1
}

FJORD_PID="" FJORD_ADDR="" FJORD_DIR=""
start_fjord() {  # extra --override arguments
  FJORD_DIR=$(mktemp -d "$SCRATCH/fjord.XXXXXX")
  local overrides=(--override listeners=PLAINTEXT://127.0.0.1:0 --override "log.dirs=$FJORD_DIR/data")
  local o
  for o in "$@"; do overrides+=(--override "$o"); done
  "$FJORD" "$REPO/config/server.properties" "${overrides[@]}" >"$FJORD_DIR/fjord.log" 2>&1 &
  FJORD_PID=$!
  STARTED_PIDS+=("$FJORD_PID")
  local port
  port=$(wait_for_line "$FJORD_DIR/fjord.log" 'listening on 127\.0\.0\.1:([0-9]+)' "$FJORD_PID") || return 1
  FJORD_ADDR="127.0.0.1:$port"
}
stop_fjord() {  # TAG [keep-log]
  [[ -n $FJORD_PID ]] || return 0
  stop_pid "$FJORD_PID"
  forget_pid "$FJORD_PID"
  if [[ -n ${2:-} ]] || grep -qiE '\b(error|critical)\b' "$FJORD_DIR/fjord.log"; then
    cp "$FJORD_DIR/fjord.log" "$OUT/$1.fjord.log"
    echo "bench.sh: fjord log kept in $OUT/$1.fjord.log" >&2
  fi
  rm -rf "$FJORD_DIR"
  FJORD_PID="" FJORD_ADDR="" FJORD_DIR=""
}

MOCK_PID="" MOCK_ADDR=""
start_mock() {  # TOPIC:PARTITIONS
  local log="$SCRATCH/mock.log"
  "$TOOLS/fjord_mock_peer" --topic "$1" >"$log" 2>&1 &
  MOCK_PID=$!
  STARTED_PIDS+=("$MOCK_PID")
  MOCK_ADDR=$(wait_for_line "$log" '^bootstrap ([^ ]+)' "$MOCK_PID") || return 1
}
stop_mock() {  # TAG
  [[ -n $MOCK_PID ]] || return 0
  if ! kill -0 "$MOCK_PID" 2>/dev/null; then
    local status=0
    wait "$MOCK_PID" 2>/dev/null || status=$?
    cp "$SCRATCH/mock.log" "$OUT/$1.mock.log"
    echo "bench.sh: the mock peer exited early (status $status); log in $OUT/$1.mock.log" >&2
  fi
  stop_pid "$MOCK_PID"
  forget_pid "$MOCK_PID"
  MOCK_PID="" MOCK_ADDR=""
}
