#!/usr/bin/env bash
# Builds and runs every test: the host-free check of core/, native release and debug under
# ASan+UBSan (GoogleTest), then the WebAssembly module and the web package: type check, the JS
# suite in Node (fake-indexeddb) and in headless Chromium. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

echo "== core/ is free of its host"
if grep -rnE 'emscripten|__EMSCRIPTEN__' core/; then
  echo "core/ must not mention Emscripten" >&2
  exit 1
fi

for preset in release asan; do
  echo "== native $preset: build + ctest"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  ctest --preset "$preset" -j "$jobs"
done

echo "== WebAssembly debug module (-sASSERTIONS): the JS suite in Node"
npm --prefix web run build:debug
npm --prefix web run test:node

echo "== WebAssembly release module + web package: type check, the JS suite in Node and in Chromium"
npm --prefix web run build
npm --prefix web test

echo "== all tests passed"
