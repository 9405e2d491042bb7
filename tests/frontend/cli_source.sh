# kiln tune --source and kiln import from the command line, on kernels in
# the shape of public benchmark kernels (tests/frontend/kernels/).
. "$(dirname "$0")/../cli/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
KERNELS=$HERE/kernels
CC=${CC:-cc}
INCLUDE=$HERE/../../include

# every benchmark-shaped kernel tunes on the host C target: all variants correct
tune_host() {
  expect 0 "$KILN" tune --device host --confirm 0 --reps 1 "$@"
  contains "best:"; contains " 0 failed"
}
tune_host --source "$KERNELS/gemm.cl" --kernel gemm --param TS=8,16 --param WPT=1,2,4 --param UNROLL=1,4 \
  --where "TS % WPT == 0" --where "n % TS == 0" --size 64 --args "n=n; A[n*n]; B[n*n]; C[n*n]" \
  --grid "n, n / WPT : TS, TS / WPT"
contains "12 configurations run"
tune_host --source "$KERNELS/convolution.cl" --kernel convolution --param TILE_X=1,2 --param TILE_Y=1,2 \
  --param UNROLL_FH=1,0 --define FW=5 --define FH=5 --size 32x32 \
  --args "w=nx; h=ny; output[nx*ny]; input[(nx+4)*(ny+4)]; filter[25]" \
  --grid "nx / TILE_X, ny / TILE_Y : 8, 8" --where "nx % (8 * TILE_X) == 0" --where "ny % (8 * TILE_Y) == 0"
contains "8 configurations run"
tune_host --source "$KERNELS/hotspot.cl" --kernel hotspot --param WORK_X=1,2,4 --size 64x32 \
  --args "nx=nx; ny=ny; power[nx*ny]; temp[nx*ny] 300..340; result[nx*ny]; cap=0.5; rx=0.1; ry=0.1; rz=0.05; amb=80.0" \
  --grid "nx / WORK_X, ny : 16, 4" --where "nx % (16 * WORK_X) == 0"
tune_host --source "$KERNELS/pnpoly.cl" --kernel pnpoly --param PPT=1,2,4 --param BETWEEN_METHOD=0,1 \
  --define VERTICES=20 --size 2048 --args "n=n; bitmap[n]; px[n]; py[n]; vx[20]; vy[20]" \
  --grid "n / PPT : 64" --where "n % (64 * PPT) == 0"
contains "6 configurations run"
tune_host --source "$KERNELS/nbody.cl" --kernel nbody --param UNROLL=1,2,4 --size 256 \
  --args "n=n; x[n]; y[n]; z[n]; m[n]; ax[n]; ay[n]; az[n]" --grid "n : 64"
tune_host --source "$KERNELS/expdist.cl" --kernel expdist --param BLOCK_B=1,2,4,8 --size 256 \
  --args "m=n; n=n; ax[n]; ay[n]; sa[n] 0.5..1; bx[n]; by[n]; sb[n] 0.5..1; cost[n]" --grid "n : 64"
tune_host --source "$KERNELS/dedispersion.cl" --kernel dedispersion --param SAMPLES_PER_ITEM=1,2 --param UNROLL_CH=1,4 \
  --size 512x4 --args "nsamp=nx; nin=nx+64; nchan=32; input[32*(nx+64)]; shifts[ny*32] 0..64; output[nx*ny]" \
  --grid "nx / SAMPLES_PER_ITEM, ny : 64, 1" --where "nx % (64 * SAMPLES_PER_ITEM) == 0"
contains "4 configurations run"

# a variant wrong on purpose is a 'wrong' row; the others are correct
SAXPY=(--source "$HERE/saxpy_wpt.cl" --kernel saxpy --param WPT=1,2,4 --param UNROLL=1,2 --where "WPT % UNROLL == 0"
       --size 4096 --args "n=n; alpha=2.5; x[n]; y[n] -1..1" --grid "n / WPT : 64" --device host --confirm 0 --reps 1)
expect 0 "$KILN" tune "${SAXPY[@]}" --define FORGET_LAST=1
contains "5 configurations run, 0 already stored, 3 ok, 2 failed"
expect 0 "$KILN" show saxpy@saxpy_wpt.cl
contains "WPT=4 UNROLL=1  wrong"; contains "WPT=4 UNROLL=2  wrong"
# the identity covers the macros: without FORGET_LAST the variants are new rows, all correct
expect 0 "$KILN" tune "${SAXPY[@]}"
contains "5 configurations run, 0 already stored, 5 ok, 0 failed"
# the same text and macros again: nothing runs
expect 0 "$KILN" tune "${SAXPY[@]}"
contains "0 configurations run, 5 already stored"
# the identity covers the text: a changed comment makes new rows
cp "$HERE/saxpy_wpt.cl" "$WORK/saxpy_wpt.cl"; echo "// edited" >> "$WORK/saxpy_wpt.cl"
expect 0 "$KILN" tune "${SAXPY[@]}" --source "$WORK/saxpy_wpt.cl"
contains "5 configurations run, 0 already stored"

# a reference given as a C99 function, and a wrong one
expect 0 "$KILN" tune "${SAXPY[@]}" --db "$WORK/ref.db" --reference "$HERE/saxpy_ref.c:saxpy_ref"
contains "5 ok, 0 failed"
expect 1 "$KILN" tune "${SAXPY[@]}" --db "$WORK/bad.db" --reference "$HERE/saxpy_ref.c:saxpy_bad"
contains "0 ok, 5 failed"; contains "no configuration produced a correct result"

# bad specifications are usage errors that name the cause
expect 2 "$KILN" tune --source "$HERE/saxpy_wpt.cl" --kernel saxpy --param WPT=1 --param UNROLL=1 --args "n=n; x[n]; y[n]"
contains "--args does not give argument 'alpha'"
expect 2 "$KILN" tune --source "$HERE/saxpy_wpt.cl" --kernel saxpy --param WPT=1 --param UNROLL=1 \
  --args "n=n; alpha=1; x[n]; y[n]; z[n]"
contains "the kernel has no argument 'z'"
expect 2 "$KILN" tune --source "$HERE/saxpy_wpt.cl" --kernel saxpy --param WPT=1 --param UNROLL=1 \
  --args "n=n; alpha=1; x[n] out; y[n]"
contains "'x' is read only in the kernel, not out"
expect 2 "$KILN" tune --source "$HERE/saxpy_wpt.cl" --kernel saxpy --param WPT=1 --param UNROLL=1 \
  --args "n=n; alpha=1; x[n-4096]; y[n]" --size 4096
contains "--args: the element count of 'x' is 0"
expect 2 "$KILN" tune --source "$HERE/saxpy_wpt.cl" --kernel saxpy --param WPT=1 --param UNROLL=1 \
  --args "n=n; alpha=1; x[n]; y[n]" --grid "n / VEC"
contains "--grid: global size 0: column 5: unknown name 'VEC'"
expect 2 "$KILN" tune --source "$HERE/saxpy_wpt.cl" --kernel saxpy --param WPT=1 --param UNROLL=1 \
  --args "n=n; alpha=one; x[n]; y[n]"
contains "'alpha=one': the value of a floating scalar is a number"
expect 2 "$KILN" tune --source "$HERE/saxpy_wpt.cl" --kernel saxpy --param UNROLL=1 --args "n=n"
contains "saxpy_wpt.cl:9:"; contains "WPT"
expect 2 "$KILN" tune --source "$HERE/saxpy_wpt.cl" --param WPT=1
contains "--source needs --kernel NAME"
expect 2 "$KILN" tune --source "$HERE/refused.cl" --kernel walk --args "a[n]; n=n"
contains "refused.cl:6:13: goto"

# kiln import: the refusal with its position, the OpenCL C kiln generates, and
# a description that compiles as a plugin and generates the same code
expect 1 "$KILN" import "$HERE/refused.cl" --kernel walk
contains "refused.cl:6:13: goto: not expressible in kiln"
describe() { # FILE KERNEL -D...
  local file=$1 kernel=$2; shift 2
  expect 0 "$KILN" import "$file" --kernel "$kernel" --emit cl "$@"; local want=$OUT
  "$KILN" import "$file" --kernel "$kernel" "$@" > "$WORK/$kernel.c"
  checks=$((checks + 1))
  if ! "$CC" -shared -fPIC -Wall -Wextra -Werror -I"$INCLUDE" "$WORK/$kernel.c" -o "$WORK/$kernel.so" 2> "$WORK/cc.log"; then
    failures=$((failures + 1)); echo "FAIL: the description of $kernel does not compile:"; head -20 "$WORK/cc.log"
    return
  fi
  expect 0 "$KILN" --plugin "$WORK/$kernel.so" generate "$kernel" --lang cl
  checks=$((checks + 1))
  if [ "$OUT" != "$want" ]; then
    failures=$((failures + 1)); echo "FAIL: the plugin of $kernel generates other code:"
    diff <(echo "$want") <(echo "$OUT") | head -20
  fi
}
describe "$KERNELS/gemm.cl" gemm -D TS=16 -D WPT=4 -D UNROLL=2
describe "$KERNELS/convolution.cl" convolution -D TILE_X=2 -D TILE_Y=1 -D UNROLL_FH=0
describe "$KERNELS/hotspot.cl" hotspot -D WORK_X=2
describe "$KERNELS/pnpoly.cl" pnpoly -D PPT=2 -D BETWEEN_METHOD=1
describe "$KERNELS/nbody.cl" nbody -D UNROLL=4
describe "$KERNELS/expdist.cl" expdist -D BLOCK_B=4
describe "$KERNELS/dedispersion.cl" dedispersion -D SAMPLES_PER_ITEM=2 -D UNROLL_CH=4
describe "$HERE/helpers.cl" helpers
finish
