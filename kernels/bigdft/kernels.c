/*
 * kernels.c: the BigDFT kernels' tables: arguments, parameter spaces, seeded
 * inputs, the references of reference.c, geometry and work counts. The
 * description of all of them is pass.c; a size "n x ndat" (or "n1 x n2 x n3",
 * ndat = n2 * n3) is one pass.
 *
 * bigdft.magicfilter3d and bigdft.kinetic3d are the passes of the 3-D
 * operators on a cube: for n1 = n2 = n3 the three passes are this same launch
 * (bigdft_3d runs them), so tuning it at 64x64x64 tunes the 3-D operator.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "kernels/bigdft/bigdft.h"
#include "kernels/bigdft/pass.h"

/* ---- sizes ------------------------------------------------------------ */

static size_t count_of(pass_kind kind, const kiln_size *size, int output)
{
    const pass_op *op = bigdft_pass_op(kind);
    long long n, ndat;
    bigdft_pass_shape(size, &n, &ndat);
    return (size_t)((output ? bigdft_pass_out_len(op, n) : bigdft_pass_in_len(op, n)) * ndat);
}

static size_t lines_count(const kiln_size *size)
{
    long long n, ndat;
    bigdft_pass_shape(size, &n, &ndat);
    return (size_t)ndat;
}

#define COUNTS(kind, lower)                                                     \
    static size_t lower##_in_count(const kiln_size *size)                       \
    {                                                                           \
        return count_of(kind, size, 0);                                         \
    }                                                                           \
    static size_t lower##_out_count(const kiln_size *size)                      \
    {                                                                           \
        return count_of(kind, size, 1);                                         \
    }
COUNTS(PASS_MAGICFILTER, mf)
COUNTS(PASS_GROW, grow)
COUNTS(PASS_SHRINK, shrink)
COUNTS(PASS_ANALYSIS, wavelet)
COUNTS(PASS_KINETIC, kin)

/* ---- inputs and references -------------------------------------------- */

/* x (and y for the kinetic passes) uniform in [-1, 1]; scale = -1/2 h^-2 with h = 0.45. */
static void fill_inputs(kiln_args *args, uint64_t seed, pass_kind kind, kiln_scalar elem)
{
    const kiln_size *size = kiln_args_size(args);
    long long n, ndat;
    bigdft_pass_shape(size, &n, &ndat);
    *(int32_t *)kiln_args_ptr(args, "n") = (int32_t)n;
    *(int32_t *)kiln_args_ptr(args, "ndat") = (int32_t)ndat;
    const pass_op *op = bigdft_pass_op(kind);
    int nin = op->kinetic ? 2 : 1;
    const char *names[2] = {"x", "y"};
    size_t count = count_of(kind, size, 0);
    for (int a = 0; a < nin; a++) {
        void *data = kiln_args_ptr(args, names[a]);
        for (size_t k = 0; k < count; k++) {
            double v = kiln_rand_uniform(&seed, -1.0, 1.0);
            if (elem == KILN_F32)
                ((float *)data)[k] = (float)v;
            else
                ((double *)data)[k] = v;
        }
    }
    if (op->kinetic) {
        double scale = -0.5 / (0.45 * 0.45);
        if (elem == KILN_F32)
            *(float *)kiln_args_ptr(args, "scale") = (float)scale;
        else
            *(double *)kiln_args_ptr(args, "scale") = scale;
    }
}

/* The argument's values as doubles (malloc'ed; NULL when out of memory). */
static double *as_doubles(kiln_args *args, const char *name, size_t count, kiln_scalar elem)
{
    double *d = malloc(sizeof *d * (count ? count : 1));
    const void *data = kiln_args_ptr(args, name);
    for (size_t k = 0; d && k < count; k++)
        d[k] = elem == KILN_F32 ? ((const float *)data)[k] : ((const double *)data)[k];
    return d;
}

typedef void (*ref_fn)(const double *x, double *y, double *mag, int n, int ndat);

static void filter_reference(kiln_args *args, pass_kind kind, kiln_scalar elem, ref_fn fn)
{
    const kiln_size *size = kiln_args_size(args);
    long long n, ndat;
    bigdft_pass_shape(size, &n, &ndat);
    const pass_op *op = bigdft_pass_op(kind);
    double *x = as_doubles(args, "x", count_of(kind, size, 0), elem);
    if (!x)
        return;
    fn(x, kiln_args_want(args, "y"), kiln_args_magnitude(args, "y", op->ntaps * op->nch), (int)n, (int)ndat);
    free(x);
}

static void kinetic_reference(kiln_args *args, kiln_scalar elem, int dot)
{
    const kiln_size *size = kiln_args_size(args);
    long long n, ndat;
    bigdft_pass_shape(size, &n, &ndat);
    size_t count = count_of(PASS_KINETIC, size, 0);
    double *x = as_doubles(args, "x", count, elem), *y = as_doubles(args, "y", count, elem);
    double scale = elem == KILN_F32 ? *(const float *)kiln_args_ptr(args, "scale")
                                    : *(const double *)kiln_args_ptr(args, "scale");
    double *xt = kiln_args_want(args, "xt"), *yt = kiln_args_want(args, "yt");
    double *mag = kiln_args_magnitude(args, "yt", 30);
    if (x && y)
        bigdft_ref_kinetic(x, y, scale, xt, yt, mag, (int)n, (int)ndat);
    if (x && y && dot) {
        double *want = kiln_args_want(args, "dot"), *dmag = kiln_args_magnitude(args, "dot", (double)n);
        for (long long j = 0; j < ndat; j++) {
            want[j] = dmag[j] = 0.0;
            for (long long i = 0; i < n; i++) {
                want[j] += x[j * n + i] * yt[i * ndat + j];
                dmag[j] += fabs(x[j * n + i]) * mag[i * ndat + j];
            }
        }
    }
    free(x);
    free(y);
}

/* ---- work counts ------------------------------------------------------ */

/* 2 * taps flops per output point (synthesis: 8 taps on each of 2 channels) */
static double pass_flops(pass_kind kind, const kiln_size *size)
{
    const pass_op *op = bigdft_pass_op(kind);
    long long n, ndat;
    bigdft_pass_shape(size, &n, &ndat);
    return 2.0 * op->ntaps * op->nch * op->nout * (double)(n + op->iters_add) * (double)ndat;
}

/* every input read once, every output written once */
static double pass_bytes(pass_kind kind, kiln_scalar elem, const kiln_size *size)
{
    const pass_op *op = bigdft_pass_op(kind);
    long long n, ndat;
    bigdft_pass_shape(size, &n, &ndat);
    double arrays = op->kinetic ? 2.0 * (double)(bigdft_pass_in_len(op, n) + bigdft_pass_out_len(op, n))
                                : (double)(bigdft_pass_in_len(op, n) + bigdft_pass_out_len(op, n));
    return (arrays + (op->dot ? 1.0 : 0.0)) * (double)ndat * (double)kiln_scalar_bytes(elem);
}

/* ---- one set of callbacks per kernel ---------------------------------- */

#define PASS_CALLBACKS(lower, kind, elem, ref_call)                                                    \
    static kiln_proc *lower##_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)      \
    {                                                                                                  \
        return bigdft_pass_build(ctx, bigdft_pass_op(kind), elem, cfg, size);                          \
    }                                                                                                  \
    static void lower##_inputs(kiln_args *args, uint64_t seed)                                         \
    {                                                                                                  \
        fill_inputs(args, seed, kind, elem);                                                           \
    }                                                                                                  \
    static void lower##_reference(kiln_args *args)                                                     \
    {                                                                                                  \
        ref_call;                                                                                      \
    }                                                                                                  \
    static void lower##_geometry(const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo)    \
    {                                                                                                  \
        bigdft_pass_geometry(bigdft_pass_op(kind), cfg, size, geo);                                    \
    }                                                                                                  \
    static double lower##_flops(const kiln_size *size)                                                 \
    {                                                                                                  \
        return pass_flops(kind, size);                                                                 \
    }                                                                                                  \
    static double lower##_bytes(const kiln_size *size)                                                 \
    {                                                                                                  \
        return pass_bytes(kind, elem, size);                                                           \
    }

PASS_CALLBACKS(mf, PASS_MAGICFILTER, KILN_F64,
               filter_reference(args, PASS_MAGICFILTER, KILN_F64, bigdft_ref_magicfilter))
PASS_CALLBACKS(mf32, PASS_MAGICFILTER, KILN_F32,
               filter_reference(args, PASS_MAGICFILTER, KILN_F32, bigdft_ref_magicfilter))
PASS_CALLBACKS(grow, PASS_GROW, KILN_F64, filter_reference(args, PASS_GROW, KILN_F64, bigdft_ref_grow))
PASS_CALLBACKS(shrink, PASS_SHRINK, KILN_F64, filter_reference(args, PASS_SHRINK, KILN_F64, bigdft_ref_shrink))
PASS_CALLBACKS(ana, PASS_ANALYSIS, KILN_F64, filter_reference(args, PASS_ANALYSIS, KILN_F64, bigdft_ref_analysis))
PASS_CALLBACKS(ana32, PASS_ANALYSIS, KILN_F32, filter_reference(args, PASS_ANALYSIS, KILN_F32, bigdft_ref_analysis))
PASS_CALLBACKS(syn, PASS_SYNTHESIS, KILN_F64, filter_reference(args, PASS_SYNTHESIS, KILN_F64, bigdft_ref_synthesis))
PASS_CALLBACKS(syn32, PASS_SYNTHESIS, KILN_F32, filter_reference(args, PASS_SYNTHESIS, KILN_F32, bigdft_ref_synthesis))
PASS_CALLBACKS(kin, PASS_KINETIC, KILN_F64, kinetic_reference(args, KILN_F64, 0))
PASS_CALLBACKS(kdot, PASS_KINETIC_DOT, KILN_F64, kinetic_reference(args, KILN_F64, 1))

/* ---- parameter spaces ------------------------------------------------- */

#define P_UNROLL                                                                                        \
    {.name = "unroll", .help = "blocks of lines per work-item (outer-loop unroll)", KILN_VALUES(1, 2, 4, 8, 12), \
     .default_value = 1}
#define P_VEC                                                                                                   \
    {.name = "vec", .help = "vector length: neighbouring lines in the lanes", KILN_VALUES(1, 2, 4, 8), \
     .default_value = 1}
#define P_LANES                                                                                         \
    {.name = "lanes", .help = "what the vector lanes hold: neighbouring lines, or consecutive points of a line", \
     KILN_VALUES(0, 1), KILN_NAMES("lines", "points"), .default_value = 0}
/* the single-channel passes of one output also transpose a block of lines into a private buffer */
#define P_LANES_TRANSPOSED                                                                               \
    {.name = "lanes",                                                                                    \
     .help = "what the vector lanes hold: neighbouring lines, consecutive points of a line, or neighbouring " \
             "lines copied into a private buffer of rows (unroll: points an iteration)",                 \
     KILN_VALUES(0, 1, 2), KILN_NAMES("lines", "points", "transposed"), .default_value = 0}
#define P_WRAP                                                                                               \
    {.name = "wrap", .help = "periodic wrap: modulo in the loop, index table, or head/body/tail split",      \
     KILN_VALUES(0, 1, 2), KILN_NAMES("mod", "table", "split"), .default_value = 0}
#define P_WRAP_FREE                                                                                           \
    {.name = "wrap", .help = "free boundary: clamped load times a 0/1 mask, or head/body/tail split",          \
     KILN_VALUES(0, 2), KILN_NAMES("mask", "split"), .default_value = 0}
#define P_ACC                                                                                     \
    {.name = "acc", .help = "accumulators as scalars or as one private array", KILN_VALUES(0, 1), \
     KILN_NAMES("scalars", "array"), .default_value = 0}
#define P_FULL_TAPS \
    {.name = "full_taps", .help = "unroll the filter taps into literals (1) or loop over them (0)", KILN_VALUES(0, 1), \
     .default_value = 0}
#define P_WG \
    {.name = "wg", .help = "work-group size (work-items along the lines)", KILN_VALUES(16, 64), .default_value = 64}
#define P_WG_TILED                                                                                           \
    {.name = "wg", .help = "work-group size (work-items along the lines; with tiles, lines x point groups)",    \
     KILN_VALUES(16, 64, 128, 256), .default_value = 64}
#define P_TILE                                                                                                \
    {.name = "tile", .help = "lines of a work-group's tile staged through local memory (0: no tile)",         \
     KILN_VALUES(0, 16, 32), .default_value = 0}
#define P_MAP                                                                                              \
    {.name = "map", .help = "work-items over blocks of lines (0) or over lines x points (1)", KILN_VALUES(0, 1), \
     KILN_NAMES("lines", "points"), .default_value = 0}
#define P_STREAM                                                                                           \
    {.name = "stream", .help = "transposed lanes: outputs stored non-temporally, past the caches (1) or not (0)", \
     KILN_VALUES(0, 1), .default_value = 0}
#define P_PREFETCH                                                                                      \
    {.name = "prefetch", .help = "transposed lanes: the next block's lines prefetched while this one is computed " \
                                 "(1) or not (0)",                                                              \
     KILN_VALUES(0, 1), .default_value = 0}
#define P_MAP_LINES \
    {.name = "map", .help = "work-items over blocks of lines (the dot product sums a whole line)", KILN_VALUES(0), \
     KILN_NAMES("lines"), .default_value = 0}

#define C_COMMON "unroll * vec <= 16 || lanes == 2", "acc == 0 || unroll > 1", "lanes == 0 || vec > 1"
#define C_TRANSPOSED "lanes != 2 || acc == 0", "stream == 0 || lanes == 2", "prefetch == 0 || lanes == 2"
#define C_MAP_LANES "lanes == 0 || map == 0"
#define C_MAP "map == 0 || wrap != 2", C_MAP_LANES
/* a tile owns wg / tile * unroll points of each line: at most 2048 outputs keep it in 48 KiB of f64 */
#define C_TILE                                                                                    \
    "tile > 0 || wg <= 64", "tile == 0 || wg % tile == 0", "tile == 0 || wg * unroll <= 2048",   \
    "tile == 0 || (vec == 1 && lanes == 0 && map == 0 && acc == 0)"
#define C_TILE_WRAP "tile == 0 || wrap == 0"

#define LANGS ((1u << KILN_LANG_CL) | (1u << KILN_LANG_C))
#define CALLBACKS(lower)                                                                                 \
    .build = lower##_build, .inputs = lower##_inputs, .reference = lower##_reference,                   \
    .geometry = lower##_geometry, .flops = lower##_flops, .bytes = lower##_bytes

#define FILTER_ARGS(T, lower) \
    KILN_ARGS({"n", KILN_I32, KILN_IN, 1, NULL, 0}, {"ndat", KILN_I32, KILN_IN, 1, NULL, 0}, \
              {"x", T, KILN_IN, 0, lower##_in_count, 0}, {"y", T, KILN_OUT, 0, lower##_out_count, 0})

#define PASS_KERNEL(var, kname, text, args, params, constraints, size, lower)                            \
    const kiln_kernel var = {.name = kname, .summary = text, args, params, constraints,                   \
                             .default_size = size, .langs = LANGS, CALLBACKS(lower)}
#define PERIODIC_PARAMS KILN_PARAMS(P_UNROLL, P_VEC, P_LANES, P_WRAP, P_ACC, P_FULL_TAPS, P_WG, P_MAP)
#define PERIODIC_CONSTRAINTS KILN_CONSTRAINTS(C_COMMON, C_MAP)
/* the single-channel passes (magic filter, grow, shrink, kinetic) also take tiles */
#define TILED_PARAMS \
    KILN_PARAMS(P_UNROLL, P_VEC, P_LANES_TRANSPOSED, P_WRAP, P_ACC, P_FULL_TAPS, P_WG_TILED, P_MAP, P_TILE, P_STREAM, P_PREFETCH)
#define TILED_CONSTRAINTS KILN_CONSTRAINTS(C_COMMON, C_MAP, C_TILE, C_TILE_WRAP, C_TRANSPOSED)
#define LINES_64 {2, {64, 4096, 1}}
#define LINES_32 {2, {32, 4096, 1}}
#define CUBE_64 {3, {64, 64, 64}}

#define KINETIC_ARGS(...)                                                                                 \
    KILN_ARGS({"n", KILN_I32, KILN_IN, 1, NULL, 0}, {"ndat", KILN_I32, KILN_IN, 1, NULL, 0},              \
              {"scale", KILN_F64, KILN_IN, 1, NULL, 0}, {"x", KILN_F64, KILN_IN, 0, kin_in_count, 0},      \
              {"y", KILN_F64, KILN_IN, 0, kin_in_count, 0}, {"xt", KILN_F64, KILN_OUT, 0, kin_out_count, 0}, \
              {"yt", KILN_F64, KILN_OUT, 0, kin_out_count, 0} __VA_ARGS__)

PASS_KERNEL(kiln_kernel_bigdft_magicfilter, "bigdft.magicfilter",
            "BigDFT magic filter pass, periodic (f64, 16 taps, n x ndat -> ndat x n transposed)",
            FILTER_ARGS(KILN_F64, mf), TILED_PARAMS, TILED_CONSTRAINTS, LINES_64, mf);
PASS_KERNEL(kiln_kernel_bigdft_magicfilter_f32, "bigdft.magicfilter_f32",
            "BigDFT magic filter pass, periodic, in f32",
            FILTER_ARGS(KILN_F32, mf), TILED_PARAMS, TILED_CONSTRAINTS, LINES_64, mf32);
PASS_KERNEL(kiln_kernel_bigdft_magicfilter3d, "bigdft.magicfilter3d",
            "one of the three identical passes of the 3-D periodic magic filter on an n^3 cube (f64)",
            FILTER_ARGS(KILN_F64, mf), TILED_PARAMS, TILED_CONSTRAINTS, CUBE_64, mf);
PASS_KERNEL(kiln_kernel_bigdft_magicfilter_grow, "bigdft.magicfilter_grow",
            "BigDFT magic filter pass, free boundary: n -> n + 15 points (f64)",
            FILTER_ARGS(KILN_F64, grow),
            KILN_PARAMS(P_UNROLL, P_VEC, P_LANES_TRANSPOSED, P_WRAP_FREE, P_ACC, P_FULL_TAPS, P_WG_TILED, P_MAP,
                        P_TILE, P_STREAM, P_PREFETCH),
            TILED_CONSTRAINTS, LINES_64, grow);
PASS_KERNEL(kiln_kernel_bigdft_magicfilter_shrink, "bigdft.magicfilter_shrink",
            "BigDFT magic filter pass, free boundary: n + 15 -> n points, the adjoint of grow (f64)",
            FILTER_ARGS(KILN_F64, shrink),
            KILN_PARAMS(P_UNROLL, P_VEC, P_LANES_TRANSPOSED, P_ACC, P_FULL_TAPS, P_WG_TILED, P_MAP, P_TILE, P_STREAM, P_PREFETCH),
            KILN_CONSTRAINTS(C_COMMON, C_MAP_LANES, C_TILE, C_TRANSPOSED), LINES_64, shrink);
PASS_KERNEL(kiln_kernel_bigdft_analysis, "bigdft.analysis",
            "SYM8 wavelet analysis pass, periodic: 2n samples -> n coarse, n detail (f64)",
            FILTER_ARGS(KILN_F64, wavelet), PERIODIC_PARAMS, PERIODIC_CONSTRAINTS, LINES_32, ana);
PASS_KERNEL(kiln_kernel_bigdft_analysis_f32, "bigdft.analysis_f32",
            "SYM8 wavelet analysis pass, periodic, in f32",
            FILTER_ARGS(KILN_F32, wavelet), PERIODIC_PARAMS, PERIODIC_CONSTRAINTS, LINES_32, ana32);
PASS_KERNEL(kiln_kernel_bigdft_synthesis, "bigdft.synthesis",
            "SYM8 wavelet synthesis pass, periodic: n coarse, n detail -> 2n samples (f64)",
            FILTER_ARGS(KILN_F64, wavelet), PERIODIC_PARAMS, PERIODIC_CONSTRAINTS, LINES_32, syn);
PASS_KERNEL(kiln_kernel_bigdft_synthesis_f32, "bigdft.synthesis_f32",
            "SYM8 wavelet synthesis pass, periodic, in f32",
            FILTER_ARGS(KILN_F32, wavelet), PERIODIC_PARAMS, PERIODIC_CONSTRAINTS, LINES_32, syn32);
PASS_KERNEL(kiln_kernel_bigdft_kinetic, "bigdft.kinetic",
            "BigDFT kinetic operator pass, periodic: yt = y + scale * D2 x, xt = x, both transposed (f64)",
            KINETIC_ARGS(), TILED_PARAMS, TILED_CONSTRAINTS, LINES_64, kin);
PASS_KERNEL(kiln_kernel_bigdft_kinetic3d, "bigdft.kinetic3d",
            "one of the three identical passes of the 3-D periodic kinetic operator on an n^3 cube (f64)",
            KINETIC_ARGS(), TILED_PARAMS, TILED_CONSTRAINTS, CUBE_64, kin);
PASS_KERNEL(kiln_kernel_bigdft_kinetic_dot, "bigdft.kinetic_dot",
            "the kinetic pass that also gives dot(j) = sum_i x(j, i) yt(i, j), line j's part of <x, y> (f64)",
            KINETIC_ARGS(, {"dot", KILN_F64, KILN_OUT, 0, lines_count, 0}),
            KILN_PARAMS(P_UNROLL, P_VEC, P_LANES, P_WRAP, P_ACC, P_FULL_TAPS, P_WG, P_MAP_LINES),
            KILN_CONSTRAINTS(C_COMMON), LINES_64, kdot);
