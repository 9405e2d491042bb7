#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static void specfem_stiffness(int32_t nelem, int32_t first, int32_t nspec, int32_t nglob, const int32_t *restrict elems, const int32_t *restrict ibool, const float *restrict displ, float *restrict accel, const float *restrict xix, const float *restrict xiy, const float *restrict xiz, const float *restrict etax, const float *restrict etay, const float *restrict etaz, const float *restrict gammax, const float *restrict gammay, const float *restrict gammaz, const float *restrict kappav, const float *restrict muv, const float *restrict hprime, const float *restrict hprimewgll, const float *restrict wgllwgll, const size_t *kiln_global, const size_t *kiln_local)
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
        float s_t1x[256];
        float s_t1y[256];
        float s_t1z[256];
        float s_t2x[256];
        float s_t2y[256];
        float s_t2z[256];
        float s_t3x[256];
        float s_t3y[256];
        float s_t3z[256];
        int32_t active[kiln_wg_size];
        int32_t i[kiln_wg_size];
        int32_t slot_base[kiln_wg_size];
        int32_t j[kiln_wg_size];
        int32_t k[kiln_wg_size];
        int32_t iglob[kiln_wg_size];
        for (size_t kiln_l2 = 0; kiln_l2 < kiln_lsize2; kiln_l2++)
        for (size_t kiln_l1 = 0; kiln_l1 < kiln_lsize1; kiln_l1++)
        for (size_t kiln_l0 = 0; kiln_l0 < kiln_lsize0; kiln_l0++) {
            const size_t kiln_lid = (kiln_l2 * kiln_lsize1 + kiln_l1) * kiln_lsize0 + kiln_l0;
            // assembly by colour, unroll 1, 2 element(s) per group, local hprime 0, local displ 0
            const int32_t lid = (int32_t)(int64_t)kiln_l0;
            const int32_t p = lid % 128;
            const int32_t slot = lid / 128;
            slot_base[kiln_lid] = slot * 128;
            const int32_t e = (int32_t)(int64_t)kiln_g0 * 2 + slot;
            active[kiln_lid] = p < 125 && e < nelem ? 1 : 0;
            const int32_t ispec = active[kiln_lid] != 0 ? elems[first + e] : 0;
            const int32_t elem_base = ispec * 128;
            const int32_t offset = elem_base + p;
            iglob[kiln_lid] = active[kiln_lid] != 0 ? ibool[offset] : 0;
            i[kiln_lid] = p % 5;
            j[kiln_lid] = p / 5 % 5;
            k[kiln_lid] = p / 25;
            if (active[kiln_lid] != 0) {
                const float xixl = xix[offset];
                const float xiyl = xiy[offset];
                const float xizl = xiz[offset];
                const float etaxl = etax[offset];
                const float etayl = etay[offset];
                const float etazl = etaz[offset];
                const float gammaxl = gammax[offset];
                const float gammayl = gammay[offset];
                const float gammazl = gammaz[offset];
                const float kappal = kappav[offset];
                const float mul = muv[offset];
                float t1x = 0.0f;
                float t1y = 0.0f;
                float t1z = 0.0f;
                float t2x = 0.0f;
                float t2y = 0.0f;
                float t2z = 0.0f;
                float t3x = 0.0f;
                float t3y = 0.0f;
                float t3z = 0.0f;
                {
                    const float w1 = hprime[i[kiln_lid] * 5];
                    t1x += w1 * displ[ibool[elem_base + (j[kiln_lid] * 5 + k[kiln_lid] * 25)] * 3];
                    t1y += w1 * displ[ibool[elem_base + (j[kiln_lid] * 5 + k[kiln_lid] * 25)] * 3 + 1];
                    t1z += w1 * displ[ibool[elem_base + (j[kiln_lid] * 5 + k[kiln_lid] * 25)] * 3 + 2];
                    const float w2 = hprime[j[kiln_lid] * 5];
                    t2x += w2 * displ[ibool[elem_base + (i[kiln_lid] + k[kiln_lid] * 25)] * 3];
                    t2y += w2 * displ[ibool[elem_base + (i[kiln_lid] + k[kiln_lid] * 25)] * 3 + 1];
                    t2z += w2 * displ[ibool[elem_base + (i[kiln_lid] + k[kiln_lid] * 25)] * 3 + 2];
                    const float w3 = hprime[k[kiln_lid] * 5];
                    t3x += w3 * displ[ibool[elem_base + (i[kiln_lid] + j[kiln_lid] * 5)] * 3];
                    t3y += w3 * displ[ibool[elem_base + (i[kiln_lid] + j[kiln_lid] * 5)] * 3 + 1];
                    t3z += w3 * displ[ibool[elem_base + (i[kiln_lid] + j[kiln_lid] * 5)] * 3 + 2];
                }
                {
                    const float w1 = hprime[i[kiln_lid] * 5 + 1];
                    t1x += w1 * displ[ibool[elem_base + (1 + j[kiln_lid] * 5 + k[kiln_lid] * 25)] * 3];
                    t1y += w1 * displ[ibool[elem_base + (1 + j[kiln_lid] * 5 + k[kiln_lid] * 25)] * 3 + 1];
                    t1z += w1 * displ[ibool[elem_base + (1 + j[kiln_lid] * 5 + k[kiln_lid] * 25)] * 3 + 2];
                    const float w2 = hprime[j[kiln_lid] * 5 + 1];
                    t2x += w2 * displ[ibool[elem_base + (i[kiln_lid] + 5 + k[kiln_lid] * 25)] * 3];
                    t2y += w2 * displ[ibool[elem_base + (i[kiln_lid] + 5 + k[kiln_lid] * 25)] * 3 + 1];
                    t2z += w2 * displ[ibool[elem_base + (i[kiln_lid] + 5 + k[kiln_lid] * 25)] * 3 + 2];
                    const float w3 = hprime[k[kiln_lid] * 5 + 1];
                    t3x += w3 * displ[ibool[elem_base + (i[kiln_lid] + j[kiln_lid] * 5 + 25)] * 3];
                    t3y += w3 * displ[ibool[elem_base + (i[kiln_lid] + j[kiln_lid] * 5 + 25)] * 3 + 1];
                    t3z += w3 * displ[ibool[elem_base + (i[kiln_lid] + j[kiln_lid] * 5 + 25)] * 3 + 2];
                }
                {
                    const float w1 = hprime[i[kiln_lid] * 5 + 2];
                    t1x += w1 * displ[ibool[elem_base + (2 + j[kiln_lid] * 5 + k[kiln_lid] * 25)] * 3];
                    t1y += w1 * displ[ibool[elem_base + (2 + j[kiln_lid] * 5 + k[kiln_lid] * 25)] * 3 + 1];
                    t1z += w1 * displ[ibool[elem_base + (2 + j[kiln_lid] * 5 + k[kiln_lid] * 25)] * 3 + 2];
                    const float w2 = hprime[j[kiln_lid] * 5 + 2];
                    t2x += w2 * displ[ibool[elem_base + (i[kiln_lid] + 10 + k[kiln_lid] * 25)] * 3];
                    t2y += w2 * displ[ibool[elem_base + (i[kiln_lid] + 10 + k[kiln_lid] * 25)] * 3 + 1];
                    t2z += w2 * displ[ibool[elem_base + (i[kiln_lid] + 10 + k[kiln_lid] * 25)] * 3 + 2];
                    const float w3 = hprime[k[kiln_lid] * 5 + 2];
                    t3x += w3 * displ[ibool[elem_base + (i[kiln_lid] + j[kiln_lid] * 5 + 50)] * 3];
                    t3y += w3 * displ[ibool[elem_base + (i[kiln_lid] + j[kiln_lid] * 5 + 50)] * 3 + 1];
                    t3z += w3 * displ[ibool[elem_base + (i[kiln_lid] + j[kiln_lid] * 5 + 50)] * 3 + 2];
                }
                {
                    const float w1 = hprime[i[kiln_lid] * 5 + 3];
                    t1x += w1 * displ[ibool[elem_base + (3 + j[kiln_lid] * 5 + k[kiln_lid] * 25)] * 3];
                    t1y += w1 * displ[ibool[elem_base + (3 + j[kiln_lid] * 5 + k[kiln_lid] * 25)] * 3 + 1];
                    t1z += w1 * displ[ibool[elem_base + (3 + j[kiln_lid] * 5 + k[kiln_lid] * 25)] * 3 + 2];
                    const float w2 = hprime[j[kiln_lid] * 5 + 3];
                    t2x += w2 * displ[ibool[elem_base + (i[kiln_lid] + 15 + k[kiln_lid] * 25)] * 3];
                    t2y += w2 * displ[ibool[elem_base + (i[kiln_lid] + 15 + k[kiln_lid] * 25)] * 3 + 1];
                    t2z += w2 * displ[ibool[elem_base + (i[kiln_lid] + 15 + k[kiln_lid] * 25)] * 3 + 2];
                    const float w3 = hprime[k[kiln_lid] * 5 + 3];
                    t3x += w3 * displ[ibool[elem_base + (i[kiln_lid] + j[kiln_lid] * 5 + 75)] * 3];
                    t3y += w3 * displ[ibool[elem_base + (i[kiln_lid] + j[kiln_lid] * 5 + 75)] * 3 + 1];
                    t3z += w3 * displ[ibool[elem_base + (i[kiln_lid] + j[kiln_lid] * 5 + 75)] * 3 + 2];
                }
                {
                    const float w1 = hprime[i[kiln_lid] * 5 + 4];
                    t1x += w1 * displ[ibool[elem_base + (4 + j[kiln_lid] * 5 + k[kiln_lid] * 25)] * 3];
                    t1y += w1 * displ[ibool[elem_base + (4 + j[kiln_lid] * 5 + k[kiln_lid] * 25)] * 3 + 1];
                    t1z += w1 * displ[ibool[elem_base + (4 + j[kiln_lid] * 5 + k[kiln_lid] * 25)] * 3 + 2];
                    const float w2 = hprime[j[kiln_lid] * 5 + 4];
                    t2x += w2 * displ[ibool[elem_base + (i[kiln_lid] + 20 + k[kiln_lid] * 25)] * 3];
                    t2y += w2 * displ[ibool[elem_base + (i[kiln_lid] + 20 + k[kiln_lid] * 25)] * 3 + 1];
                    t2z += w2 * displ[ibool[elem_base + (i[kiln_lid] + 20 + k[kiln_lid] * 25)] * 3 + 2];
                    const float w3 = hprime[k[kiln_lid] * 5 + 4];
                    t3x += w3 * displ[ibool[elem_base + (i[kiln_lid] + j[kiln_lid] * 5 + 100)] * 3];
                    t3y += w3 * displ[ibool[elem_base + (i[kiln_lid] + j[kiln_lid] * 5 + 100)] * 3 + 1];
                    t3z += w3 * displ[ibool[elem_base + (i[kiln_lid] + j[kiln_lid] * 5 + 100)] * 3 + 2];
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
                const float sxx = l2m * duxdx + lam * (duydy + duzdz);
                const float syy = l2m * duydy + lam * (duzdz + duxdx);
                const float szz = l2m * duzdz + lam * (duxdx + duydy);
                const float sxy = mul * (duxdy + duydx);
                const float sxz = mul * (duxdz + duzdx);
                const float syz = mul * (duydz + duzdy);
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
                {
                    const float w1 = hprimewgll[i[kiln_lid]];
                    n1x += w1 * s_t1x[slot_base[kiln_lid] + (j[kiln_lid] * 5 + k[kiln_lid] * 25)];
                    n1y += w1 * s_t1y[slot_base[kiln_lid] + (j[kiln_lid] * 5 + k[kiln_lid] * 25)];
                    n1z += w1 * s_t1z[slot_base[kiln_lid] + (j[kiln_lid] * 5 + k[kiln_lid] * 25)];
                    const float w2 = hprimewgll[j[kiln_lid]];
                    n2x += w2 * s_t2x[slot_base[kiln_lid] + (i[kiln_lid] + k[kiln_lid] * 25)];
                    n2y += w2 * s_t2y[slot_base[kiln_lid] + (i[kiln_lid] + k[kiln_lid] * 25)];
                    n2z += w2 * s_t2z[slot_base[kiln_lid] + (i[kiln_lid] + k[kiln_lid] * 25)];
                    const float w3 = hprimewgll[k[kiln_lid]];
                    n3x += w3 * s_t3x[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5)];
                    n3y += w3 * s_t3y[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5)];
                    n3z += w3 * s_t3z[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5)];
                }
                {
                    const float w1 = hprimewgll[5 + i[kiln_lid]];
                    n1x += w1 * s_t1x[slot_base[kiln_lid] + (1 + j[kiln_lid] * 5 + k[kiln_lid] * 25)];
                    n1y += w1 * s_t1y[slot_base[kiln_lid] + (1 + j[kiln_lid] * 5 + k[kiln_lid] * 25)];
                    n1z += w1 * s_t1z[slot_base[kiln_lid] + (1 + j[kiln_lid] * 5 + k[kiln_lid] * 25)];
                    const float w2 = hprimewgll[5 + j[kiln_lid]];
                    n2x += w2 * s_t2x[slot_base[kiln_lid] + (i[kiln_lid] + 5 + k[kiln_lid] * 25)];
                    n2y += w2 * s_t2y[slot_base[kiln_lid] + (i[kiln_lid] + 5 + k[kiln_lid] * 25)];
                    n2z += w2 * s_t2z[slot_base[kiln_lid] + (i[kiln_lid] + 5 + k[kiln_lid] * 25)];
                    const float w3 = hprimewgll[5 + k[kiln_lid]];
                    n3x += w3 * s_t3x[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5 + 25)];
                    n3y += w3 * s_t3y[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5 + 25)];
                    n3z += w3 * s_t3z[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5 + 25)];
                }
                {
                    const float w1 = hprimewgll[10 + i[kiln_lid]];
                    n1x += w1 * s_t1x[slot_base[kiln_lid] + (2 + j[kiln_lid] * 5 + k[kiln_lid] * 25)];
                    n1y += w1 * s_t1y[slot_base[kiln_lid] + (2 + j[kiln_lid] * 5 + k[kiln_lid] * 25)];
                    n1z += w1 * s_t1z[slot_base[kiln_lid] + (2 + j[kiln_lid] * 5 + k[kiln_lid] * 25)];
                    const float w2 = hprimewgll[10 + j[kiln_lid]];
                    n2x += w2 * s_t2x[slot_base[kiln_lid] + (i[kiln_lid] + 10 + k[kiln_lid] * 25)];
                    n2y += w2 * s_t2y[slot_base[kiln_lid] + (i[kiln_lid] + 10 + k[kiln_lid] * 25)];
                    n2z += w2 * s_t2z[slot_base[kiln_lid] + (i[kiln_lid] + 10 + k[kiln_lid] * 25)];
                    const float w3 = hprimewgll[10 + k[kiln_lid]];
                    n3x += w3 * s_t3x[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5 + 50)];
                    n3y += w3 * s_t3y[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5 + 50)];
                    n3z += w3 * s_t3z[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5 + 50)];
                }
                {
                    const float w1 = hprimewgll[15 + i[kiln_lid]];
                    n1x += w1 * s_t1x[slot_base[kiln_lid] + (3 + j[kiln_lid] * 5 + k[kiln_lid] * 25)];
                    n1y += w1 * s_t1y[slot_base[kiln_lid] + (3 + j[kiln_lid] * 5 + k[kiln_lid] * 25)];
                    n1z += w1 * s_t1z[slot_base[kiln_lid] + (3 + j[kiln_lid] * 5 + k[kiln_lid] * 25)];
                    const float w2 = hprimewgll[15 + j[kiln_lid]];
                    n2x += w2 * s_t2x[slot_base[kiln_lid] + (i[kiln_lid] + 15 + k[kiln_lid] * 25)];
                    n2y += w2 * s_t2y[slot_base[kiln_lid] + (i[kiln_lid] + 15 + k[kiln_lid] * 25)];
                    n2z += w2 * s_t2z[slot_base[kiln_lid] + (i[kiln_lid] + 15 + k[kiln_lid] * 25)];
                    const float w3 = hprimewgll[15 + k[kiln_lid]];
                    n3x += w3 * s_t3x[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5 + 75)];
                    n3y += w3 * s_t3y[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5 + 75)];
                    n3z += w3 * s_t3z[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5 + 75)];
                }
                {
                    const float w1 = hprimewgll[20 + i[kiln_lid]];
                    n1x += w1 * s_t1x[slot_base[kiln_lid] + (4 + j[kiln_lid] * 5 + k[kiln_lid] * 25)];
                    n1y += w1 * s_t1y[slot_base[kiln_lid] + (4 + j[kiln_lid] * 5 + k[kiln_lid] * 25)];
                    n1z += w1 * s_t1z[slot_base[kiln_lid] + (4 + j[kiln_lid] * 5 + k[kiln_lid] * 25)];
                    const float w2 = hprimewgll[20 + j[kiln_lid]];
                    n2x += w2 * s_t2x[slot_base[kiln_lid] + (i[kiln_lid] + 20 + k[kiln_lid] * 25)];
                    n2y += w2 * s_t2y[slot_base[kiln_lid] + (i[kiln_lid] + 20 + k[kiln_lid] * 25)];
                    n2z += w2 * s_t2z[slot_base[kiln_lid] + (i[kiln_lid] + 20 + k[kiln_lid] * 25)];
                    const float w3 = hprimewgll[20 + k[kiln_lid]];
                    n3x += w3 * s_t3x[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5 + 100)];
                    n3y += w3 * s_t3y[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5 + 100)];
                    n3z += w3 * s_t3z[slot_base[kiln_lid] + (i[kiln_lid] + j[kiln_lid] * 5 + 100)];
                }
                const float fac1 = wgllwgll[k[kiln_lid] * 5 + j[kiln_lid]];
                const float fac2 = wgllwgll[k[kiln_lid] * 5 + i[kiln_lid]];
                const float fac3 = wgllwgll[j[kiln_lid] * 5 + i[kiln_lid]];
                accel[iglob[kiln_lid] * 3] += -(fac1 * n1x + fac2 * n2x + fac3 * n3x);
                accel[iglob[kiln_lid] * 3 + 1] += -(fac1 * n1y + fac2 * n2y + fac3 * n3y);
                accel[iglob[kiln_lid] * 3 + 2] += -(fac1 * n1z + fac2 * n2z + fac3 * n3z);
            }
        }
    }
}

void specfem_stiffness_entry(void *const *args, const size_t *global, const size_t *local);
void specfem_stiffness_entry(void *const *args, const size_t *global, const size_t *local)
{
    size_t lsize[3] = {256, 1, 1};
    if (local && (local[0] | local[1] | local[2]) != 0)
        for (int d = 0; d < 3; d++)
            lsize[d] = local[d] ? local[d] : 1;
    specfem_stiffness(*(const int32_t *)args[0], *(const int32_t *)args[1], *(const int32_t *)args[2], *(const int32_t *)args[3], (const int32_t *)args[4], (const int32_t *)args[5], (const float *)args[6], (float *)args[7], (const float *)args[8], (const float *)args[9], (const float *)args[10], (const float *)args[11], (const float *)args[12], (const float *)args[13], (const float *)args[14], (const float *)args[15], (const float *)args[16], (const float *)args[17], (const float *)args[18], (const float *)args[19], (const float *)args[20], (const float *)args[21], global, lsize);
}
