#!/usr/bin/env bash
# Installs what kiln needs on Debian (if missing) and builds it into ./build.
# Usage: scripts/setup.sh            (idempotent; quiet when everything is there)
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(build-essential cmake pkg-config ocl-icd-opencl-dev ocl-icd-libopencl1 opencl-headers
      pocl-opencl-icd clinfo clpeak libsqlite3-dev sqlite3 python3 gfortran python3-jsonschema librsvg2-bin
      libpapi-dev libclang-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "kiln setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" 2>&1 | grep -Ev '^\[|^-- |Scanning|Built target|Consolidate' || true
test -x build/cli/kiln || { echo "kiln setup: build failed" >&2; exit 1; }
