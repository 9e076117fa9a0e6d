#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster on a spare port, for fault drills that restart the
# database without disturbing the machine's shared cluster (and anyone using it).
#   loadtest/private_postgres.sh start|restart|stop   (PGFAULT_DIR, PGFAULT_PORT to change)
set -euo pipefail
dir=${PGFAULT_DIR:-/tmp/exoresist-pgfault}
port=${PGFAULT_PORT:-5440}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "${1:-}" in
  start)
    if [[ ! -f "$dir/PG_VERSION" ]]; then
      mkdir -p "$dir" && chown postgres "$dir" 2>/dev/null || true
      as_pg "$bin/initdb" -D "$dir" -U postgres -A trust >/dev/null
    fi
    as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -o "-p $port -k /tmp -c listen_addresses=127.0.0.1" start >/dev/null
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  restart)
    as_pg "$bin/pg_ctl" -D "$dir" -m fast -w restart >/dev/null
    ;;
  stop)
    as_pg "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null || true
    ;;
  *)
    echo "usage: $0 start|restart|stop" >&2
    exit 2
    ;;
esac
