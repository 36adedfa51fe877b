#!/usr/bin/env bash
# Installs everything EdgeCart needs on Debian 12 (idempotent). Runs apt-get as root, or via sudo.
set -euo pipefail

packages=(
  cmake g++ make pkg-config git
  nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev
  emscripten
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
echo "install-deps: all packages present"
