#!/usr/bin/env bash
# Builds and runs every test: the host-free check of core/, native release and debug under
# ASan+UBSan (GoogleTest), the libFuzzer targets for a bounded time, then the WebAssembly module and the web package: type check, the JS
# suite in Node (fake-indexeddb) and in headless Chromium. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

# The JS suites run under a time limit each, so that a hang (a test, or something that keeps the
# process alive) fails its stage with a message instead of holding CI until its own time runs out.
# timeout(1) puts the stage in a process group of its own and signals that group (npm, node
# --test and its test processes; Playwright closes the browsers it started on that signal).
# Being in another group, the stage does not hear the terminal's Ctrl-C: within passes it on.
within() {
  local minutes=$1; shift
  local status=0
  timeout --kill-after=30s "${minutes}m" "$@" &
  local stage=$!
  trap 'kill -TERM "$stage" 2>/dev/null; wait "$stage" || true; exit 130' INT
  trap 'kill -TERM "$stage" 2>/dev/null; wait "$stage" || true; exit 143' TERM
  wait "$stage" || status=$?
  trap - INT TERM
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "'$*' did not finish within ${minutes} minutes: a test hangs or leaves the process alive" >&2
  fi
  return "$status"
}

echo "== tool versions"
./scripts/check-tools.sh

echo "== docs: every link resolves, nothing points outside the repository"
node scripts/check-links.mjs
outside='\.\.''/shared'  # written in two parts so that this line does not match itself
if git grep -n "$outside"; then
  echo "nothing in the repository may refer to the shared folder beside it (a clone has no such folder)" >&2
  exit 1
fi

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

echo "== fuzz: router, log format, sync bodies (libFuzzer + ASan/UBSan, ${FUZZ_SECONDS:-30} s each)"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs"
for target in router log sync; do
  work=$(mktemp -d)
  mkdir "$work/corpus"
  cp tests/fuzz/corpus/"$target"/* "$work/corpus/"
  if ! ./build/fuzz/tests/fuzz/fuzz_"$target" -max_total_time="${FUZZ_SECONDS:-30}" -max_len=4096 -timeout=10 \
       -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1; then
    tail -40 "$work/log"
    echo "fuzz_$target failed; the input is in $work" >&2
    exit 1
  fi
  grep -E "Done [0-9]+ runs" "$work/log"
  rm -rf "$work"
done

echo "== WebAssembly debug module (-sASSERTIONS): the JS suite in Node"
npm --prefix web run build:debug
within 15 npm --prefix web run test:node

echo "== WebAssembly release module + web package: type check, the JS suite in Node and in Chromium"
npm --prefix web run build
within 40 npm --prefix web test

# The mutation check runs the mutants a change since scripts/mutants.verified (the last commit on
# which all of them ran and were killed) can affect; MUTANTS=all runs every one, MUTANTS=0 none.
case "${MUTANTS:-changed}" in
  0) ;;
  all)
    echo "== mutation check: every mutant of a promised behaviour is killed (scripts/mutants.sh)"
    ./scripts/mutants.sh ;;
  *)
    echo "== mutation check: the mutants a change since scripts/mutants.verified can affect are killed"
    ./scripts/mutants.sh --since "$(cat scripts/mutants.verified)" ;;
esac

echo "== all tests passed"
