#!/usr/bin/env bash
# The main job: builds the server and the web package, then runs edgecart-server on
# http://127.0.0.1:${PORT:-8080}/ with its pages (storefront through the server, till in the
# browser), a SQLite file under ./data/, and --dev (a demo token at /dev/token) unless
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
exec ./build/release/server/edgecart-server --port "${PORT:-8080}" --db data/edgecart.db \
  --pages web/pages --dist web/dist "${dev[@]}"
