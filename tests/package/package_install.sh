# From an empty prefix: `cmake --install` of this build, then what an
# application does with it. The installed kiln tunes a kernel into a database;
# a separate CMake project (find_package(kiln): shared and static libkiln, a
# plugin through kiln_add_plugin), a Makefile project through pkg-config and a
# Fortran program through the kiln module, and a project adding kiln's source
# with add_subdirectory each look up its configuration, and
# answer what `kiln best` answers, with the provenance the rules give.
# Usage: package_install.sh BUILD_DIR LIBDIR PLUGIN_SOURCE [C_FLAGS]
. "$(dirname "$0")/../cli/lib.sh" "(set below)"
BUILD=$1 LIBDIR=$2 PLUGIN_SOURCE=$3 SANFLAGS=${4:-}
SRC=$(cd "$(dirname "$0")" && pwd)
P="$WORK/prefix"
KILN="$P/bin/kiln"
export PKG_CONFIG_PATH="$P/$LIBDIR/pkgconfig"
export LD_LIBRARY_PATH="$P/$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
has() { # has FILE...: each exists in the prefix
  for f in "$@"; do
    checks=$((checks + 1))
    [ -e "$P/$f" ] || { failures=$((failures + 1)); echo "FAIL: $f is not installed"; }
  done
}
same() { # same WHAT GOT WANT
  checks=$((checks + 1))
  [ "$2" = "$3" ] || { failures=$((failures + 1)); echo "FAIL: $1: '$2', expected '$3'"; }
}

# ---- the install itself ----
expect 0 cmake --install "$BUILD" --prefix "$P"
has bin/kiln bin/kiln-build bin/kiln-remoted "$LIBDIR/libkiln.so" "$LIBDIR/libkiln.a" "$LIBDIR/libkiln-remote-icd.so" \
    include/kiln/lookup.h include/kiln/lookup_cl.h include/kiln/tuner.h include/kiln/kiln.f90 "$LIBDIR/cmake/kiln/kilnConfig.cmake" \
    "$LIBDIR/cmake/kiln/kilnConfigVersion.cmake" "$LIBDIR/pkgconfig/kiln.pc" share/kiln/kiln-remote.icd
expect 0 readelf -d "$P/$LIBDIR/libkiln.so"; contains "Library soname: [libkiln.so.0]"
same "the example .icd file" "$(cat "$P/share/kiln/kiln-remote.icd")" "$P/$LIBDIR/libkiln-remote-icd.so"
expect 0 pkg-config --cflags kiln; contains "-I$P/$LIBDIR/pkgconfig/../../include"

# ---- kiln tune writes a database; kiln best says what it holds ----
DB="$WORK/app.db"
expect 0 "$KILN" tune triad --device host --size 4096 --budget 4 --db "$DB"
expect 0 "$KILN" best triad --device host --size 4096 --db "$DB" --json
read -r FP WANT < <(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); c=d["config"]
print(d["device_fingerprint"], "wg=%d vec=%d per_item=%d" % (c["wg"], c["vec"], c["per_item"]))' "$OUT")
checks=$((checks + 1)); [ -n "$WANT" ] || { failures=$((failures + 1)); echo "FAIL: no best configuration"; }
chmod a-w "$DB"   # shipped read-only with the application

# answer PROGRAM...: each lookup of the tuned size (by fingerprint and by the
# device's platform name "host"), a size never tuned, and a kernel never tuned
answers() {
  expect 0 "$@" "$DB" triad "$FP" 4096 wg vec per_item
  same "$1 exact" "$(head -1 <<<"$OUT")" "provenance=exact size=4096 $WANT lang=c source_bytes=$SOURCE_BYTES"
  expect 0 "$@" "$DB" triad host 5000 wg vec per_item
  same "$1 nearest size" "$(head -1 <<<"$OUT")" "provenance=nearest size size=4096 $WANT lang=c source_bytes=$SOURCE_BYTES"
  expect 0 "$@" "$DB" triad "Quantum device" 4096 wg vec per_item
  same "$1 other device" "$(head -1 <<<"$OUT")" "provenance=other device size=4096 $WANT lang=c source_bytes=$SOURCE_BYTES"
  expect 0 "$@" "$DB" matmul "$FP" 64 tile
  same "$1 default" "$(head -1 <<<"$OUT")" "provenance=default size= tile=-1 lang=none source_bytes=0"
  expect 1 "$@" "$DB" triad "$FP" 12x wg
  contains "bad size '12x'"
}
# The variant's source, as `kiln generate` prints it for the best configuration.
SETS=$(sed 's/\([a-z_]*=[0-9]*\)/--set \1/g' <<<"$WANT")
# shellcheck disable=SC2086
SOURCE_BYTES=$("$KILN" generate triad --lang c --size 4096 $SETS | wc -c)

# ---- a CMake project: find_package(kiln) ----
expect 0 cmake -S "$SRC/cmake-consumer" -B "$WORK/cmake-consumer" -DCMAKE_PREFIX_PATH="$P" \
  -DPLUGIN_SOURCE="$PLUGIN_SOURCE" -DCMAKE_C_FLAGS="$SANFLAGS" -DCMAKE_EXE_LINKER_FLAGS="$SANFLAGS" \
  -DCMAKE_MODULE_LINKER_FLAGS="$SANFLAGS"
expect 0 cmake --build "$WORK/cmake-consumer"
answers "$WORK/cmake-consumer/lookup_shared"
answers "$WORK/cmake-consumer/lookup_static"
expect 0 ldd "$WORK/cmake-consumer/lookup_shared"; contains "$P/$LIBDIR/libkiln.so.0"
expect 0 "$KILN" --plugin "$WORK/cmake-consumer/consumer_plugin.so" kernels faulty; contains "mode"

# ---- a project adding kiln's source tree with add_subdirectory ----
expect 0 cmake -S "$SRC/subdir-consumer" -B "$WORK/subdir" -DKILN_SOURCE="$SRC/../.." -DCMAKE_C_FLAGS="$SANFLAGS" \
  -DCMAKE_EXE_LINKER_FLAGS="$SANFLAGS" -DCMAKE_SHARED_LINKER_FLAGS="$SANFLAGS"
expect 0 cmake --build "$WORK/subdir" --target lookup_subdir -j2
answers "$WORK/subdir/lookup_subdir"
checks=$((checks + 1))
if grep -rqs "tuner_lookup\|package_install" "$WORK/subdir/CTestTestfile.cmake" "$WORK/subdir/kiln/CTestTestfile.cmake" ||
   grep -qs "libkiln" "$WORK/subdir/cmake_install.cmake" "$WORK/subdir/kiln/cmake_install.cmake"; then
  failures=$((failures + 1)); echo "FAIL: kiln's tests or install rules leaked into the parent project"
fi

# ---- a Makefile project through pkg-config, C and Fortran ----
expect 0 make -C "$WORK" -f "$SRC/make-consumer/Makefile" CFLAGS="-O2 $SANFLAGS" FFLAGS="-O2 $SANFLAGS"
answers "$WORK/lookup_c"
answers "$WORK/lookup_f"
finish
