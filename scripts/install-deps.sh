#!/usr/bin/env bash
# Installs everything EdgeCart needs on Debian 12 (idempotent). Runs apt-get as root, or via sudo.
set -euo pipefail

packages=(
  cmake g++ make pkg-config git
  nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev
  emscripten chromium
  libboost-dev libcpp-httplib-dev libsqlite3-dev libssl-dev sqlite3 openssl
  libpq-dev postgresql
  clang libclang-rt-14-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Node.js: the machines here bring their own node + npm; a fresh Debian 12 gets them from apt.
if ! command -v npm >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi
# The web package's tools (TypeScript, fake-indexeddb, playwright-core, the benchmark's Dexie and
# PouchDB), exactly as locked. No install scripts: none is needed (PouchDB's would try to build a
# native LevelDB for Node, which only its Node adapter uses).
(cd "$(dirname "$0")/../web" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
echo "install-deps: all packages present"
