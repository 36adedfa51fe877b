#!/usr/bin/env bash
# The scale-out table (docs/scale-out.md, README): POST /orders per second and latency p99 for
# one edgecart-server on SQLite, two on one SQLite file, one process on one PostgreSQL connection,
# and 1, 2 and 3 processes of 4 connections each on one PostgreSQL (a throw-away cluster with its default, durable settings), each with the load on one
# tenant and spread over several. Every run checks that no order was lost (edgecart_load).
#   scripts/scale-bench.sh [--seconds 8] [--threads 12] [--tenants 8]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=8 threads=12 spread=8
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --tenants) spread=$2; shift 2 ;;
    *) echo "usage: $0 [--seconds 8] [--threads 12] [--tenants 8]" >&2; exit 2 ;;
  esac
done
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc 2>/dev/null || echo 2)" --target edgecart-server edgecart_load >/dev/null
work=$(mktemp -d /tmp/ecbench.XXXXXX)
pgdir=$(mktemp -d /tmp/ecpg.XXXXXX)  # its own: the postgres user cannot enter $work
pids=()
stop_servers() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  pids=()
}
trap 'stop_servers; scripts/pg-cluster.sh stop "$pgdir" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
export EDGECART_JWT_SECRET="bench-$RANDOM-$RANDOM"
pg=$(scripts/pg-cluster.sh start "$pgdir" -c max_connections=100)

# start N ARGS...: starts N servers with ARGS; their ports, comma-separated, in $ports.
start() {
  local n=$1
  shift
  ports=""
  for i in $(seq "$n"); do
    ./build/release/server/edgecart-server --port 0 "$@" >/dev/null 2>"$work/err.$i" &
    pids+=($!)
    for _ in $(seq 100); do grep -q listening "$work/err.$i" && break; sleep 0.1; done
    ports="${ports:+$ports,}$(grep -o '127.0.0.1:[0-9]*' "$work/err.$i" | cut -d: -f2)"
  done
}
run=0
results="$work/results.jsonl"
measure() {  # measure LABEL TENANTS: one load on the servers started
  run=$((run + 1))
  ./build/release/tests/edgecart_load --ports "$ports" --secret "$EDGECART_JWT_SECRET" --threads "$threads" \
    --seconds "$seconds" --tenant "bench$run" --tenants "$2" >"$work/out" || true  # a run with errors is reported, not fatal
  head -1 "$work/out" >&2
  tail -1 "$work/out" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);j.label=process.argv[1];console.log(JSON.stringify(j))})' "$1" >>"$results"
}
for tenants in 1 "$spread"; do
  start 1 --db "$work/one-$tenants.db"
  measure "SQLite, 1 process" "$tenants"
  stop_servers
  start 2 --db "$work/two-$tenants.db"
  measure "SQLite, 2 processes, one file" "$tenants"
  stop_servers
  start 1 --pg "$pg" --pg-connections 1
  measure "PostgreSQL, 1 process, 1 connection" "$tenants"
  stop_servers
  for n in 1 2 3; do
    start "$n" --pg "$pg"
    measure "PostgreSQL, $n process$([ "$n" -gt 1 ] && echo es), 4 connections each" "$tenants"
    stop_servers
  done
done
echo
echo "POST /orders, $threads keep-alive connections spread over the processes, $seconds s per run, $(nproc) cores; $(date -u +%Y-%m-%d)"
echo
node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
const spread = Number(process.argv[2]);
const labels = [...new Set(rows.map((r) => r.label))];
const cell = (r) => r ? `${r.ordersPerSecond} /s, p99 ${r.p99.toFixed(1)} ms${r.gaveUp ? `, ${r.gaveUp} gave up` : ""}${r.errors || r.lost ? " **errors**" : ""}` : "";
console.log(`| store | 1 tenant | ${spread} tenants |`);
console.log("|---|---|---|");
for (const l of labels) {
  const one = rows.find((r) => r.label === l && r.tenants === 1);
  const many = rows.find((r) => r.label === l && r.tenants === spread);
  console.log(`| ${l} | ${cell(one)} | ${cell(many)} |`);
}' "$results" "$spread"
