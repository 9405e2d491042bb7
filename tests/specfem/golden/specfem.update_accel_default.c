#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static void specfem_update_accel(int32_t nglob, float *restrict accel, const float *restrict rmass, const size_t *kiln_global, const size_t *kiln_local)
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
            const int32_t gid = (int32_t)(int64_t)(kiln_g0 * kiln_lsize0 + kiln_l0);
            if (gid < nglob) {
                const float r = rmass[gid];
                accel[gid * 3] *= r;
                accel[gid * 3 + 1] *= r;
                accel[gid * 3 + 2] *= r;
            }
        }
    }
}

void specfem_update_accel_entry(void *const *args, const size_t *global, const size_t *local);
void specfem_update_accel_entry(void *const *args, const size_t *global, const size_t *local)
{
    size_t lsize[3] = {128, 1, 1};
    if (local && (local[0] | local[1] | local[2]) != 0)
        for (int d = 0; d < 3; d++)
            lsize[d] = local[d] ? local[d] : 1;
    specfem_update_accel(*(const int32_t *)args[0], (float *)args[1], (const float *)args[2], global, lsize);
}
