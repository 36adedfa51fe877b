#!/usr/bin/env bash
# A short, bounded loopback load on a fresh edgecart-server: prints requests/s, latency
# percentiles, errors and the lost-order check. Usage: scripts/load.sh [threads] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc 2>/dev/null || echo 2)" --target edgecart-server edgecart_load >/dev/null
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
export EDGECART_JWT_SECRET="load-$RANDOM-$RANDOM"
./build/release/server/edgecart-server --port 0 --db "$dir/load.db" >/dev/null 2>"$dir/err" &
pid=$!
for _ in $(seq 100); do grep -q listening "$dir/err" && break; sleep 0.1; done
port=$(grep -o '127.0.0.1:[0-9]*' "$dir/err" | cut -d: -f2)
./build/release/tests/edgecart_load --port "$port" --secret "$EDGECART_JWT_SECRET" \
  --threads "${1:-8}" --seconds "${2:-5}"
