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

static void reduce(int32_t n, const float *restrict x, float *restrict part, float *restrict total, int32_t *restrict count, const size_t *kiln_global, const size_t *kiln_local)
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
        float buf[64];
        int64_t lid[kiln_wg_size];
        for (size_t kiln_l2 = 0; kiln_l2 < kiln_lsize2; kiln_l2++)
        for (size_t kiln_l1 = 0; kiln_l1 < kiln_lsize1; kiln_l1++)
        for (size_t kiln_l0 = 0; kiln_l0 < kiln_lsize0; kiln_l0++) {
            const size_t kiln_lid = (kiln_l2 * kiln_lsize1 + kiln_l1) * kiln_lsize0 + kiln_l0;
            lid[kiln_lid] = (int64_t)kiln_l0;
            int64_t gid = (int64_t)(kiln_g0 * kiln_lsize0 + kiln_l0);
            buf[lid[kiln_lid]] = gid < (int64_t)n ? x[gid] : 0.0f;
        }
        for (int32_t step = 0; step < 6; step += 1) {
            int32_t stride = 32 >> step;
            for (size_t kiln_l2 = 0; kiln_l2 < kiln_lsize2; kiln_l2++)
            for (size_t kiln_l1 = 0; kiln_l1 < kiln_lsize1; kiln_l1++)
            for (size_t kiln_l0 = 0; kiln_l0 < kiln_lsize0; kiln_l0++) {
                const size_t kiln_lid = (kiln_l2 * kiln_lsize1 + kiln_l1) * kiln_lsize0 + kiln_l0;
                if (lid[kiln_lid] < (int64_t)stride) {
                    buf[lid[kiln_lid]] += buf[lid[kiln_lid] + (int64_t)stride];
                }
            }
        }
        for (size_t kiln_l2 = 0; kiln_l2 < kiln_lsize2; kiln_l2++)
        for (size_t kiln_l1 = 0; kiln_l1 < kiln_lsize1; kiln_l1++)
        for (size_t kiln_l0 = 0; kiln_l0 < kiln_lsize0; kiln_l0++) {
            const size_t kiln_lid = (kiln_l2 * kiln_lsize1 + kiln_l1) * kiln_lsize0 + kiln_l0;
            if (lid[kiln_lid] == 0LL) {
                part[(int64_t)kiln_g0] = buf[0];
                kiln_atomic_add_f32(&total[0], buf[0]);
                __atomic_fetch_add(&count[0], 1, __ATOMIC_RELAXED);
            }
        }
    }
}

void reduce_entry(void *const *args, const size_t *global, const size_t *local);
void reduce_entry(void *const *args, const size_t *global, const size_t *local)
{
    size_t lsize[3] = {1, 1, 1};
    if (local && (local[0] | local[1] | local[2]) != 0)
        for (int d = 0; d < 3; d++)
            lsize[d] = local[d] ? local[d] : 1;
    reduce(*(const int32_t *)args[0], (const float *)args[1], (float *)args[2], (float *)args[3], (int32_t *)args[4], global, lsize);
}
