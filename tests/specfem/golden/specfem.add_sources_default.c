#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void kiln_atomic_add_f32(float *p, float v)
{
    float old, upd;
    __atomic_load(p, &old, __ATOMIC_RELAXED);
    do {
        upd = old + v;
    } while (!__atomic_compare_exchange(p, &old, &upd, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
}

static void specfem_add_sources(int32_t ispec_src, int32_t nspec, int32_t nglob, const int32_t *restrict ibool, const float *restrict sourcearray, float stf, float *restrict accel, const size_t *kiln_global, const size_t *kiln_local)
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
            const int32_t p = (int32_t)(int64_t)kiln_l0;
            if (p < 125) {
                const int32_t g = ibool[ispec_src * 128 + p];
                kiln_atomic_add_f32(&accel[g * 3], stf * sourcearray[p * 3]);
                kiln_atomic_add_f32(&accel[g * 3 + 1], stf * sourcearray[p * 3 + 1]);
                kiln_atomic_add_f32(&accel[g * 3 + 2], stf * sourcearray[p * 3 + 2]);
            }
        }
    }
}

void specfem_add_sources_entry(void *const *args, const size_t *global, const size_t *local);
void specfem_add_sources_entry(void *const *args, const size_t *global, const size_t *local)
{
    size_t lsize[3] = {128, 1, 1};
    if (local && (local[0] | local[1] | local[2]) != 0)
        for (int d = 0; d < 3; d++)
            lsize[d] = local[d] ? local[d] : 1;
    specfem_add_sources(*(const int32_t *)args[0], *(const int32_t *)args[1], *(const int32_t *)args[2], (const int32_t *)args[3], (const float *)args[4], *(const float *)args[5], (float *)args[6], global, lsize);
}
