#!/usr/bin/env bash
# Make sure RabbitMQ (127.0.0.1:5672) and Redis (127.0.0.1:6379) answer, starting them when they do not.
# Exits non-zero, saying which, when one cannot be brought up.
set -u

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for_port() {
  local port=$1 seconds=$2
  for _ in $(seq 1 "$seconds"); do
    answers "$port" && return 0
    sleep 1
  done
  return 1
}

ensure_redis() {
  answers 6379 && return 0
  echo "Redis does not answer on 127.0.0.1:6379; starting it."
  if command -v redis-server >/dev/null; then
    mkdir -p /var/lib/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis \
      || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  fi
  wait_for_port 6379 30 || { echo "ERROR: Redis could not be started on 127.0.0.1:6379" >&2; return 1; }
}

ensure_rabbitmq() {
  answers 5672 && return 0
  echo "RabbitMQ does not answer on 127.0.0.1:5672; starting it."
  if command -v rabbitmq-server >/dev/null; then
    rabbitmq-server -detached || true
  fi
  wait_for_port 5672 120 || { echo "ERROR: RabbitMQ could not be started on 127.0.0.1:5672" >&2; return 1; }
}

ensure_redis && ensure_rabbitmq
