#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite: `.ci/postgres.sh start` prints its URL; `stop` removes it.
set -euo pipefail
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
BASE=${PGTEST_DIR:-/tmp/cnam-desk-pgtest}
PORT=${PGTEST_PORT:-54329}

case "${1:-}" in
start)
  if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
  "$0" stop >/dev/null 2>&1 || true
  install -d -o postgres -g postgres -m 700 "$BASE"
  runuser -u postgres -- "$PGBIN/initdb" -D "$BASE/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$BASE/data" -l "$BASE/log" -w start \
    -o "-p $PORT -k $BASE -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" >/dev/null
  runuser -u postgres -- "$PGBIN/createdb" -h "$BASE" -p "$PORT" -U postgres cnamtest
  echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/cnamtest"
  ;;
stop)
  if [ -d "$BASE/data" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$BASE/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$BASE"
  ;;
*)
  echo "usage: $0 start|stop" >&2
  exit 2
  ;;
esac
