/*
 * verify.c: is a variant's output right? A floating output element is
 * compared with its double precision reference within a bound that follows
 * the magnitude of what was summed to make it (sum of |terms|), the precision
 * of the element type and the number of terms: a sum that cancels keeps the
 * rounding errors of its terms, which a bound relative to the result would
 * call wrong. Integers compare exactly in their own type. Non-finite outputs
 * where the reference is finite are counted apart: they are the trace of an
 * element the kernel never wrote (kiln_poison fills outputs with NaN before a
 * run; integer outputs need two runs with the two poison patterns).
 *
 * kiln_verify keeps the older value-relative rule for callers without
 * magnitudes.
 */
#include <float.h>
#include <math.h>
#include <string.h>
#include "runtime/rt_int.h"

double kiln_default_tolerance(kiln_scalar elem)
{
    switch (elem) {
    case KILN_F32: return 1e-4;
    case KILN_F64: return 1e-10;
    default: return 0.0;
    }
}

/* Elements [start, start + count) of data, typed elem, as doubles: one type
 * switch per block, not per element. */
static void to_double(kiln_scalar elem, const void *data, size_t start, size_t count, double *out)
{
#define CONVERT(T)                                          \
    do {                                                    \
        const T *src = (const T *)data + start;             \
        for (size_t j = 0; j < count; j++)                  \
            out[j] = (double)src[j];                        \
    } while (0)
    switch (elem) {
    case KILN_BOOL: CONVERT(unsigned char); break;
    case KILN_I8: CONVERT(int8_t); break;
    case KILN_U8: CONVERT(uint8_t); break;
    case KILN_I16: CONVERT(int16_t); break;
    case KILN_U16: CONVERT(uint16_t); break;
    case KILN_I32: CONVERT(int32_t); break;
    case KILN_U32: CONVERT(uint32_t); break;
    case KILN_I64: CONVERT(int64_t); break;
    case KILN_U64: CONVERT(uint64_t); break;
    case KILN_F32: CONVERT(float); break;
    case KILN_F64: CONVERT(double); break;
    default:
        for (size_t j = 0; j < count; j++)
            out[j] = NAN;
    }
#undef CONVERT
}

void kiln_verify(kiln_scalar elem, const void *got, const double *want, size_t n, double tol,
                 kiln_verify_report *out)
{
    memset(out, 0, sizeof *out);
    /* Integers are exact whatever the caller asks: a near miss is a wrong index. */
    out->tolerance = kiln_scalar_is_float(elem) ? tol : 0.0;
    if (kiln_scalar_bytes(elem) == 0) {
        out->max_abs_err = out->max_rel_err = out->rel_l2_err = INFINITY;
        return;
    }
    double want_max = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(want[i]) && fabs(want[i]) > want_max)
            want_max = fabs(want[i]);
    const double scale = want_max * 1e-3 + 1e-300;

    double err_sq = 0, want_sq = 0;
    int mismatch = 0;
    enum { BLOCK = 1024 };
    double block[BLOCK];
    for (size_t i = 0; i < n; i++) {
        if (i % BLOCK == 0)
            to_double(elem, got, i, n - i < BLOCK ? n - i : BLOCK, block);
        double g = block[i % BLOCK], w = want[i], abs_err, rel_err;
        if (!isfinite(w)) {
            /* A non-finite reference is matched only by the same value. */
            int same = (isnan(w) && isnan(g)) || g == w;
            abs_err = rel_err = same ? 0.0 : INFINITY;
            mismatch |= !same;
        } else if (!isfinite(g)) {
            out->nonfinite++;
            abs_err = rel_err = INFINITY;
        } else {
            abs_err = fabs(g - w);
            rel_err = abs_err / fmax(fabs(w), scale);
            err_sq += abs_err * abs_err;
            want_sq += w * w;
        }
        if (abs_err > out->max_abs_err || (i == 0 && abs_err >= out->max_abs_err)) {
            out->max_abs_err = abs_err;
            out->worst_index = i;
        }
        if (rel_err > out->max_rel_err)
            out->max_rel_err = rel_err;
    }
    if (out->nonfinite || mismatch)
        out->rel_l2_err = INFINITY;
    else
        out->rel_l2_err = want_sq > 0 ? sqrt(err_sq) / sqrt(want_sq) : sqrt(err_sq);
    out->ok = !out->nonfinite && !mismatch && out->rel_l2_err <= out->tolerance &&
              out->max_rel_err <= out->tolerance;
}

double kiln_unit_roundoff(kiln_scalar elem)
{
    switch (elem) {
    case KILN_F32: return 0x1p-24;
    case KILN_F64: return 0x1p-53;
    default: return 0.0;
    }
}

double kiln_tolerance(kiln_scalar elem, double terms)
{
    return KILN_VERIFY_LAMBDA * sqrt(terms > 1 ? terms : 1) * kiln_unit_roundoff(elem);
}

/* Element i of an integer array as its distance from the origin, for the
 * report only: the verdict compares bytes. */
static double int_distance(kiln_scalar elem, const void *a, const void *b, size_t i)
{
#define DIFF(T)                                                             \
    do {                                                                    \
        T x = ((const T *)a)[i], y = ((const T *)b)[i];                     \
        return x > y ? (double)((uint64_t)x - (uint64_t)y) : (double)((uint64_t)y - (uint64_t)x); \
    } while (0)
    switch (elem) {
    case KILN_BOOL: DIFF(unsigned char);
    case KILN_I8: DIFF(int8_t);
    case KILN_U8: DIFF(uint8_t);
    case KILN_I16: DIFF(int16_t);
    case KILN_U16: DIFF(uint16_t);
    case KILN_I32: DIFF(int32_t);
    case KILN_U32: DIFF(uint32_t);
    case KILN_I64: DIFF(int64_t);
    case KILN_U64: DIFF(uint64_t);
    default: return INFINITY;
    }
#undef DIFF
}

static void verify_exact(const kiln_expect *e, const void *got, kiln_verify_report *out)
{
    size_t bytes = kiln_scalar_bytes(e->elem);
    const unsigned char *g = got, *w = e->exact;
    for (size_t i = 0; i < e->n; i++) {
        if (memcmp(g + i * bytes, w + i * bytes, bytes) == 0)
            continue;
        double d = int_distance(e->elem, got, e->exact, i), expected;
        to_double(e->elem, e->exact, i, 1, &expected);
        if (out->mismatches++ == 0)
            out->worst_index = i;
        if (d > out->max_abs_err)
            out->max_abs_err = d;
        if (d / fmax(fabs(expected), 1.0) > out->max_rel_err)
            out->max_rel_err = d / fmax(fabs(expected), 1.0);
    }
    out->max_err_ratio = out->mismatches ? INFINITY : 0.0;
    out->rel_l2_err = out->max_rel_err;
    out->ok = out->mismatches == 0;
}

/* What the comparison of floating elements has found so far. */
typedef struct float_scan {
    const kiln_expect *e;
    double tol, floor_bound;
    double err_sq, want_sq;
    int bad_special; /* a non-finite reference not matched by the same value */
} float_scan;

/* Elements [i0, i0 + count) of a floating comparison, one at a time: the
 * rule as it reads, for blocks that hold a non-finite value and for the
 * tail of the array. */
static void scan_elements(float_scan *sc, const double *g, size_t i0, size_t count, kiln_verify_report *out)
{
    const kiln_expect *e = sc->e;
    for (size_t j = 0; j < count; j++) {
        size_t i = i0 + j;
        double w = e->want[i], abs_err, ratio;
        if (!isfinite(w)) {
            int same = (isnan(w) && isnan(g[j])) || g[j] == w;
            abs_err = ratio = same ? 0.0 : INFINITY;
            sc->bad_special |= !same;
        } else if (!isfinite(g[j])) {
            out->nonfinite++;
            abs_err = ratio = INFINITY;
        } else {
            double mag = e->magnitude ? fmax(e->magnitude[i], fabs(w)) : fabs(w);
            abs_err = fabs(g[j] - w);
            ratio = abs_err / fmax(sc->tol * mag, sc->floor_bound);
            if (w != 0 && abs_err / fabs(w) > out->max_rel_err)
                out->max_rel_err = abs_err / fabs(w);
            sc->err_sq += abs_err * abs_err;
            sc->want_sq += w * w;
        }
        out->mismatches += ratio > 1;
        if (ratio > out->max_err_ratio) {
            out->max_err_ratio = ratio;
            out->worst_index = i;
        }
        if (abs_err > out->max_abs_err)
            out->max_abs_err = abs_err;
    }
}

/* VLANES doubles side by side: GCC's and clang's vector extension, which
 * the compiler maps onto the machine's SIMD registers (two SSE2 halves
 * where there is no AVX). */
enum { VLANES = 2 };
typedef double vdouble __attribute__((vector_size(VLANES * sizeof(double))));
typedef long long vlong __attribute__((vector_size(VLANES * sizeof(long long))));

/* Vector casts between types of one size keep the bits. */
#define VSPLAT(x) ((vdouble){(x), (x)})
#define VABS(x) ((vdouble)((vlong)(x) & (vlong){INT64_MAX, INT64_MAX}))
/* a where mask, else b (mask lanes all ones or all zeros) */
#define VSELECT(mask, a, b) ((vdouble)(((vlong)(a) & (mask)) | ((vlong)(b) & ~(mask))))

/* count elements (a multiple of VLANES) of a floating comparison: the same
 * rule as scan_elements, VLANES elements at a time and without a branch,
 * where every got and want is finite; 0 with nothing counted when one is
 * not. The worst element is the first of the largest ratio, as there; the
 * squares are summed in VLANES partial sums. */
static int scan_finite_block(float_scan *sc, const double *g, size_t i0, size_t count, kiln_verify_report *out)
{
    const kiln_expect *e = sc->e;
    const vdouble tol = VSPLAT(sc->tol), floor_bound = VSPLAT(sc->floor_bound), zero = VSPLAT(0), one = VSPLAT(1);
    vdouble err_sq = zero, want_sq = zero, max_abs = zero, max_rel = zero, worst = VSPLAT(-1), worst_at = zero;
    vdouble at = {0, 1};
    vlong over = {0, 0}, finite = {-1, -1};
    const vdouble huge = VSPLAT(DBL_MAX);
    for (size_t j = 0; j < count; j += VLANES, at += VSPLAT(VLANES)) {
        vdouble gv, wv, mag;
        memcpy(&gv, g + j, sizeof gv);
        memcpy(&wv, e->want + i0 + j, sizeof wv);
        vdouble aw = VABS(wv);
        finite &= (VABS(gv) <= huge) & (aw <= huge);
        if (e->magnitude) {
            memcpy(&mag, e->magnitude + i0 + j, sizeof mag);
            mag = VSELECT(mag > aw, mag, aw); /* a NaN magnitude gives way to |want|, as fmax does */
        } else
            mag = aw;
        vdouble err = VABS(gv - wv), bound = tol * mag;
        vdouble ratio = err / VSELECT(bound > floor_bound, bound, floor_bound);
        vlong nonzero = wv != zero;
        vdouble rel = VSELECT(nonzero, err, zero) / VSELECT(nonzero, aw, one);
        err_sq += err * err;
        want_sq += wv * wv;
        max_abs = VSELECT(err > max_abs, err, max_abs);
        max_rel = VSELECT(rel > max_rel, rel, max_rel);
        vlong worse = ratio > worst;
        worst = VSELECT(worse, ratio, worst);
        worst_at = VSELECT(worse, at, worst_at);
        over -= ratio > one; /* a true lane is -1 */
    }
    for (int l = 0; l < VLANES; l++)
        if (!finite[l])
            return 0;
    for (int l = 0; l < VLANES; l++) {
        sc->err_sq += err_sq[l];
        sc->want_sq += want_sq[l];
        out->mismatches += (size_t)over[l];
        if (max_abs[l] > out->max_abs_err)
            out->max_abs_err = max_abs[l];
        if (max_rel[l] > out->max_rel_err)
            out->max_rel_err = max_rel[l];
        size_t i = i0 + (size_t)worst_at[l];
        if (worst[l] > out->max_err_ratio || (worst[l] == out->max_err_ratio && i < out->worst_index)) {
            out->max_err_ratio = worst[l];
            out->worst_index = i;
        }
    }
    return 1;
}

void kiln_verify_expect(const kiln_expect *e, const void *got, kiln_verify_report *out)
{
    memset(out, 0, sizeof *out);
    if (kiln_scalar_bytes(e->elem) == 0 || (!kiln_scalar_is_float(e->elem) && !e->exact) ||
        (kiln_scalar_is_float(e->elem) && !e->want)) {
        out->max_abs_err = out->max_rel_err = out->rel_l2_err = out->max_err_ratio = INFINITY;
        return;
    }
    if (!kiln_scalar_is_float(e->elem)) {
        verify_exact(e, got, out);
        return;
    }
    float_scan sc = {.e = e,
                     .tol = e->tolerance > 0 ? e->tolerance : kiln_tolerance(e->elem, e->terms),
                     /* a result flushed to zero is as right as a subnormal one */
                     .floor_bound = e->elem == KILN_F32 ? FLT_MIN : DBL_MIN};
    out->tolerance = sc.tol;
    out->max_err_ratio = -1; /* below any ratio: the first element is the worst until another is worse */
    enum { BLOCK = 1024 };
    double block[BLOCK];
    for (size_t i = 0; i < e->n; i += BLOCK) {
        size_t count = e->n - i < BLOCK ? e->n - i : BLOCK, whole = count - count % VLANES;
        to_double(e->elem, got, i, count, block);
        if (whole == 0 || !scan_finite_block(&sc, block, i, whole, out))
            whole = 0;
        scan_elements(&sc, block + whole, i + whole, count - whole, out);
    }
    if (out->max_err_ratio < 0)
        out->max_err_ratio = 0;
    if (out->nonfinite || sc.bad_special)
        out->rel_l2_err = INFINITY;
    else
        out->rel_l2_err = sc.want_sq > 0 ? sqrt(sc.err_sq) / sqrt(sc.want_sq) : sqrt(sc.err_sq);
    out->ok = !out->nonfinite && !sc.bad_special && out->max_err_ratio <= 1.0;
}

void kiln_poison(kiln_scalar elem, void *data, size_t n)
{
    kiln_poison_with(elem, data, n, 0);
}

void kiln_poison_with(kiln_scalar elem, void *data, size_t n, int pattern)
{
    if (elem == KILN_F32) {
        float *f = data;
        for (size_t i = 0; i < n; i++)
            f[i] = NAN;
    } else if (elem == KILN_F64) {
        double *d = data;
        for (size_t i = 0; i < n; i++)
            d[i] = NAN;
    } else {
        memset(data, pattern ? 0x5A : 0xA5, n * kiln_scalar_bytes(elem));
    }
}
