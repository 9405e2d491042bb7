#!/usr/bin/env bash
# The whole test suite: set-up (install + build), then every CTest test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cd build && ctest --output-on-failure -j"$(nproc)" "$@"
