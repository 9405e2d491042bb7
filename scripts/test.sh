#!/usr/bin/env bash
# The whole test suite: set-up (install + build), every CTest test, then every test
# again in a build with AddressSanitizer and UndefinedBehaviorSanitizer
# (KILN_SANITIZE=0 skips that second pass). In CI (CI=true) a device test whose
# device is absent fails instead of skipping (KILN_REQUIRE_DEVICES=1).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${CI:-}" = true ]; then
  export KILN_REQUIRE_DEVICES=${KILN_REQUIRE_DEVICES:-1}
fi
scripts/setup.sh
(cd build && ctest --output-on-failure -j"$(nproc)" "$@")

if [ "${KILN_SANITIZE:-1}" != 0 ]; then
  echo "== again under AddressSanitizer and UndefinedBehaviorSanitizer"
  san="-fsanitize=address,undefined -fno-omit-frame-pointer"
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS="$san" \
        -DCMAKE_EXE_LINKER_FLAGS="$san" -DCMAKE_SHARED_LINKER_FLAGS="$san" -DCMAKE_MODULE_LINKER_FLAGS="$san" >/dev/null
  cmake --build build-asan -j"$(nproc)" 2>&1 | grep -E 'error|warning:' || true
  # The kernels of this pass are the first pass's: the same generated sources, options,
  # devices and compilers, hence the same keys in kiln's binary cache and PoCL's. This
  # pass starts from the binaries the first one compiled, so its time goes to kiln's own
  # code under the sanitizers, not to compiling the same kernels twice. Kiln's compile
  # path still runs here: the runtime and command-line tests use fresh caches of their own.
  for cache in kiln-cache pocl-cache; do
    if [ -d "build/test-env/$cache" ]; then
      mkdir -p "build-asan/test-env/$cache" && cp -a "build/test-env/$cache/." "build-asan/test-env/$cache/"
    fi
  done
  # handle_segv=0: the tests that crash a kernel on purpose expect the signal itself.
  # tests/lsan.supp: leaks inside PoCL's in-process LLVM compiler are not kiln's.
  supp="$PWD/tests/lsan.supp"
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1:handle_segv=0 LSAN_OPTIONS=suppressions="$supp":print_suppressions=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
     ctest --output-on-failure -j"$(nproc)" "$@")
fi
