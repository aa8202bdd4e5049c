#!/usr/bin/env bash
# Run the queue-statistics tests (pytest -m queue_stats) with RabbitMQ's management plugin switched the other way
# from how it is found, then switch it back, also when the tests fail or the run is interrupted. After
# scripts/test.sh (which runs them with the plugin as found) this covers both ways. Fails, never skips, when the
# plugin cannot be switched or put back. Extra arguments go to pytest; TEST_PYTHON names the interpreter
# (default .venv/bin/python). Needs rabbitmq-plugins for the local node.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${TEST_PYTHON:-.venv/bin/python}
plugin=rabbitmq_management
url=${TRUTHGRAPH_TEST_RABBITMQ_MANAGEMENT_URL:-http://127.0.0.1:15672}
hostport=${url#*://}
hostport=${hostport%%/*}
host=${hostport%:*}
port=${hostport##*:}

state() { if rabbitmq-plugins -q is_enabled "$plugin" >/dev/null 2>&1; then echo on; else echo off; fi; }
answers() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }

# switch on|off: set the plugin, then wait (at most 60 s) until its port agrees; says how long it took.
switch() {
  local want=$1 started=$EPOCHREALTIME command=enable
  [ "$want" = on ] || command=disable
  rabbitmq-plugins -q "$command" "$plugin" >/dev/null || return 1
  for _ in $(seq 1 300); do
    if { [ "$want" = on ] && answers; } || { [ "$want" = off ] && ! answers; }; then
      awk -v s="$started" -v e="$EPOCHREALTIME" -v w="$want" \
        'BEGIN { printf "RabbitMQ management plugin %s after %.1f s\n", w, e - s }'
      return 0
    fi
    sleep 0.2
  done
  echo "ERROR: the management plugin was switched $want but $host:$port does not agree after 60 s" >&2
  return 1
}

found=$(state)
other=on
[ "$found" = off ] || other=off

restore() {
  local status=$?
  trap - EXIT
  if [ "$(state)" != "$found" ]; then
    switch "$found" || { echo "ERROR: could not switch the management plugin back $found" >&2; status=1; }
  fi
  exit "$status"
}
trap restore EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

switch "$other" || { echo "ERROR: could not switch the RabbitMQ management plugin $other" >&2; exit 1; }
TRUTHGRAPH_TEST_RABBITMQ_MANAGEMENT=$other "$python" -m pytest -p no:cacheprovider -m queue_stats "$@"
