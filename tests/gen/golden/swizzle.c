#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t kiln_uchar4 __attribute__((vector_size(4)));
typedef float kiln_float4 __attribute__((vector_size(16)));
static inline kiln_uchar4 kiln_vload_uchar4(const uint8_t *p)
{
    kiln_uchar4 v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void kiln_vstore_uchar4(uint8_t *p, kiln_uchar4 v)
{
    memcpy(p, &v, sizeof v);
}
static inline kiln_uchar4 kiln_splat_uchar4(uint8_t x)
{
    kiln_uchar4 v;
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

static void swizzle(int32_t n, const float *restrict a, float *restrict b, uint8_t *restrict px, const size_t *kiln_global, const size_t *kiln_local)
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
            const int64_t i = (int64_t)(kiln_g0 * kiln_lsize0 + kiln_l0) * 4LL;
            const kiln_float4 v = kiln_vload_float4(a + i);
            kiln_vstore_float4(b + i, __builtin_shufflevector(v, v, 1, 2, 3, 0) + (kiln_float4){1.0f, 2.0f, 3.0f, 0.5f});
            const kiln_uchar4 p = kiln_vload_uchar4(px + i);
            kiln_vstore_uchar4(px + i, __builtin_shufflevector(p, p, 3, 2, 1, 0));
        }
    }
}

void swizzle_entry(void *const *args, const size_t *global, const size_t *local);
void swizzle_entry(void *const *args, const size_t *global, const size_t *local)
{
    size_t lsize[3] = {1, 1, 1};
    if (local && (local[0] | local[1] | local[2]) != 0)
        for (int d = 0; d < 3; d++)
            lsize[d] = local[d] ? local[d] : 1;
    swizzle(*(const int32_t *)args[0], (const float *)args[1], (float *)args[2], (uint8_t *)args[3], global, lsize);
}
