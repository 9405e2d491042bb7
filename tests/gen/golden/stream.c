#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__x86_64__) && !defined(__clang__)
#include <immintrin.h>
#endif
#if defined(__GNUC__) || defined(__clang__)
#define kiln_prefetch(p) __builtin_prefetch((p), 0, 3)
#else
#define kiln_prefetch(p) ((void)(p))
#endif

typedef double kiln_double2 __attribute__((vector_size(16)));
static inline kiln_double2 kiln_vload_double2(const double *p)
{
    kiln_double2 v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void kiln_vstore_double2(double *p, kiln_double2 v)
{
    memcpy(p, &v, sizeof v);
}
static inline kiln_double2 kiln_splat_double2(double x)
{
    kiln_double2 v;
    for (int i = 0; i < 2; i++)
        v[i] = x;
    return v;
}
static inline void kiln_vstream_double2(double *p, kiln_double2 v)
{
#if defined(__clang__)
    if (((uintptr_t)p & (sizeof v - 1)) == 0) {
        __builtin_nontemporal_store(v, (kiln_double2 *)p);
        return;
    }
#elif defined(__x86_64__) && defined(__SSE2__)
    if (((uintptr_t)p & (sizeof v - 1)) == 0) {
        _mm_stream_pd(p, (__m128d)v);
        return;
    }
#endif
    memcpy(p, &v, sizeof v);
}

static void stream(int32_t n, const double *restrict a, double *restrict b, double *restrict f, const size_t *kiln_global, const size_t *kiln_local)
{
    const size_t kiln_lsize0 = kiln_local[0];
    const size_t kiln_lsize1 = kiln_local[1];
    const size_t kiln_lsize2 = kiln_local[2];
    const size_t kiln_ng0 = kiln_global[0] / kiln_lsize0;
    const size_t kiln_ng1 = kiln_global[1] / kiln_lsize1;
    const size_t kiln_ng2 = kiln_global[2] / kiln_lsize2;
    for (size_t kiln_g2 = 0; kiln_g2 < kiln_ng2; kiln_g2++)
    for (size_t kiln_g1 = 0; kiln_g1 < kiln_ng1; kiln_g1++)
    for (size_t kiln_g0 = 0; kiln_g0 < kiln_ng0; kiln_g0++) {
        for (size_t kiln_l2 = 0; kiln_l2 < kiln_lsize2; kiln_l2++)
        for (size_t kiln_l1 = 0; kiln_l1 < kiln_lsize1; kiln_l1++)
        for (size_t kiln_l0 = 0; kiln_l0 < kiln_lsize0; kiln_l0++) {
            const int32_t i = (int32_t)(int64_t)(kiln_g0 * kiln_lsize0 + kiln_l0) * 2;
            kiln_prefetch(&a[i + 1]);
            const kiln_double2 v = kiln_vload_double2(a + i);
            kiln_vstream_double2(b + i, v * kiln_splat_double2(2.0f));
            kiln_vstream_double2(f + (i + 1), v + kiln_splat_double2(1.0f));
        }
    }
}

void stream_entry(void *const *args, const size_t *global, const size_t *local);
void stream_entry(void *const *args, const size_t *global, const size_t *local)
{
    size_t lsize[3] = {1, 1, 1};
    if (local && (local[0] | local[1] | local[2]) != 0)
        for (int d = 0; d < 3; d++)
            lsize[d] = local[d] ? local[d] : 1;
    stream(*(const int32_t *)args[0], (const double *)args[1], (double *)args[2], (double *)args[3], global, lsize);
}
