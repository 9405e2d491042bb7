#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static void matmul(int32_t n, const float *restrict a, const float *restrict b, float *restrict c, const size_t *kiln_global, const size_t *kiln_local)
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
            // tile 8, wpt 1, vec 1, unroll 1, local 0
            const int32_t lx = (int32_t)(int64_t)kiln_l0;
            const int32_t ly = (int32_t)(int64_t)kiln_l1;
            const int32_t tile_row = (int32_t)(int64_t)kiln_g1 * 8;
            const int32_t tile_col = (int32_t)(int64_t)kiln_g0 * 8;
            const int32_t col = tile_col + lx;
            const int32_t row0 = tile_row + ly;
            float acc0 = 0.0f;
            for (int32_t k = 0; k < n; k += 1) {
                const float bv = b[k * n + col];
                acc0 += a[row0 * n + k] * bv;
            }
            c[row0 * n + col] = acc0;
        }
    }
}

void matmul_entry(void *const *args, const size_t *global, const size_t *local);
void matmul_entry(void *const *args, const size_t *global, const size_t *local)
{
    size_t lsize[3] = {8, 8, 1};
    if (local && (local[0] | local[1] | local[2]) != 0)
        for (int d = 0; d < 3; d++)
            lsize[d] = local[d] ? local[d] : 1;
    matmul(*(const int32_t *)args[0], (const float *)args[1], (const float *)args[2], (float *)args[3], global, lsize);
}
