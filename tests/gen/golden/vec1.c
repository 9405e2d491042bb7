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

static void vec1(int32_t nx, int32_t ny, const float *restrict img, float *restrict out, float *restrict out1, const size_t *kiln_global, const size_t *kiln_local)
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
            const int32_t x = (int32_t)(int64_t)(kiln_g0 * kiln_lsize0 + kiln_l0) * 4;
            const int32_t y = (int32_t)(int64_t)(kiln_g1 * kiln_lsize1 + kiln_l1);
            const kiln_float4 v = kiln_vload_float4(img + (y * nx + x));
            kiln_vstore_float4(out + (y * nx + x), v * kiln_splat_float4(2.0f));
            for (int32_t l = 0; l < 4; l += 1) {
                const int32_t xl = x + l;
                const float s = img[y * nx + xl];
                out1[y * nx + xl] = s + 1.0f;
            }
        }
    }
}

void vec1_entry(void *const *args, const size_t *global, const size_t *local);
void vec1_entry(void *const *args, const size_t *global, const size_t *local)
{
    size_t lsize[3] = {1, 1, 1};
    if (local && (local[0] | local[1] | local[2]) != 0)
        for (int d = 0; d < 3; d++)
            lsize[d] = local[d] ? local[d] : 1;
    vec1(*(const int32_t *)args[0], *(const int32_t *)args[1], (const float *)args[2], (float *)args[3], (float *)args[4], global, lsize);
}
