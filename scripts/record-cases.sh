#!/usr/bin/env bash
# Records the regression cases committed under tests/regress/cases: each kernel at a small
# size, on the host C compiler (cases/host) and on PoCL (cases/pocl), inputs of seed 1,
# the kernel's default configuration. A new kernel's cases are one command:
#   scripts/record-cases.sh KERNEL SIZE [KERNEL SIZE]...
# With no arguments it records the examples again. Build first (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
kiln=${KILN:-build/cli/kiln}
if [ $# -eq 0 ]; then
  set -- triad 2048 matmul 48 laplace 64x48 laplace_rgb 64x48
fi
if [ $(($# % 2)) -ne 0 ]; then
  echo "usage: scripts/record-cases.sh [KERNEL SIZE]..." >&2
  exit 2
fi
mkdir -p tests/regress/cases/host tests/regress/cases/pocl
while [ $# -gt 0 ]; do
  "$kiln" regress record "$1" --size "$2" --seed 1 --device host -o "tests/regress/cases/host/$1.ktr"
  "$kiln" regress record "$1" --size "$2" --seed 1 --device "Portable Computing Language" \
          -o "tests/regress/cases/pocl/$1.ktr"
  shift 2
done
