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

static void specfem_stiffness_att(int32_t nelem, int32_t first, int32_t nspec, int32_t nglob, const int32_t *restrict elems, const int32_t *restrict ibool, const float *restrict displ, float *restrict accel, const float *restrict xix, const float *restrict xiy, const float *restrict xiz, const float *restrict etax, const float *restrict etay, const float *restrict etaz, const float *restrict gammax, const float *restrict gammay, const float *restrict gammaz, const float *restrict kappav, const float *restrict muv, const float *restrict hprime, const float *restrict hprimewgll, const float *restrict wgllwgll, float *restrict R_xx, float *restrict R_yy, float *restrict R_xy, float *restrict R_xz, float *restrict R_yz, float *restrict epsilondev_xx, float *restrict epsilondev_yy, float *restrict epsilondev_xy, float *restrict epsilondev_xz, float *restrict epsilondev_yz, const float *restrict factor_common, const float *restrict alphaval, const float *restrict betaval, const float *restrict gammaval, const size_t *kiln_global, const size_t *kiln_local)
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
        float s_t1x[128];
        float s_t1y[128];
        float s_t1z[128];
        float s_t2x[128];
        float s_t2y[128];
        float s_t2z[128];
        float s_t3x[128];
        float s_t3y[128];
        float s_t3z[128];
        float s_hprime[25];
        float s_hprimewgll[25];
        float s_dx[128];
        float s_dy[128];
        float s_dz[128];
        int32_t active[kiln_wg_size];
        int32_t offset[kiln_wg_size];
        int32_t i[kiln_wg_size];
        int32_t slot_base[kiln_wg_size];
        int32_t j[kiln_wg_size];
        int32_t k[kiln_wg_size];
        int32_t iglob[kiln_wg_size];
        for (size_t kiln_l2 = 0; kiln_l2 < kiln_lsize2; kiln_l2++)
        for (size_t kiln_l1 = 0; kiln_l1 < kiln_lsize1; kiln_l1++)
        for (size_t kiln_l0 = 0; kiln_l0 < kiln_lsize0; kiln_l0++) {
            const size_t kiln_lid = (kiln_l2 * kiln_lsize1 + kiln_l1) * kiln_lsize0 + kiln_l0;
            // assembly atomic, unroll 0, 1 element(s) per group, local hprime 1, local displ 1
            const int32_t lid = (int32_t)(int64_t)kiln_l0;
            const int32_t p = lid % 128;
            const int32_t slot = lid / 128;
            slot_base[kiln_lid] = slot * 128;
            const int32_t e = (int32_t)(int64_t)kiln_g0 + slot;
            active[kiln_lid] = p < 125 && e < nelem ? 1 : 0;
            const int32_t ispec = active[kiln_lid] != 0 ? elems[first + e] : 0;
            const int32_t elem_base = ispec * 128;
            offset[kiln_lid] = elem_base + p;
            iglob[kiln_lid] = active[kiln_lid] != 0 ? ibool[offset[kiln_lid]] : 0;
            i[kiln_lid] = p % 5;
            j[kiln_lid] = p / 5 % 5;
            k[kiln_lid] = p / 25;
            if (lid < 25) {
                s_hprime[lid] = hprime[lid];
                s_hprimewgll[lid] = hprimewgll[lid];
            }
            if (active[kiln_lid] != 0) {
                s_dx[lid] = displ[iglob[kiln_lid] * 3];
                s_dy[lid] = displ[iglob[kiln_lid] * 3 + 1];
                s_dz[lid] = displ[iglob[kiln_lid] * 3 + 2];
            }
        }
        for (size_t kiln_l2 = 0; kiln_l2 < kiln_lsize2; kiln_l2++)
        for (size_t kiln_l1 = 0; kiln_l1 < kiln_lsize1; kiln_l1++)
        for (size_t kiln_l0 = 0; kiln_l0 < kiln_lsize0; kiln_l0++) {
            const size_t kiln_lid = (kiln_l2 * kiln_lsize1 + kiln_l1) * kiln_lsize0 + kiln_l0;
            if (active[kiln_lid] != 0) {
                const float xixl = xix[offset[kiln_lid]];
                const float xiyl = xiy[offset[kiln_lid]];
                const float xizl = xiz[offset[kiln_lid]];
                const float etaxl = etax[offset[kiln_lid]];
                const float etayl = etay[offset[kiln_lid]];
                const float etazl = etaz[offset[kiln_lid]];
                const float gammaxl = gammax[offset[kiln_lid]];
                const float gammayl = gammay[offset[kiln_lid]];
                const float gammazl = gammaz[offset[kiln_lid]];
                const float kappal = kappav[offset[kiln_lid]];
                const float mul = muv[offset[kiln_lid]];
                float t1x = 0.0f;
                float t1y = 0.0f;
                float t1z = 0.0f;
                float t2x = 0.0f;
                float t2y = 0.0f;
                float t2z = 0.0f;
                float t3x = 0.0f;
                float t3y = 0.0f;
                float t3z = 0.0f;
                for (int32_t l = 0; l < 5; l += 1) {
                    const float w1 = s_hprime[i[kiln_lid] * 5 + l];
                    t1x += w1 * s_dx[slot_base[kiln_lid] + (l + j[kiln_lid] * 5 + k[kiln_lid] * 25)];
                    t1y += w1 * s_dy[slot_base[kiln_lid] + (l + j[kiln_lid] * 5 + k[kiln_lid] * 25)];
                    t1z += w1 * s_dz[slot_base[kiln_lid] + (l + j[kiln_lid] * 5 + k[kiln_lid] * 25)];
                    const float w2 = s_hprime[j[kiln_lid] * 5 + l];
                    t2x += w2 * s_dx[slot_base[kiln_lid] + (i[kiln_lid] + l * 5 + k[kiln_lid] * 25)];
                    t2y += w2 * s_dy[slot_base[kiln_lid] + (i[kiln_lid] + l * 5 + k[kiln_lid] * 25)];
                    t2z += w2 * s_dz[slot_base[kiln_lid] + (i[kiln_lid] + l * 5 + k[kiln_lid] * 25)];
                    const float w3 = s_hprime[k[kiln_lid] * 5 + l];
                    t3x += w3 * s_dx[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5 + l * 25)];
                    t3y += w3 * s_dy[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5 + l * 25)];
                    t3z += w3 * s_dz[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5 + l * 25)];
                }
                const float duxdx = xixl * t1x + etaxl * t2x + gammaxl * t3x;
                const float duxdy = xiyl * t1x + etayl * t2x + gammayl * t3x;
                const float duxdz = xizl * t1x + etazl * t2x + gammazl * t3x;
                const float duydx = xixl * t1y + etaxl * t2y + gammaxl * t3y;
                const float duydy = xiyl * t1y + etayl * t2y + gammayl * t3y;
                const float duydz = xizl * t1y + etazl * t2y + gammazl * t3y;
                const float duzdx = xixl * t1z + etaxl * t2z + gammaxl * t3z;
                const float duzdy = xiyl * t1z + etayl * t2z + gammayl * t3z;
                const float duzdz = xizl * t1z + etazl * t2z + gammazl * t3z;
                const float jac = 1.0f / (xixl * (etayl * gammazl - etazl * gammayl) + -(xiyl * (etaxl * gammazl - etazl * gammaxl)) + xizl * (etaxl * gammayl - etayl * gammaxl));
                const float l2m = kappal + 1.3333334f * mul;
                const float lam = l2m - 2.0f * mul;
                const float tr3 = 0.33333334f * (duxdx + duydy + duzdz);
                const float e_xx = duxdx - tr3;
                const float eold_xx = epsilondev_xx[offset[kiln_lid]];
                epsilondev_xx[offset[kiln_lid]] = e_xx;
                float sum_rxx = 0.0f;
                const float e_yy = duydy - tr3;
                const float eold_yy = epsilondev_yy[offset[kiln_lid]];
                epsilondev_yy[offset[kiln_lid]] = e_yy;
                float sum_ryy = 0.0f;
                const float e_xy = 0.5f * (duxdy + duydx);
                const float eold_xy = epsilondev_xy[offset[kiln_lid]];
                epsilondev_xy[offset[kiln_lid]] = e_xy;
                float sum_rxy = 0.0f;
                const float e_xz = 0.5f * (duxdz + duzdx);
                const float eold_xz = epsilondev_xz[offset[kiln_lid]];
                epsilondev_xz[offset[kiln_lid]] = e_xz;
                float sum_rxz = 0.0f;
                const float e_yz = 0.5f * (duydz + duzdy);
                const float eold_yz = epsilondev_yz[offset[kiln_lid]];
                epsilondev_yz[offset[kiln_lid]] = e_yz;
                float sum_ryz = 0.0f;
                const float fmu0 = factor_common[offset[kiln_lid] * 3] * mul;
                const float r0_xx = R_xx[offset[kiln_lid] * 3];
                sum_rxx += r0_xx;
                R_xx[offset[kiln_lid] * 3] = alphaval[0] * r0_xx + betaval[0] * fmu0 * eold_xx + gammaval[0] * fmu0 * e_xx;
                const float r0_yy = R_yy[offset[kiln_lid] * 3];
                sum_ryy += r0_yy;
                R_yy[offset[kiln_lid] * 3] = alphaval[0] * r0_yy + betaval[0] * fmu0 * eold_yy + gammaval[0] * fmu0 * e_yy;
                const float r0_xy = R_xy[offset[kiln_lid] * 3];
                sum_rxy += r0_xy;
                R_xy[offset[kiln_lid] * 3] = alphaval[0] * r0_xy + betaval[0] * fmu0 * eold_xy + gammaval[0] * fmu0 * e_xy;
                const float r0_xz = R_xz[offset[kiln_lid] * 3];
                sum_rxz += r0_xz;
                R_xz[offset[kiln_lid] * 3] = alphaval[0] * r0_xz + betaval[0] * fmu0 * eold_xz + gammaval[0] * fmu0 * e_xz;
                const float r0_yz = R_yz[offset[kiln_lid] * 3];
                sum_ryz += r0_yz;
                R_yz[offset[kiln_lid] * 3] = alphaval[0] * r0_yz + betaval[0] * fmu0 * eold_yz + gammaval[0] * fmu0 * e_yz;
                const float fmu1 = factor_common[offset[kiln_lid] * 3 + 1] * mul;
                const float r1_xx = R_xx[offset[kiln_lid] * 3 + 1];
                sum_rxx += r1_xx;
                R_xx[offset[kiln_lid] * 3 + 1] = alphaval[1] * r1_xx + betaval[1] * fmu1 * eold_xx + gammaval[1] * fmu1 * e_xx;
                const float r1_yy = R_yy[offset[kiln_lid] * 3 + 1];
                sum_ryy += r1_yy;
                R_yy[offset[kiln_lid] * 3 + 1] = alphaval[1] * r1_yy + betaval[1] * fmu1 * eold_yy + gammaval[1] * fmu1 * e_yy;
                const float r1_xy = R_xy[offset[kiln_lid] * 3 + 1];
                sum_rxy += r1_xy;
                R_xy[offset[kiln_lid] * 3 + 1] = alphaval[1] * r1_xy + betaval[1] * fmu1 * eold_xy + gammaval[1] * fmu1 * e_xy;
                const float r1_xz = R_xz[offset[kiln_lid] * 3 + 1];
                sum_rxz += r1_xz;
                R_xz[offset[kiln_lid] * 3 + 1] = alphaval[1] * r1_xz + betaval[1] * fmu1 * eold_xz + gammaval[1] * fmu1 * e_xz;
                const float r1_yz = R_yz[offset[kiln_lid] * 3 + 1];
                sum_ryz += r1_yz;
                R_yz[offset[kiln_lid] * 3 + 1] = alphaval[1] * r1_yz + betaval[1] * fmu1 * eold_yz + gammaval[1] * fmu1 * e_yz;
                const float fmu2 = factor_common[offset[kiln_lid] * 3 + 2] * mul;
                const float r2_xx = R_xx[offset[kiln_lid] * 3 + 2];
                sum_rxx += r2_xx;
                R_xx[offset[kiln_lid] * 3 + 2] = alphaval[2] * r2_xx + betaval[2] * fmu2 * eold_xx + gammaval[2] * fmu2 * e_xx;
                const float r2_yy = R_yy[offset[kiln_lid] * 3 + 2];
                sum_ryy += r2_yy;
                R_yy[offset[kiln_lid] * 3 + 2] = alphaval[2] * r2_yy + betaval[2] * fmu2 * eold_yy + gammaval[2] * fmu2 * e_yy;
                const float r2_xy = R_xy[offset[kiln_lid] * 3 + 2];
                sum_rxy += r2_xy;
                R_xy[offset[kiln_lid] * 3 + 2] = alphaval[2] * r2_xy + betaval[2] * fmu2 * eold_xy + gammaval[2] * fmu2 * e_xy;
                const float r2_xz = R_xz[offset[kiln_lid] * 3 + 2];
                sum_rxz += r2_xz;
                R_xz[offset[kiln_lid] * 3 + 2] = alphaval[2] * r2_xz + betaval[2] * fmu2 * eold_xz + gammaval[2] * fmu2 * e_xz;
                const float r2_yz = R_yz[offset[kiln_lid] * 3 + 2];
                sum_ryz += r2_yz;
                R_yz[offset[kiln_lid] * 3 + 2] = alphaval[2] * r2_yz + betaval[2] * fmu2 * eold_yz + gammaval[2] * fmu2 * e_yz;
                const float sxx = l2m * duxdx + lam * (duydy + duzdz) - sum_rxx;
                const float syy = l2m * duydy + lam * (duzdz + duxdx) - sum_ryy;
                const float szz = l2m * duzdz + lam * (duxdx + duydy) + (sum_rxx + sum_ryy);
                const float sxy = mul * (duxdy + duydx) - sum_rxy;
                const float sxz = mul * (duxdz + duzdx) - sum_rxz;
                const float syz = mul * (duydz + duzdy) - sum_ryz;
                s_t1x[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5 + k[kiln_lid] * 25)] = jac * (sxx * xixl + sxy * xiyl + sxz * xizl);
                s_t1y[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5 + k[kiln_lid] * 25)] = jac * (sxy * xixl + syy * xiyl + syz * xizl);
                s_t1z[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5 + k[kiln_lid] * 25)] = jac * (sxz * xixl + syz * xiyl + szz * xizl);
                s_t2x[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5 + k[kiln_lid] * 25)] = jac * (sxx * etaxl + sxy * etayl + sxz * etazl);
                s_t2y[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5 + k[kiln_lid] * 25)] = jac * (sxy * etaxl + syy * etayl + syz * etazl);
                s_t2z[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5 + k[kiln_lid] * 25)] = jac * (sxz * etaxl + syz * etayl + szz * etazl);
                s_t3x[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5 + k[kiln_lid] * 25)] = jac * (sxx * gammaxl + sxy * gammayl + sxz * gammazl);
                s_t3y[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5 + k[kiln_lid] * 25)] = jac * (sxy * gammaxl + syy * gammayl + syz * gammazl);
                s_t3z[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5 + k[kiln_lid] * 25)] = jac * (sxz * gammaxl + syz * gammayl + szz * gammazl);
            }
        }
        for (size_t kiln_l2 = 0; kiln_l2 < kiln_lsize2; kiln_l2++)
        for (size_t kiln_l1 = 0; kiln_l1 < kiln_lsize1; kiln_l1++)
        for (size_t kiln_l0 = 0; kiln_l0 < kiln_lsize0; kiln_l0++) {
            const size_t kiln_lid = (kiln_l2 * kiln_lsize1 + kiln_l1) * kiln_lsize0 + kiln_l0;
            if (active[kiln_lid] != 0) {
                float n1x = 0.0f;
                float n1y = 0.0f;
                float n1z = 0.0f;
                float n2x = 0.0f;
                float n2y = 0.0f;
                float n2z = 0.0f;
                float n3x = 0.0f;
                float n3y = 0.0f;
                float n3z = 0.0f;
                for (int32_t l = 0; l < 5; l += 1) {
                    const float w1 = s_hprimewgll[l * 5 + i[kiln_lid]];
                    n1x += w1 * s_t1x[slot_base[kiln_lid] + (l + j[kiln_lid] * 5 + k[kiln_lid] * 25)];
                    n1y += w1 * s_t1y[slot_base[kiln_lid] + (l + j[kiln_lid] * 5 + k[kiln_lid] * 25)];
                    n1z += w1 * s_t1z[slot_base[kiln_lid] + (l + j[kiln_lid] * 5 + k[kiln_lid] * 25)];
                    const float w2 = s_hprimewgll[l * 5 + j[kiln_lid]];
                    n2x += w2 * s_t2x[slot_base[kiln_lid] + (i[kiln_lid] + l * 5 + k[kiln_lid] * 25)];
                    n2y += w2 * s_t2y[slot_base[kiln_lid] + (i[kiln_lid] + l * 5 + k[kiln_lid] * 25)];
                    n2z += w2 * s_t2z[slot_base[kiln_lid] + (i[kiln_lid] + l * 5 + k[kiln_lid] * 25)];
                    const float w3 = s_hprimewgll[l * 5 + k[kiln_lid]];
                    n3x += w3 * s_t3x[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5 + l * 25)];
                    n3y += w3 * s_t3y[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5 + l * 25)];
                    n3z += w3 * s_t3z[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5 + l * 25)];
                }
                const float fac1 = wgllwgll[k[kiln_lid] * 5 + j[kiln_lid]];
                const float fac2 = wgllwgll[k[kiln_lid] * 5 + i[kiln_lid]];
                const float fac3 = wgllwgll[j[kiln_lid] * 5 + i[kiln_lid]];
                kiln_atomic_add_f32(&accel[iglob[kiln_lid] * 3], -(fac1 * n1x + fac2 * n2x + fac3 * n3x));
                kiln_atomic_add_f32(&accel[iglob[kiln_lid] * 3 + 1], -(fac1 * n1y + fac2 * n2y + fac3 * n3y));
                kiln_atomic_add_f32(&accel[iglob[kiln_lid] * 3 + 2], -(fac1 * n1z + fac2 * n2z + fac3 * n3z));
            }
        }
    }
}

void specfem_stiffness_att_entry(void *const *args, const size_t *global, const size_t *local);
void specfem_stiffness_att_entry(void *const *args, const size_t *global, const size_t *local)
{
    size_t lsize[3] = {128, 1, 1};
    if (local && (local[0] | local[1] | local[2]) != 0)
        for (int d = 0; d < 3; d++)
            lsize[d] = local[d] ? local[d] : 1;
    specfem_stiffness_att(*(const int32_t *)args[0], *(const int32_t *)args[1], *(const int32_t *)args[2], *(const int32_t *)args[3], (const int32_t *)args[4], (const int32_t *)args[5], (const float *)args[6], (float *)args[7], (const float *)args[8], (const float *)args[9], (const float *)args[10], (const float *)args[11], (const float *)args[12], (const float *)args[13], (const float *)args[14], (const float *)args[15], (const float *)args[16], (const float *)args[17], (const float *)args[18], (const float *)args[19], (const float *)args[20], (const float *)args[21], (float *)args[22], (float *)args[23], (float *)args[24], (float *)args[25], (float *)args[26], (float *)args[27], (float *)args[28], (float *)args[29], (float *)args[30], (float *)args[31], (const float *)args[32], (const float *)args[33], (const float *)args[34], (const float *)args[35], global, lsize);
}
