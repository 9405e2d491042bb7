#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline int32_t kiln_modp_i32(int32_t a, int32_t b)
{
    int32_t r = a % b;
    return r < 0 ? r + b : r;
}

static void arith(int32_t n, const float *restrict a, float *restrict b, int32_t *restrict m, const size_t *kiln_global, const size_t *kiln_local)
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
            int32_t i = (int32_t)(int64_t)(kiln_g0 * kiln_lsize0 + kiln_l0);
            // guard the tail
            if (i >= n) {
                goto kiln_next_0;
            }
            float x = a[i];
            float y = (x * 2.0f + 1.0f) / (x - 3.0f);
            y += x - (y - 0.5f);
            int32_t w = kiln_modp_i32(i - 5, 7);
            int32_t s = w < 3 && (i != 0 || n == 1) ? (w << 2) & 255 : -(-w);
            s ^= i >> 1;
            s %= 1000;
            int32_t j = 0;
            while (j < 4) {
                j += 1;
            }
            if (!(y < 0.0f)) {
                b[i] = y + (float)s;
            } else {
                b[i] = -y;
            }
            m[i] = m[i] + (j | ~-2);
            kiln_next_0:;
        }
    }
}

void arith_entry(void *const *args, const size_t *global, const size_t *local);
void arith_entry(void *const *args, const size_t *global, const size_t *local)
{
    size_t lsize[3] = {1, 1, 1};
    if (local && (local[0] | local[1] | local[2]) != 0)
        for (int d = 0; d < 3; d++)
            lsize[d] = local[d] ? local[d] : 1;
    arith(*(const int32_t *)args[0], (const float *)args[1], (float *)args[2], (int32_t *)args[3], global, lsize);
}
