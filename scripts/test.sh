#!/usr/bin/env bash
# Builds and runs every test: native release, native debug under ASan+UBSan, the core compiled
# for WebAssembly, and the host-free check of core/. Exits non-zero on the first failure.
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

echo "== core compiled with Emscripten (host-free, -Wall -Wextra -Werror)"
# shellcheck disable=SC1091
. ./emsdk.env
emcmake cmake -S . -B build/wasm-core -DCMAKE_BUILD_TYPE=MinSizeRel >/dev/null
cmake --build build/wasm-core -j "$jobs" --target edgecart_core

echo "== all tests passed"
