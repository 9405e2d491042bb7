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

static void specfem_update_disp_veloc(int32_t n, float *restrict displ, float *restrict veloc, float *restrict accel, float deltat, float deltatsqover2, float deltatover2, const size_t *kiln_global, const size_t *kiln_local)
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
            // vec 4, wg 128
            const int32_t gid = (int32_t)(int64_t)(kiln_g0 * kiln_lsize0 + kiln_l0);
            const int32_t whole = n / 4;
            if (gid < whole) {
                const int32_t at = gid * 4;
                const kiln_float4 v = kiln_vload_float4(veloc + at);
                const kiln_float4 a = kiln_vload_float4(accel + at);
                kiln_vstore_float4(displ + at, kiln_vload_float4(displ + at) + (kiln_splat_float4(deltat) * v + kiln_splat_float4(deltatsqover2) * a));
                kiln_vstore_float4(veloc + at, v + kiln_splat_float4(deltatover2) * a);
                kiln_vstore_float4(accel + at, kiln_splat_float4(0.0f));
            } else {
                if (gid == whole) {
                    for (int32_t r = whole * 4; r < n; r += 1) {
                        const float v = veloc[r];
                        const float a = accel[r];
                        displ[r] = displ[r] + (deltat * v + deltatsqover2 * a);
                        veloc[r] = v + deltatover2 * a;
                        accel[r] = 0.0f;
                    }
                }
            }
        }
    }
}

void specfem_update_disp_veloc_entry(void *const *args, const size_t *global, const size_t *local);
void specfem_update_disp_veloc_entry(void *const *args, const size_t *global, const size_t *local)
{
    size_t lsize[3] = {128, 1, 1};
    if (local && (local[0] | local[1] | local[2]) != 0)
        for (int d = 0; d < 3; d++)
            lsize[d] = local[d] ? local[d] : 1;
    specfem_update_disp_veloc(*(const int32_t *)args[0], (float *)args[1], (float *)args[2], (float *)args[3], *(const float *)args[4], *(const float *)args[5], *(const float *)args[6], global, lsize);
}
