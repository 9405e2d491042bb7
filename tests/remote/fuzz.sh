#!/usr/bin/env bash
# Coverage-guided fuzzing of kiln-remoted's frame decoder with libFuzzer (clang),
# every object file built with AddressSanitizer and UBSan, seeded with a valid stream.
# usage: tests/remote/fuzz.sh [SECONDS=120]   (crashes are written to build-fuzz/crashes/)
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-120}
san="-fsanitize=address,undefined,fuzzer-no-link -fno-omit-frame-pointer"
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKILN_FUZZ=ON \
      -DCMAKE_C_FLAGS="$san" -DCMAKE_EXE_LINKER_FLAGS="$san" -DCMAKE_SHARED_LINKER_FLAGS="$san" >/dev/null
cmake --build build-fuzz --target fuzz_remote_session -j"$(nproc)" >/dev/null
mkdir -p build-fuzz/corpus build-fuzz/crashes
KILN_FUZZ_WRITE_SEED=build-fuzz/corpus/seed.bin build-fuzz/tests/remote/fuzz_remote_session
ASAN_OPTIONS=detect_leaks=0 build-fuzz/tests/remote/fuzz_remote_session -max_total_time="$secs" \
  -max_len=65536 -artifact_prefix=build-fuzz/crashes/ -print_final_stats=1 build-fuzz/corpus
