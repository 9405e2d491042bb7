/*
 * test_rt_verify: what counts as a right answer, and how times are summarised.
 *
 * The magnitude rule (kiln_verify_expect) is pinned on the cases that broke
 * the value-relative rule: sums that cancel, computed right in f32, pass; a
 * sum with one term of n left out fails; integers compare exactly in their
 * own type, 64-bit included.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "kiln/runtime.h"

static void test_stats(void)
{
    kiln_time_stats s;
    const double odd[] = {5, 1, 3};
    kiln_stats_of(odd, 3, &s);
    CHECK(s.samples == 3 && s.median_ns == 3 && s.min_ns == 1 && s.max_ns == 5);
    const double even[] = {10, 2, 8, 4};
    kiln_stats_of(even, 4, &s);
    CHECK_MSG(s.median_ns == 6, "median of even n is the mean of the two middle: %g", s.median_ns);
    CHECK(s.min_ns == 2 && s.max_ns == 10 && s.samples == 4);
    CHECK(even[0] == 10); /* the input is not sorted in place */
    kiln_stats_of(even, 0, &s);
    CHECK(s.samples == 0 && s.median_ns == 0);

    kiln_time_opts o;
    kiln_time_opts_default(&o);
    CHECK(o.warmup == 1 && o.min_reps == 3 && o.max_reps == 50 && o.budget_ms == 200);
}

static void test_float(void)
{
    enum { N = 100 };
    float got[N];
    double want[N];
    for (int i = 0; i < N; i++) {
        want[i] = 1.0 + i * 0.25;
        got[i] = (float)want[i];
    }
    kiln_verify_report r;
    CHECK(kiln_default_tolerance(KILN_F32) == 1e-4);
    CHECK(kiln_default_tolerance(KILN_F64) == 1e-10);
    kiln_verify(KILN_F32, got, want, N, 1e-4, &r);
    CHECK(r.ok && r.max_abs_err == 0 && r.rel_l2_err == 0 && r.nonfinite == 0);
    CHECK(r.tolerance == 1e-4);

    /* rounding-sized differences pass */
    got[10] = (float)(want[10] * (1 + 1e-6));
    kiln_verify(KILN_F32, got, want, N, 1e-4, &r);
    CHECK_MSG(r.ok, "max_rel %g", r.max_rel_err);

    /* one element off beyond tolerance */
    got[37] = (float)(want[37] * 1.01);
    kiln_verify(KILN_F32, got, want, N, 1e-4, &r);
    CHECK(!r.ok);
    CHECK_MSG(r.worst_index == 37, "worst_index %zu", r.worst_index);
    CHECK(fabs(r.max_rel_err - 0.01) < 1e-4);
    CHECK(r.max_abs_err > 0 && r.rel_l2_err > 0 && r.nonfinite == 0);
    got[37] = (float)want[37];

    /* an unwritten (poisoned) element */
    float poisoned[N];
    memcpy(poisoned, got, sizeof got);
    kiln_poison(KILN_F32, poisoned + 60, 1);
    CHECK(isnan(poisoned[60]));
    kiln_verify(KILN_F32, poisoned, want, N, 1e-4, &r);
    CHECK(!r.ok && r.nonfinite == 1 && r.worst_index == 60);

    /* a wholly poisoned output */
    kiln_poison(KILN_F32, poisoned, N);
    kiln_verify(KILN_F32, poisoned, want, N, 1e-4, &r);
    CHECK(!r.ok && r.nonfinite == N);

    /* elements near zero are judged against the array's scale, not themselves */
    double want0[4] = {1000.0, 0.0, -500.0, 0.0};
    double got0[4] = {1000.0, 1e-6, -500.0, 0.0};
    kiln_verify(KILN_F64, got0, want0, 4, 1e-5, &r);
    CHECK_MSG(r.ok, "rel %g l2 %g", r.max_rel_err, r.rel_l2_err);
    got0[1] = 1e-2; /* 1e-2 relative to the scale 1000 * 1e-3: too much */
    kiln_verify(KILN_F64, got0, want0, 4, 1e-5, &r);
    CHECK(!r.ok && r.worst_index == 1);

    /* a non-finite reference is met only by the same value */
    double wi[2] = {INFINITY, 1.0}, gi[2] = {INFINITY, 1.0};
    kiln_verify(KILN_F64, gi, wi, 2, 1e-10, &r);
    CHECK(r.ok);
    gi[0] = 3.0;
    kiln_verify(KILN_F64, gi, wi, 2, 1e-10, &r);
    CHECK(!r.ok);
}

static void test_int(void)
{
    enum { N = 50 };
    int32_t got[N];
    double want[N];
    for (int i = 0; i < N; i++) {
        got[i] = i * 1000 - 7;
        want[i] = i * 1000 - 7;
    }
    kiln_verify_report r;
    CHECK(kiln_default_tolerance(KILN_I32) == 0 && kiln_default_tolerance(KILN_U8) == 0);
    kiln_verify(KILN_I32, got, want, N, 0, &r);
    CHECK(r.ok && r.max_abs_err == 0);
    got[20] += 1;
    /* integers compare exactly even when a tolerance is passed */
    kiln_verify(KILN_I32, got, want, N, 0.5, &r);
    CHECK(!r.ok && r.worst_index == 20 && r.max_abs_err == 1 && r.tolerance == 0);

    int32_t poisoned[2];
    kiln_poison(KILN_I32, poisoned, 2);
    CHECK((uint32_t)poisoned[0] == 0xA5A5A5A5u && (uint32_t)poisoned[1] == 0xA5A5A5A5u);

    uint64_t big[2] = {UINT64_C(1) << 40, 3};
    double wbig[2] = {1099511627776.0, 3.0};
    kiln_verify(KILN_U64, big, wbig, 2, 0, &r);
    CHECK(r.ok);
    uint8_t bytes[3] = {0, 255, 7};
    double wbytes[3] = {0, 255, 7};
    kiln_verify(KILN_U8, bytes, wbytes, 3, 0, &r);
    CHECK(r.ok);
}

/* A 3-point second difference u[i-1] - 2 u[i] + u[i+1] of smooth data, in
 * f32: the result is ~h^2 times the terms, so relative to itself its rounding
 * error is large, yet the kernel is right. */
static void test_second_difference(void)
{
    enum { N = 4096 };
    static float u[N + 2], got[N];
    static double want[N], mag[N];
    for (int i = 0; i < N + 2; i++)
        u[i] = (float)sin(0.001 * i);
    for (int i = 0; i < N; i++) {
        got[i] = u[i] - 2.0f * u[i + 1] + u[i + 2];
        want[i] = (double)u[i] - 2.0 * u[i + 1] + (double)u[i + 2];
        mag[i] = fabs((double)u[i]) + 2.0 * fabs((double)u[i + 1]) + fabs((double)u[i + 2]);
    }
    kiln_verify_report r;
    kiln_verify(KILN_F32, got, want, N, kiln_default_tolerance(KILN_F32), &r);
    CHECK_MSG(!r.ok, "the value-relative rule rejects this right kernel (max rel err %g)", r.max_rel_err);
    kiln_expect e = {.elem = KILN_F32, .n = N, .want = want, .magnitude = mag, .terms = 3};
    kiln_verify_expect(&e, got, &r);
    CHECK_MSG(r.ok && r.max_err_ratio <= 1, "second difference: ratio %g at %zu", r.max_err_ratio, r.worst_index);
    /* one element one part in 1e5 of its terms off is caught */
    float saved = got[1234];
    got[1234] += (float)(1e-5 * mag[1234]);
    kiln_verify_expect(&e, got, &r);
    CHECK_MSG(!r.ok && r.worst_index == 1234 && r.mismatches == 1, "ratio %g at %zu", r.max_err_ratio, r.worst_index);
    got[1234] = saved;
}

/* A signed 16-tap filter minus its centre: the centre weight is minus the
 * sum of the others, so on smooth data the taps cancel to a small result. */
static void test_filter_minus_centre(void)
{
    enum { N = 4096, TAPS = 16, CENTRE = TAPS / 2 };
    static float x[N + TAPS], got[N];
    static double want[N], mag[N];
    float c[TAPS];
    double others = 0;
    for (int k = 0; k < TAPS; k++) {
        c[k] = k == CENTRE ? 0.0f : (float)((k % 2 ? -1.0 : 1.0) * (0.5 + 0.03 * k));
        others += c[k];
    }
    c[CENTRE] = (float)-others;
    for (int i = 0; i < N + TAPS; i++)
        x[i] = (float)(2.0 + sin(0.002 * i));
    for (int i = 0; i < N; i++) {
        float acc = 0;
        double w = 0, m = 0;
        for (int k = 0; k < TAPS; k++) {
            acc += c[k] * x[i + k];
            w += (double)c[k] * x[i + k];
            m += fabs((double)c[k] * x[i + k]);
        }
        got[i] = acc;
        want[i] = w;
        mag[i] = m;
    }
    kiln_verify_report r;
    kiln_verify(KILN_F32, got, want, N, kiln_default_tolerance(KILN_F32), &r);
    CHECK_MSG(!r.ok, "the value-relative rule rejects this right kernel (max rel err %g)", r.max_rel_err);
    kiln_expect e = {.elem = KILN_F32, .n = N, .want = want, .magnitude = mag, .terms = TAPS};
    kiln_verify_expect(&e, got, &r);
    CHECK_MSG(r.ok, "filter: ratio %g at %zu", r.max_err_ratio, r.worst_index);
}

/* n positive terms in [1, 2) summed in f32 pass; the same sum with one term
 * left out fails, for every n up to 16384. */
static void test_missing_term(void)
{
    static const int ns[] = {16, 1024, 16384};
    enum { OUTS = 64 };
    for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
        int n = ns[t];
        float *terms = malloc((size_t)n * sizeof *terms);
        float got[OUTS], short_by_one[OUTS];
        double want[OUTS], mag[OUTS];
        uint64_t st = (uint64_t)n;
        for (int o = 0; o < OUTS; o++) {
            float acc = 0;
            double w = 0;
            for (int i = 0; i < n; i++) {
                st = st * 6364136223846793005ULL + 1442695040888963407ULL;
                terms[i] = (float)(1.0 + (double)(st >> 40) / (double)(1 << 24));
                acc += terms[i];
                w += terms[i];
            }
            got[o] = acc;
            want[o] = mag[o] = w;
            short_by_one[o] = acc - terms[(o * 37) % n];
        }
        kiln_expect e = {.elem = KILN_F32, .n = OUTS, .want = want, .magnitude = mag, .terms = n};
        kiln_verify_report r;
        kiln_verify_expect(&e, got, &r);
        CHECK_MSG(r.ok, "n = %d: the full f32 sum fails (ratio %g)", n, r.max_err_ratio);
        kiln_verify_expect(&e, short_by_one, &r);
        CHECK_MSG(!r.ok && r.mismatches == OUTS, "n = %d: %zu of %d sums missing a term pass", n,
                  OUTS - r.mismatches, OUTS);
        /* a single sum missing its term is enough */
        float keep = got[5];
        got[5] = short_by_one[5];
        kiln_verify_expect(&e, got, &r);
        CHECK_MSG(!r.ok && r.worst_index == 5, "n = %d: one short sum passes", n);
        got[5] = keep;
        free(terms);
    }
    /* the bound follows the precision and the number of terms */
    CHECK(kiln_tolerance(KILN_F32, 1) == KILN_VERIFY_LAMBDA * 0x1p-24);
    CHECK(kiln_tolerance(KILN_F64, 16) == KILN_VERIFY_LAMBDA * 4 * 0x1p-53);
    CHECK(kiln_tolerance(KILN_I32, 16) == 0);
}

/* Integers, 64-bit included, compare exactly in their own type: values
 * above 2^53 that differ by one are the same double. */
static void test_exact_integers(void)
{
    int64_t want_i[3] = {(INT64_C(1) << 60) + 1, -((INT64_C(1) << 55) + 3), 7};
    int64_t got_i[3] = {(INT64_C(1) << 60) + 1, -((INT64_C(1) << 55) + 3), 7};
    kiln_expect e = {.elem = KILN_I64, .n = 3, .exact = want_i};
    kiln_verify_report r;
    kiln_verify_expect(&e, got_i, &r);
    CHECK(r.ok && r.mismatches == 0);
    got_i[1] -= 1;
    kiln_verify_expect(&e, got_i, &r);
    CHECK_MSG(!r.ok && r.worst_index == 1 && r.max_abs_err == 1, "i64 off by one: ok %d index %zu err %g", r.ok,
              r.worst_index, r.max_abs_err);
    double through_double[3] = {(double)want_i[0], (double)want_i[1], 7};
    kiln_verify(KILN_I64, got_i, through_double, 3, 0, &r);
    CHECK_MSG(r.ok, "through double the difference is invisible (the reason for exact references)");

    uint64_t want_u[2] = {UINT64_MAX, (UINT64_C(1) << 53) + 1}, got_u[2] = {UINT64_MAX, (UINT64_C(1) << 53)};
    e = (kiln_expect){.elem = KILN_U64, .n = 2, .exact = want_u};
    kiln_verify_expect(&e, got_u, &r);
    CHECK(!r.ok && r.worst_index == 1 && r.max_abs_err == 1);
    got_u[1]++;
    kiln_verify_expect(&e, got_u, &r);
    CHECK(r.ok);

    /* two poison patterns differ in every byte, so an unwritten element
     * cannot match one reference in both runs */
    uint8_t p0[4], p1[4];
    kiln_poison_with(KILN_U8, p0, 4, 0);
    kiln_poison_with(KILN_U8, p1, 4, 1);
    CHECK(p0[0] == 0xA5 && p1[0] == 0x5A && p0[3] != p1[3]);
    uint8_t want_b[4] = {0xA5, 0xA5, 0xA5, 0xA5};
    e = (kiln_expect){.elem = KILN_U8, .n = 4, .exact = want_b};
    kiln_verify_expect(&e, p0, &r);
    CHECK(r.ok); /* the first poison alone is a legal value */
    kiln_verify_expect(&e, p1, &r);
    CHECK(!r.ok && r.mismatches == 4);

    /* floats: NaN where the reference is finite is an unwritten element */
    float f[2];
    double wf[2] = {1, 2};
    kiln_poison_with(KILN_F32, f, 2, 1);
    f[0] = 1;
    e = (kiln_expect){.elem = KILN_F32, .n = 2, .want = wf};
    kiln_verify_expect(&e, f, &r);
    CHECK(!r.ok && r.nonfinite == 1 && r.worst_index == 1);
}

/* ---- the magnitude rule, element by element (an independent statement) --- */

/* The rule of kiln_verify_expect for floating outputs written as plainly as
 * it reads, one element at a time: what the verifier must agree with
 * whatever way it is computed. */
static void rule_by_element(const kiln_expect *e, const void *got, kiln_verify_report *r)
{
    memset(r, 0, sizeof *r);
    r->tolerance = e->tolerance > 0 ? e->tolerance : kiln_tolerance(e->elem, e->terms);
    double floor_bound = e->elem == KILN_F32 ? FLT_MIN : DBL_MIN, err_sq = 0, want_sq = 0;
    int bad_special = 0;
    r->max_err_ratio = -1;
    for (size_t i = 0; i < e->n; i++) {
        double g = e->elem == KILN_F32 ? ((const float *)got)[i] : ((const double *)got)[i], w = e->want[i];
        double err, ratio;
        if (!isfinite(w)) {
            int same = (isnan(w) && isnan(g)) || g == w;
            err = ratio = same ? 0.0 : INFINITY;
            bad_special |= !same;
        } else if (!isfinite(g)) {
            r->nonfinite++;
            err = ratio = INFINITY;
        } else {
            double mag = fabs(w);
            if (e->magnitude && e->magnitude[i] > mag)
                mag = e->magnitude[i];
            err = fabs(g - w);
            double bound = r->tolerance * mag;
            ratio = err / (bound > floor_bound ? bound : floor_bound);
            if (w != 0 && err / fabs(w) > r->max_rel_err)
                r->max_rel_err = err / fabs(w);
            err_sq += err * err;
            want_sq += w * w;
        }
        r->mismatches += ratio > 1;
        if (ratio > r->max_err_ratio) { /* the first of equal worst elements */
            r->max_err_ratio = ratio;
            r->worst_index = i;
        }
        if (err > r->max_abs_err)
            r->max_abs_err = err;
    }
    if (r->max_err_ratio < 0)
        r->max_err_ratio = 0;
    r->rel_l2_err = r->nonfinite || bad_special ? INFINITY : want_sq > 0 ? sqrt(err_sq) / sqrt(want_sq) : sqrt(err_sq);
    r->ok = !r->nonfinite && !bad_special && r->max_err_ratio <= 1.0;
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static double rng_unit(uint64_t *s)
{
    return (double)(rng_next(s) >> 11) / 9007199254740992.0;
}

/* Random outputs, right, wrong, unwritten, special, tied, subnormal, at
 * lengths on and off any block or vector width: the verifier's report is
 * the element-by-element rule's (the L2 error up to its summation order). */
static void test_expect_matches_rule(void)
{
    uint64_t s = 0x9e3779b97f4a7c15ULL;
    int cases = 0, differ = 0;
    for (int c = 0; c < 600; c++) {
        size_t n = c < 40 ? (size_t)c : (size_t)(rng_next(&s) % 5000);
        kiln_scalar elem = c % 2 ? KILN_F64 : KILN_F32;
        double *want = malloc((n + 1) * sizeof *want), *mag = malloc((n + 1) * sizeof *mag);
        double *gd = malloc((n + 1) * sizeof *gd);
        float *gf = malloc((n + 1) * sizeof *gf);
        if (!want || !mag || !gd || !gf)
            abort();
        double u = elem == KILN_F32 ? 0x1p-24 : 0x1p-53;
        int kind = c % 7; /* what this case stresses */
        for (size_t i = 0; i < n; i++) {
            double w = (rng_unit(&s) * 2 - 1) * (kind == 5 ? 1e-300 : 100.0);
            if (kind == 6 && rng_next(&s) % 3 == 0)
                w = 0.0;
            want[i] = w;
            mag[i] = fabs(w) * (1 + 30 * rng_unit(&s));
            double g = w + (rng_unit(&s) * 2 - 1) * u * mag[i] * 4;
            if (rng_next(&s) % 97 == 0)
                g = w * (1 + 1e-3) + 1e-3; /* far off */
            if (kind == 1 && rng_next(&s) % 211 == 0)
                g = NAN; /* an unwritten element */
            if (kind == 2 && rng_next(&s) % 300 == 0)
                want[i] = rng_next(&s) % 2 ? INFINITY : NAN, g = rng_next(&s) % 2 ? want[i] : 1.0;
            if (kind == 3 && rng_next(&s) % 150 == 0)
                g = -INFINITY;
            if (kind == 4)
                g = w + (i % 5 == 0 ? 1.0 : 0.0); /* many elements with the same, worst, error */
            gd[i] = g;
            gf[i] = (float)g;
        }
        kiln_expect e = {.elem = elem, .n = n, .want = want, .magnitude = c % 3 ? mag : NULL, .terms = 64,
                         .tolerance = c % 5 == 0 ? 1e-3 : 0};
        const void *got = elem == KILN_F32 ? (const void *)gf : (const void *)gd;
        kiln_verify_report r, ref;
        kiln_verify_expect(&e, got, &r);
        rule_by_element(&e, got, &ref);
        int l2_same = (isinf(r.rel_l2_err) && isinf(ref.rel_l2_err)) ||
                      fabs(r.rel_l2_err - ref.rel_l2_err) <= 1e-12 * fabs(ref.rel_l2_err);
        int same = r.ok == ref.ok && r.mismatches == ref.mismatches && r.nonfinite == ref.nonfinite &&
                   r.worst_index == ref.worst_index && r.max_err_ratio == ref.max_err_ratio &&
                   r.max_abs_err == ref.max_abs_err && r.max_rel_err == ref.max_rel_err &&
                   r.tolerance == ref.tolerance && l2_same;
        if (!same && differ++ < 5)
            CHECK_MSG(0,
                      "case %d (n %zu, %s, kind %d): ok %d/%d mismatches %zu/%zu nonfinite %zu/%zu worst %zu/%zu "
                      "ratio %.17g/%.17g abs %.17g/%.17g rel %.17g/%.17g l2 %.17g/%.17g",
                      c, n, elem == KILN_F32 ? "f32" : "f64", kind, r.ok, ref.ok, r.mismatches, ref.mismatches,
                      r.nonfinite, ref.nonfinite, r.worst_index, ref.worst_index, r.max_err_ratio,
                      ref.max_err_ratio, r.max_abs_err, ref.max_abs_err, r.max_rel_err, ref.max_rel_err,
                      r.rel_l2_err, ref.rel_l2_err);
        cases++;
        free(want);
        free(mag);
        free(gd);
        free(gf);
    }
    CHECK_MSG(differ == 0, "%d of %d random cases differ from the element-by-element rule", differ, cases);
}

int main(void)
{
    test_stats();
    test_float();
    test_int();
    test_second_difference();
    test_filter_minus_centre();
    test_missing_term();
    test_exact_integers();
    test_expect_matches_rule();
    CHECK_DONE();
}
