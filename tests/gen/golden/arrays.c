#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static const float w[12] = {
    1.0f, -2.0f, 3.0f, -4.0f, 5.0f, -6.0f, 7.0f, -8.0f,
    9.0f, -1e+01f, 11.0f, -12.0f
};

static void arrays(int32_t n, const float *restrict a, float *restrict b, const size_t *kiln_global, const size_t *kiln_local)
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
            float tmp[12];
            int32_t i = (int32_t)(int64_t)(kiln_g0 * kiln_lsize0 + kiln_l0);
            for (int32_t r = 0; r < 3; r += 1) {
                for (int32_t q = 0; q < 4; q += 1) {
                    tmp[r * 4 + q] = a[i] * (float)r + (float)q;
                }
            }
            float acc = 0.0f;
            for (int32_t q = 0; q < 4; q += 1) {
                for (int32_t r = 0; r < 3; r += 1) {
                    acc += tmp[r * 4 + q] * w[r * 4 + q];
                }
            }
            b[i] = acc;
        }
    }
}

void arrays_entry(void *const *args, const size_t *global, const size_t *local);
void arrays_entry(void *const *args, const size_t *global, const size_t *local)
{
    size_t lsize[3] = {1, 1, 1};
    if (local && (local[0] | local[1] | local[2]) != 0)
        for (int d = 0; d < 3; d++)
            lsize[d] = local[d] ? local[d] : 1;
    arrays(*(const int32_t *)args[0], (const float *)args[1], (float *)args[2], global, lsize);
}
