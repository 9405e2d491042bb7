#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef float kiln_float4 __attribute__((vector_size(16)));
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

static void aligned(int32_t n, const float *restrict a, float *restrict b, const size_t *kiln_global, const size_t *kiln_local)
{
    const size_t kiln_lsize0 = kiln_local[0];
    const size_t kiln_lsize1 = kiln_local[1];
    const size_t kiln_lsize2 = kiln_local[2];
    const size_t kiln_ng0 = kiln_global[0] / kiln_lsize0;
    const size_t kiln_ng1 = kiln_global[1] / kiln_lsize1;
    const size_t kiln_ng2 = kiln_global[2] / kiln_lsize2;
    const size_t kiln_wg_size = kiln_lsize0 * kiln_lsize1 * kiln_lsize2;
    for (size_t kiln_g2 = 0; kiln_g2 < kiln_ng2; kiln_g2++)
    for (size_t kiln_g1 = 0; kiln_g1 < kiln_ng1; kiln_g1++)
    for (size_t kiln_g0 = 0; kiln_g0 < kiln_ng0; kiln_g0++) {
        float t[16];
        int32_t l[kiln_wg_size];
        int32_t i[kiln_wg_size];
        for (size_t kiln_l2 = 0; kiln_l2 < kiln_lsize2; kiln_l2++)
        for (size_t kiln_l1 = 0; kiln_l1 < kiln_lsize1; kiln_l1++)
        for (size_t kiln_l0 = 0; kiln_l0 < kiln_lsize0; kiln_l0++) {
            const size_t kiln_lid = (kiln_l2 * kiln_lsize1 + kiln_l1) * kiln_lsize0 + kiln_l0;
            l[kiln_lid] = (int32_t)(int64_t)kiln_l0;
            i[kiln_lid] = (int32_t)(int64_t)(kiln_g0 * kiln_lsize0 + kiln_l0) * 4;
            kiln_vstore_float4(t + l[kiln_lid] * 4, kiln_vload_float4(a + i[kiln_lid]) * kiln_splat_float4(2.0f));
        }
        for (size_t kiln_l2 = 0; kiln_l2 < kiln_lsize2; kiln_l2++)
        for (size_t kiln_l1 = 0; kiln_l1 < kiln_lsize1; kiln_l1++)
        for (size_t kiln_l0 = 0; kiln_l0 < kiln_lsize0; kiln_l0++) {
            const size_t kiln_lid = (kiln_l2 * kiln_lsize1 + kiln_l1) * kiln_lsize0 + kiln_l0;
            const kiln_float4 v = kiln_vload_float4(t + ((l[kiln_lid] + 1) & 3) * 4);
            kiln_vstore_float4(b + i[kiln_lid], v + kiln_splat_float4(1.0f));
        }
    }
}

void aligned_entry(void *const *args, const size_t *global, const size_t *local);
void aligned_entry(void *const *args, const size_t *global, const size_t *local)
{
    size_t lsize[3] = {1, 1, 1};
    if (local && (local[0] | local[1] | local[2]) != 0)
        for (int d = 0; d < 3; d++)
            lsize[d] = local[d] ? local[d] : 1;
    aligned(*(const int32_t *)args[0], (const float *)args[1], (float *)args[2], global, lsize);
}
