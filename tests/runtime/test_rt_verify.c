/* test_rt_verify: what counts as a right answer, and how times are summarised. */
#include <stdint.h>
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

int main(void)
{
    test_stats();
    test_float();
    test_int();
    CHECK_DONE();
}
