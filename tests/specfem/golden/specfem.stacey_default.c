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

static void specfem_stacey(int32_t nfaces, int32_t nspec, int32_t nglob, const int32_t *restrict face_ispec, const int32_t *restrict face_ijk, const float *restrict face_normal, const float *restrict face_jacw, const int32_t *restrict ibool, const float *restrict veloc, float *restrict accel, const float *restrict rho_vp, const float *restrict rho_vs, const size_t *kiln_global, const size_t *kiln_local)
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
            // 1 face(s) per work-group of 32
            const int32_t lid = (int32_t)(int64_t)kiln_l0;
            const int32_t q = lid % 32;
            const int32_t f = (int32_t)(int64_t)kiln_g0 + lid / 32;
            if (q < 25 && f < nfaces) {
                const int32_t fp = f * 25 + q;
                const int32_t o = face_ispec[f] * 128 + face_ijk[fp];
                const int32_t g = ibool[o];
                const float vx = veloc[g * 3];
                const float nx = face_normal[fp * 3];
                const float vy = veloc[g * 3 + 1];
                const float ny = face_normal[fp * 3 + 1];
                const float vz = veloc[g * 3 + 2];
                const float nz = face_normal[fp * 3 + 2];
                const float vn = vx * nx + vy * ny + vz * nz;
                const float rp = rho_vp[o];
                const float rs = rho_vs[o];
                const float w = face_jacw[fp];
                kiln_atomic_add_f32(&accel[g * 3], -((rp * (vn * nx) + rs * (vx - vn * nx)) * w));
                kiln_atomic_add_f32(&accel[g * 3 + 1], -((rp * (vn * ny) + rs * (vy - vn * ny)) * w));
                kiln_atomic_add_f32(&accel[g * 3 + 2], -((rp * (vn * nz) + rs * (vz - vn * nz)) * w));
            }
        }
    }
}

void specfem_stacey_entry(void *const *args, const size_t *global, const size_t *local);
void specfem_stacey_entry(void *const *args, const size_t *global, const size_t *local)
{
    size_t lsize[3] = {32, 1, 1};
    if (local && (local[0] | local[1] | local[2]) != 0)
        for (int d = 0; d < 3; d++)
            lsize[d] = local[d] ? local[d] : 1;
    specfem_stacey(*(const int32_t *)args[0], *(const int32_t *)args[1], *(const int32_t *)args[2], (const int32_t *)args[3], (const int32_t *)args[4], (const float *)args[5], (const float *)args[6], (const int32_t *)args[7], (const float *)args[8], (float *)args[9], (const float *)args[10], (const float *)args[11], global, lsize);
}
