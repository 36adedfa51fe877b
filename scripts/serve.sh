#!/usr/bin/env bash
# The main job: builds the server, the web package and its apps, then runs edgecart-server on
# http://127.0.0.1:${PORT:-8080}/ with the till (/till/), the storefront (/store/) and the API
# reference (/docs/), a SQLite file under ./data/ (tenant "demo" seeded with server/demo-seed.json
# on first start; later starts reuse the data), and --dev (tokens at /dev/token) unless
# EDGECART_JWT_SECRET is set. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
./scripts/check-tools.sh --no-browser
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs" --target edgecart-server >/dev/null
npm --prefix web run build >/dev/null
dev=()
[ -n "${EDGECART_JWT_SECRET:-}" ] || dev=(--dev)
port="${PORT:-8080}"
cat <<EOT
EdgeCart on http://127.0.0.1:$port/
  till (point of sale, works offline):  http://127.0.0.1:$port/till/
  storefront (a shopper's view):        http://127.0.0.1:$port/store/
  API reference:                        http://127.0.0.1:$port/docs/
EOT
exec ./build/release/server/edgecart-server --port "$port" --db data/edgecart.db \
  --pages web/dist/site --dist web/dist --seed server/demo-seed.json "${dev[@]}"
