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
    out->tolerance = e->tolerance > 0 ? e->tolerance : kiln_tolerance(e->elem, e->terms);
    /* a result flushed to zero is as right as a subnormal one */
    const double floor_bound = e->elem == KILN_F32 ? FLT_MIN : DBL_MIN;
    double err_sq = 0, want_sq = 0;
    int mismatch = 0;
    enum { BLOCK = 1024 };
    double block[BLOCK];
    for (size_t i = 0; i < e->n; i++) {
        if (i % BLOCK == 0)
            to_double(e->elem, got, i, e->n - i < BLOCK ? e->n - i : BLOCK, block);
        double g = block[i % BLOCK], w = e->want[i], abs_err, ratio;
        if (!isfinite(w)) {
            int same = (isnan(w) && isnan(g)) || g == w;
            abs_err = ratio = same ? 0.0 : INFINITY;
            mismatch |= !same;
        } else if (!isfinite(g)) {
            out->nonfinite++;
            abs_err = ratio = INFINITY;
        } else {
            double mag = e->magnitude ? fmax(e->magnitude[i], fabs(w)) : fabs(w);
            abs_err = fabs(g - w);
            ratio = abs_err / fmax(out->tolerance * mag, floor_bound);
            if (w != 0 && abs_err / fabs(w) > out->max_rel_err)
                out->max_rel_err = abs_err / fabs(w);
            err_sq += abs_err * abs_err;
            want_sq += w * w;
        }
        if (ratio > 1)
            out->mismatches++;
        if (ratio > out->max_err_ratio || i == 0) {
            out->max_err_ratio = ratio;
            out->worst_index = i;
        }
        if (abs_err > out->max_abs_err)
            out->max_abs_err = abs_err;
    }
    if (out->nonfinite || mismatch)
        out->rel_l2_err = INFINITY;
    else
        out->rel_l2_err = want_sq > 0 ? sqrt(err_sq) / sqrt(want_sq) : sqrt(err_sq);
    out->ok = !out->nonfinite && !mismatch && out->max_err_ratio <= 1.0;
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
