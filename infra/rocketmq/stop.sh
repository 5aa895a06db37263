#!/usr/bin/env bash
# Stops what infra/rocketmq/start.sh started, by PID only: TERM, then KILL after ROCKETMQ_STOP_TIMEOUT s.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

stop_one() {
  local name="$1" class="$2" pid waited=0
  if ! pid="$(alive_pid "$RUN_DIR/$name.pid" "$class")"; then
    say "$name is not running"
    rm -f "$RUN_DIR/$name.pid"
    return 0
  fi
  say "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do
    if (( waited >= ROCKETMQ_STOP_TIMEOUT * 10 )); then
      say "$name still alive after ${ROCKETMQ_STOP_TIMEOUT}s: KILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  rm -f "$RUN_DIR/$name.pid"
  say "$name stopped"
}

# The broker first, so that it unregisters from a name server that is still up.
stop_one proxy "$PROXY_CLASS"
stop_one namesrv "$NAMESRV_CLASS"
