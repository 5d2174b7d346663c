#!/usr/bin/env bash
# Local Postgres 15 and Redis for `make run` / `make test`.
#
#   scripts/services.sh up     start both (idempotent) and print the env to use
#   scripts/services.sh down   stop both
#   scripts/services.sh env    print the env lines only (services must be up)
#
# Services are started only for what the caller did not configure: when
# DATABASE_URL is set, Postgres is left alone; when REDIS_URL is set, Redis is.
# Data lives under .data/ (git-ignored), on loopback, on non-default ports.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
data="$root/.data"
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
pg_port=${PG_PORT:-54320}
redis_port=${REDIS_PORT:-63790}
pg_dir="$data/postgres"
redis_dir="$data/redis"
secret_file="$data/jwt-secret"

log() { printf 'services: %s\n' "$*" >&2; }

ensure_redis_installed() {
  command -v redis-server >/dev/null 2>&1 && return
  log "installing redis-server"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq redis-server >/dev/null
}

pg_up() {
  [ -x "$pg_bin/initdb" ] || { log "PostgreSQL 15 not found in $pg_bin"; exit 1; }
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  mkdir -p "$data"
  if [ ! -s "$pg_dir/PG_VERSION" ]; then
    log "initialising Postgres in $pg_dir"
    mkdir -p "$pg_dir"
    chown postgres "$pg_dir"
    chmod 700 "$pg_dir"
    runuser -u postgres -- "$pg_bin/initdb" -D "$pg_dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$pg_dir/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$pg_dir'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 256MB
CONF
  fi
  chown -R postgres "$pg_dir"
  if runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir" status >/dev/null 2>&1; then
    log "Postgres already running on 127.0.0.1:$pg_port"
  else
    log "starting Postgres on 127.0.0.1:$pg_port"
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir" -l "$pg_dir/server.log" -w -t 60 start >/dev/null
  fi
  for _ in $(seq 1 100); do
    "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port" && break
    sleep 0.1
  done
  "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port" || { log "Postgres did not become ready; see $pg_dir/server.log"; exit 1; }
  if ! psql -h 127.0.0.1 -p "$pg_port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='crm'" | grep -q 1; then
    psql -h 127.0.0.1 -p "$pg_port" -U postgres -qc "CREATE DATABASE crm" >/dev/null
  fi
}

redis_cli() { redis-cli -h 127.0.0.1 -p "$redis_port" "$@"; }

redis_up() {
  ensure_redis_installed
  mkdir -p "$redis_dir"
  if redis_cli ping >/dev/null 2>&1; then
    log "Redis already running on 127.0.0.1:$redis_port"
  else
    log "starting Redis on 127.0.0.1:$redis_port"
    redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$redis_dir" \
      --daemonize yes --pidfile "$redis_dir/redis.pid" --logfile "$redis_dir/redis.log" \
      --save "" --appendonly no >/dev/null
  fi
  for _ in $(seq 1 100); do
    redis_cli ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  redis_cli ping >/dev/null 2>&1 || { log "Redis did not become ready; see $redis_dir/redis.log"; exit 1; }
}

secret_up() {
  mkdir -p "$data"
  [ -s "$secret_file" ] || { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$secret_file"; chmod 600 "$secret_file"; }
}

print_env() {
  [ -n "${DATABASE_URL:-}" ] || echo "DATABASE_URL=postgres://postgres@127.0.0.1:$pg_port/crm?sslmode=disable"
  [ -n "${REDIS_URL:-}" ] || echo "REDIS_URL=redis://127.0.0.1:$redis_port/0"
  [ -n "${SUPABASE_JWT_SECRET:-}" ] || [ -n "${SUPABASE_URL:-}" ] || echo "SUPABASE_JWT_SECRET=$(cat "$secret_file")"
}

down() {
  if [ -s "$pg_dir/PG_VERSION" ] && runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir" status >/dev/null 2>&1; then
    log "stopping Postgres"
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir" -m fast -w stop >/dev/null
  fi
  if command -v redis-cli >/dev/null 2>&1 && redis_cli ping >/dev/null 2>&1; then
    log "stopping Redis"
    redis_cli shutdown nosave >/dev/null 2>&1 || true
  fi
}

case "${1:-up}" in
  up)
    [ -n "${DATABASE_URL:-}" ] || pg_up
    [ -n "${REDIS_URL:-}" ] || redis_up
    secret_up
    print_env
    ;;
  env) secret_up; print_env ;;
  down) down ;;
  *) echo "usage: $0 up|down|env" >&2; exit 2 ;;
esac
