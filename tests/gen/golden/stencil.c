#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline int32_t kiln_modp_i32(int32_t a, int32_t b)
{
    int32_t r = a % b;
    return r < 0 ? r + b : r;
}

static const float taps[5] = {
    0.0625f, 0.25f, 0.375f, 0.25f, 0.0625f
};

static float weight(float t)
{
    return t * t;
}

static void stencil(int32_t n, const float *restrict a, float *restrict b, const size_t *kiln_global, const size_t *kiln_local)
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
            float tmp[6];
            int32_t i = (int32_t)(int64_t)(kiln_g0 * kiln_lsize0 + kiln_l0);
            float acc = 0.0f;
            {
                acc += taps[0] * a[kiln_modp_i32(i + -2, n)];
            }
            {
                acc += taps[1] * a[kiln_modp_i32(i + -1, n)];
            }
            {
                acc += taps[2] * a[kiln_modp_i32(i, n)];
            }
            {
                acc += taps[3] * a[kiln_modp_i32(i + 1, n)];
            }
            {
                acc += taps[4] * a[kiln_modp_i32(i + 2, n)];
            }
            tmp[5] = weight(acc);
            b[i] = tmp[5];
        }
    }
}

void stencil_entry(void *const *args, const size_t *global, const size_t *local);
void stencil_entry(void *const *args, const size_t *global, const size_t *local)
{
    size_t lsize[3] = {16, 1, 1};
    if (local && (local[0] | local[1] | local[2]) != 0)
        for (int d = 0; d < 3; d++)
            lsize[d] = local[d] ? local[d] : 1;
    stencil(*(const int32_t *)args[0], (const float *)args[1], (float *)args[2], global, lsize);
}
