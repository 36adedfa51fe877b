#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for tests and benchmarks: initdb in a folder of its own,
# listening on a Unix socket in that folder only (no TCP port), as the postgres user when run as
# root. Debian's server binaries (apt package postgresql, installed by install-deps.sh).
#
#   scripts/pg-cluster.sh start DIR [-c name=value]...   prints the libpq URL of database postgres
#   scripts/pg-cluster.sh stop DIR                       stops it and removes DIR
set -euo pipefail

usage() { echo "usage: $0 start DIR [-c name=value]... | stop DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1 dir=$2
shift 2
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] && [ -x "$bin/initdb" ] || { echo "pg-cluster: no PostgreSQL server (apt-get install postgresql)" >&2; exit 1; }
# PostgreSQL refuses to run as root: run its tools as the postgres user then.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$cmd" in
  start)
    # A cluster left by a run that was killed: stopped and made again.
    if [ -f "$dir/data/postmaster.pid" ]; then as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true; fi
    rm -rf "$dir/data"
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ ${#dir} -le 80 ] || { echo "pg-cluster: $dir is too long for a socket path" >&2; exit 1; }
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; fi
    chmod 700 "$dir"
    as_pg test -w "$dir" || { echo "pg-cluster: the postgres user cannot enter $dir (is a folder above it private?)" >&2; exit 1; }
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_pg "$bin/initdb" -D "$dir/data" -U edgecart --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    opts="-k $dir -c listen_addresses= -c max_connections=200"
    while [ $# -gt 0 ]; do
      [ "$1" = "-c" ] && [ $# -ge 2 ] || usage
      opts="$opts -c $2"
      shift 2
    done
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$opts" start >/dev/null ||
      { cat "$dir/server.log" >&2; exit 1; }
    echo "postgresql:///postgres?host=$dir&user=edgecart"
    ;;
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *) usage ;;
esac
