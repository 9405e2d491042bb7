#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static void five_point(int32_t nx, int32_t ny, const float *restrict in, float *restrict out, const size_t *kiln_global, const size_t *kiln_local)
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
            const int32_t x = (int32_t)(int64_t)(kiln_g0 * kiln_lsize0 + kiln_l0);
            const int32_t y = (int32_t)(int64_t)(kiln_g1 * kiln_lsize1 + kiln_l1);
            if (x >= 1 && y >= 1 && x < nx - 1 && y < ny - 1) {
                out[y * nx + x] = in[(y - 1) * nx + x] + in[(y + 1) * nx + x] + in[y * nx + (x - 1)] + in[y * nx + (x + 1)] - 4.0f * in[y * nx + x];
            } else {
                out[y * nx + x] = in[y * nx + x];
            }
        }
    }
}

void five_point_entry(void *const *args, const size_t *global, const size_t *local);
void five_point_entry(void *const *args, const size_t *global, const size_t *local)
{
    size_t lsize[3] = {1, 1, 1};
    if (local && (local[0] | local[1] | local[2]) != 0)
        for (int d = 0; d < 3; d++)
            lsize[d] = local[d] ? local[d] : 1;
    five_point(*(const int32_t *)args[0], *(const int32_t *)args[1], (const float *)args[2], (float *)args[3], global, lsize);
}
