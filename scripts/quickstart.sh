#!/usr/bin/env bash
# Set-up, then kiln's main job: tune the showcase kernel (matmul) on the default
# device (the first OpenCL device; the host C compiler if there is none) into
# the default database (./kiln.db), and show the best variant.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build/cli/kiln tune matmul --strategy random --budget 48 "$@"
build/cli/kiln best matmul
