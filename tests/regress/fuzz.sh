#!/usr/bin/env bash
# Coverage-guided fuzzing of the trace reader with libFuzzer (clang), every object file
# built with AddressSanitizer and UBSan, seeded with tests/regress/corpus.
# usage: tests/regress/fuzz.sh [SECONDS=120]   (crashes are written to build-fuzz/crashes/)
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-120}
san="-fsanitize=address,undefined,fuzzer-no-link -fno-omit-frame-pointer"
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKILN_FUZZ=ON \
      -DCMAKE_C_FLAGS="$san" -DCMAKE_EXE_LINKER_FLAGS="$san" -DCMAKE_SHARED_LINKER_FLAGS="$san" >/dev/null
cmake --build build-fuzz --target fuzz_trace -j"$(nproc)" >/dev/null
mkdir -p build-fuzz/trace-corpus build-fuzz/crashes
cp tests/regress/corpus/* build-fuzz/trace-corpus/
ASAN_OPTIONS=detect_leaks=1 build-fuzz/tests/regress/fuzz_trace -max_total_time="$secs" \
  -max_len=65536 -artifact_prefix=build-fuzz/crashes/ -print_final_stats=1 build-fuzz/trace-corpus
