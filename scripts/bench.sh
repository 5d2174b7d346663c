#!/usr/bin/env bash
# `make bench`: make sure the benchmark database holds the 1M-lead data set
# (seeding it only when it does not), serve the API on it with real auth
# and rate limiting (limits raised), run `crm bench`, and stop the server.
#
#   BENCH_DATABASE_URL  the benchmark database (default: crm_bench on the
#                       Postgres of DATABASE_URL); created when missing
#   BENCH_ADDR          where the server listens (default 127.0.0.1:8090)
#   BENCH_LEADS, BENCH_INTERACTIONS   data set size (1000000, 5000000)
#   BENCH_FLAGS         extra `crm bench` flags, e.g. "--duration 5s --only list"
#   BENCH_JSON          report file (default bench/results/latest.json)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
: "${DATABASE_URL:?DATABASE_URL is not set (make bench sets it)}"
leads=${BENCH_LEADS:-1000000}
interactions=${BENCH_INTERACTIONS:-5000000}
addr=${BENCH_ADDR:-127.0.0.1:8090}
json=${BENCH_JSON:-bench/results/latest.json}
# The default benchmark database sits beside DATABASE_URL's, named crm_bench.
url=${BENCH_DATABASE_URL:-$(printf '%s' "$DATABASE_URL" | sed -E 's#(postgres(ql)?://[^/]*/)[^?]*#\1crm_bench#')}
db=$(printf '%s' "$url" | sed -E 's#postgres(ql)?://[^/]*/([^?]*).*#\2#')
admin=$(printf '%s' "$url" | sed -E "s#(postgres(ql)?://[^/]*/)[^?]*#\1postgres#")

log() { printf 'bench: %s\n' "$*" >&2; }

go build -o bin/crm ./cmd/crm

if [ "$(psql "$admin" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
  log "creating database $db"
  psql "$admin" -qc "CREATE DATABASE \"$db\""
fi
DATABASE_URL=$url bin/crm migrate up >/dev/null
have=$(psql "$url" -tAc "SELECT count(*) FROM leads")
if [ "$have" -eq 0 ]; then
  log "seeding $leads leads and $interactions interactions (a few minutes)"
  DATABASE_URL=$url bin/crm seed --large --leads "$leads" --interactions "$interactions"
elif [ "$have" -lt "$leads" ]; then
  log "$db holds $have leads, fewer than $leads: drop it or set BENCH_DATABASE_URL"
  exit 1
else
  log "$db already holds $have leads"
fi

logfile=$(mktemp -t crm-bench-server.XXXXXX.log)
DATABASE_URL=$url HTTP_ADDR=$addr \
  RATE_LIMIT_AUTH_PER_HOUR=${RATE_LIMIT_AUTH_PER_HOUR:-1000000000} \
  RATE_LIMIT_ANON_PER_HOUR=${RATE_LIMIT_ANON_PER_HOUR:-1000000} \
  RATE_LIMIT_KEY_PREFIX=${RATE_LIMIT_KEY_PREFIX:-crm-bench:} \
  bin/crm serve >"$logfile" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -fsS "http://$addr/healthz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { log "the server did not start:"; cat "$logfile" >&2; exit 1; }
  sleep 0.1
done
log "server pid $server on $addr, log in $logfile"
# shellcheck disable=SC2086 # BENCH_FLAGS is a list of flags
DATABASE_URL=$url bin/crm bench --url "http://$addr" --server-pid "$server" --json --out "$json" ${BENCH_FLAGS:-}
