#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef int32_t kiln_int4 __attribute__((vector_size(16)));
typedef float kiln_float4 __attribute__((vector_size(16)));
static inline kiln_int4 kiln_vload_int4(const int32_t *p)
{
    kiln_int4 v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void kiln_vstore_int4(int32_t *p, kiln_int4 v)
{
    memcpy(p, &v, sizeof v);
}
static inline kiln_int4 kiln_splat_int4(int32_t x)
{
    kiln_int4 v;
    for (int i = 0; i < 4; i++)
        v[i] = x;
    return v;
}
static inline kiln_float4 kiln_vload_float4(const float *p)
{
    kiln_float4 v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void kiln_vstore_float4(float *p, kiln_float4 v)
{
    memcpy(p, &v, sizeof v);
}
static inline kiln_float4 kiln_splat_float4(float x)
{
    kiln_float4 v;
    for (int i = 0; i < 4; i++)
        v[i] = x;
    return v;
}
static inline kiln_float4 kiln_min_float4(kiln_float4 a, kiln_float4 b)
{
    kiln_float4 r;
    for (int i = 0; i < 4; i++)
        r[i] = fminf(a[i], b[i]);
    return r;
}
static inline kiln_float4 kiln_sqrt_float4(kiln_float4 a)
{
    kiln_float4 r;
    for (int i = 0; i < 4; i++)
        r[i] = sqrtf(a[i]);
    return r;
}

static void vectors(int32_t n, const float *restrict a, float *restrict b, int32_t *restrict k, const size_t *kiln_global, const size_t *kiln_local)
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
            int64_t i = (int64_t)(kiln_g0 * kiln_lsize0 + kiln_l0) * 4LL;
            kiln_float4 v = kiln_vload_float4(a + i);
            kiln_float4 u = kiln_sqrt_float4(v * kiln_splat_float4(2.0f));
            u[3] = v[0] + 1.0f;
            u = kiln_min_float4(u, v);
            kiln_vstore_float4(b + (i + 0LL), u);
            kiln_int4 iv = __builtin_convertvector(u, kiln_int4);
            kiln_vstore_int4(k + i, iv);
        }
    }
}

void vectors_entry(void *const *args, const size_t *global, const size_t *local);
void vectors_entry(void *const *args, const size_t *global, const size_t *local)
{
    size_t lsize[3] = {1, 1, 1};
    if (local && (local[0] | local[1] | local[2]) != 0)
        for (int d = 0; d < 3; d++)
            lsize[d] = local[d] ? local[d] : 1;
    vectors(*(const int32_t *)args[0], (const float *)args[1], (float *)args[2], (int32_t *)args[3], global, lsize);
}
