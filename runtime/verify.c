/*
 * verify.c: is a variant's output right? Outputs are compared to a double
 * precision reference by norms, never by exact equality for floats: a
 * relative L2 error over the whole array and a per-element bound relative to
 * the element (or, for elements near zero, to the array's scale). Integers
 * compare exactly. Non-finite outputs where the reference is finite are
 * counted apart: they are the trace of an element the kernel never wrote
 * (kiln_poison fills outputs with NaN before a run).
 */
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

void kiln_poison(kiln_scalar elem, void *data, size_t n)
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
        memset(data, 0xA5, n * kiln_scalar_bytes(elem));
    }
}
