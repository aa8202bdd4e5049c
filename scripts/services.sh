#!/usr/bin/env bash
# Make sure RabbitMQ (127.0.0.1:5672), Redis (127.0.0.1:6379) and, where it is installed or asked for
# (TRUTHGRAPH_NEED_POSTGRES=1, as CI does), PostgreSQL (127.0.0.1:5432) answer, starting them when they do not.
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

ensure_postgres() {
  answers 5432 && return 0
  if ! command -v pg_ctlcluster >/dev/null; then
    [ "${TRUTHGRAPH_NEED_POSTGRES:-0}" = 1 ] || return 0  # optional: the default database is SQLite
    echo "ERROR: PostgreSQL is needed but not installed" >&2
    return 1
  fi
  echo "PostgreSQL does not answer on 127.0.0.1:5432; starting it."
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_for_port 5432 60 || { echo "ERROR: PostgreSQL could not be started on 127.0.0.1:5432" >&2; return 1; }
}

ensure_redis && ensure_rabbitmq && ensure_postgres
