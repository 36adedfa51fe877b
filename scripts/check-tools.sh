#!/usr/bin/env bash
# Checks that the tools on PATH are new enough for EdgeCart, before any build or test starts, and
# names the fix when one is not. test.sh and serve.sh run it first; run it alone to see the versions.
#   Node.js   >= what web/package.json's "engines" and every installed dev tool's "engines" ask
#   Chromium  >= the Chromium the installed playwright-core was built for (browser tests only)
#   Emscripten >= 3.1.6 (Debian 12's; the build and web/src/idbfs.ts are written against it)
# Usage: check-tools.sh [--no-browser]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
need_browser=1
[ "${1:-}" = "--no-browser" ] && need_browser=0
problems=()

# version_ge A B: true when dotted version A >= B.
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]; }

if ! command -v node >/dev/null 2>&1; then
  problems+=("Node.js is missing: run ./scripts/install-deps.sh (apt-get install nodejs npm)")
else
  node_version=$(node -p 'process.versions.node')
  # The lowest Node.js that web/package.json and each installed dev dependency accept (">=N" forms).
  node_need=$(cd "$root/web" && node -e '
    const fs = require("fs");
    const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
    let need = { version: "0.0.0", who: "" };
    const consider = (range, who) => {
      const m = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec((range || "").trim());
      if (!m) return;
      const v = m[1].split(".").concat(["0", "0"]).slice(0, 3).map(Number);
      const n = need.version.split(".").map(Number);
      if (v[0] > n[0] || (v[0] === n[0] && (v[1] > n[1] || (v[1] === n[1] && v[2] > n[2]))))
        need = { version: v.join("."), who };
    };
    consider(pkg.engines && pkg.engines.node, "web/package.json");
    for (const dep of Object.keys(pkg.devDependencies || {})) {
      try {
        const p = JSON.parse(fs.readFileSync(`node_modules/${dep}/package.json`, "utf8"));
        consider(p.engines && p.engines.node, `${dep}@${p.version}`);
      } catch { /* not installed yet: npm ci reports that */ }
    }
    console.log(`${need.version} ${need.who}`);')
  read -r node_min node_who <<<"$node_need"
  if ! version_ge "$node_version" "$node_min"; then
    if [ "$node_who" = web/package.json ]; then
      problems+=("Node.js $node_version is older than $node_min, which web/package.json's \"engines\" asks: install Node.js >= $node_min")
    else
      problems+=("Node.js $node_version is older than $node_min, which $node_who needs: pin that dev dependency in web/package.json to a release whose \"engines\" accepts Node.js $node_version, or install Node.js >= $node_min")
    fi
  fi
fi

if [ "$need_browser" = 1 ]; then
  chromium_bin=${CHROMIUM_PATH:-/usr/bin/chromium}
  browsers_json="$root/web/node_modules/playwright-core/browsers.json"
  if [ ! -x "$chromium_bin" ]; then
    problems+=("Chromium is missing at $chromium_bin: run ./scripts/install-deps.sh (apt-get install chromium)")
  elif [ -f "$browsers_json" ]; then
    chromium_version=$("$chromium_bin" --version 2>/dev/null | grep -oE '[0-9]+(\.[0-9]+){3}' | head -1)
    chromium_min=$(node -p "JSON.parse(require('fs').readFileSync('$browsers_json','utf8')).browsers.find(b => b.name === 'chromium').browserVersion.split('.')[0]")
    if [ -z "$chromium_version" ] || ! version_ge "${chromium_version%%.*}" "$chromium_min"; then
      problems+=("Chromium ${chromium_version:-(unknown version)} is older than $chromium_min, the release the installed playwright-core drives: apt-get update && apt-get install chromium (Debian security updates track current Chromium)")
    fi
  fi
fi

if ! command -v emcc >/dev/null 2>&1; then
  problems+=("Emscripten is missing: run ./scripts/install-deps.sh (apt-get install emscripten)")
else
  emcc_version=$(emcc --version 2>/dev/null | head -1 | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -1)
  if [ -z "$emcc_version" ] || ! version_ge "$emcc_version" 3.1.6; then
    problems+=("Emscripten ${emcc_version:-(unknown version)} is older than 3.1.6: apt-get install emscripten (Debian 12 ships 3.1.6)")
  fi
fi

if [ ${#problems[@]} -gt 0 ]; then
  for p in "${problems[@]}"; do echo "check-tools: $p" >&2; done
  exit 1
fi
echo "check-tools: node ${node_version} (needs >= ${node_min}), emcc ${emcc_version}${chromium_version:+, chromium $chromium_version (needs >= $chromium_min)}"
