__kernel __attribute__((reqd_work_group_size(256, 1, 1)))
void specfem_stiffness(int nelem, int first, int nspec, int nglob, __global const int *restrict elems, __global const int *restrict ibool, __global const float *restrict displ, __global float *restrict accel, __global const float *restrict xix, __global const float *restrict xiy, __global const float *restrict xiz, __global const float *restrict etax, __global const float *restrict etay, __global const float *restrict etaz, __global const float *restrict gammax, __global const float *restrict gammay, __global const float *restrict gammaz, __global const float *restrict kappav, __global const float *restrict muv, __global const float *restrict hprime, __global const float *restrict hprimewgll, __global const float *restrict wgllwgll)
{
    // assembly by colour, unroll 1, 2 element(s) per group, local hprime 0, local displ 0
    __local float s_t1x[256];
    __local float s_t1y[256];
    __local float s_t1z[256];
    __local float s_t2x[256];
    __local float s_t2y[256];
    __local float s_t2z[256];
    __local float s_t3x[256];
    __local float s_t3y[256];
    __local float s_t3z[256];
    const int lid = (int)(long)get_local_id(0);
    const int p = lid % 128;
    const int slot = lid / 128;
    const int slot_base = slot * 128;
    const int e = (int)(long)get_group_id(0) * 2 + slot;
    const int active = p < 125 && e < nelem ? 1 : 0;
    const int ispec = active != 0 ? elems[first + e] : 0;
    const int elem_base = ispec * 128;
    const int offset = elem_base + p;
    const int iglob = active != 0 ? ibool[offset] : 0;
    const int i = p % 5;
    const int j = p / 5 % 5;
    const int k = p / 25;
    if (active != 0) {
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
            const float w1 = hprime[i * 5];
            t1x += w1 * displ[ibool[elem_base + (j * 5 + k * 25)] * 3];
            t1y += w1 * displ[ibool[elem_base + (j * 5 + k * 25)] * 3 + 1];
            t1z += w1 * displ[ibool[elem_base + (j * 5 + k * 25)] * 3 + 2];
            const float w2 = hprime[j * 5];
            t2x += w2 * displ[ibool[elem_base + (i + k * 25)] * 3];
            t2y += w2 * displ[ibool[elem_base + (i + k * 25)] * 3 + 1];
            t2z += w2 * displ[ibool[elem_base + (i + k * 25)] * 3 + 2];
            const float w3 = hprime[k * 5];
            t3x += w3 * displ[ibool[elem_base + (i + j * 5)] * 3];
            t3y += w3 * displ[ibool[elem_base + (i + j * 5)] * 3 + 1];
            t3z += w3 * displ[ibool[elem_base + (i + j * 5)] * 3 + 2];
        }
        {
            const float w1 = hprime[i * 5 + 1];
            t1x += w1 * displ[ibool[elem_base + (1 + j * 5 + k * 25)] * 3];
            t1y += w1 * displ[ibool[elem_base + (1 + j * 5 + k * 25)] * 3 + 1];
            t1z += w1 * displ[ibool[elem_base + (1 + j * 5 + k * 25)] * 3 + 2];
            const float w2 = hprime[j * 5 + 1];
            t2x += w2 * displ[ibool[elem_base + (i + 5 + k * 25)] * 3];
            t2y += w2 * displ[ibool[elem_base + (i + 5 + k * 25)] * 3 + 1];
            t2z += w2 * displ[ibool[elem_base + (i + 5 + k * 25)] * 3 + 2];
            const float w3 = hprime[k * 5 + 1];
            t3x += w3 * displ[ibool[elem_base + (i + j * 5 + 25)] * 3];
            t3y += w3 * displ[ibool[elem_base + (i + j * 5 + 25)] * 3 + 1];
            t3z += w3 * displ[ibool[elem_base + (i + j * 5 + 25)] * 3 + 2];
        }
        {
            const float w1 = hprime[i * 5 + 2];
            t1x += w1 * displ[ibool[elem_base + (2 + j * 5 + k * 25)] * 3];
            t1y += w1 * displ[ibool[elem_base + (2 + j * 5 + k * 25)] * 3 + 1];
            t1z += w1 * displ[ibool[elem_base + (2 + j * 5 + k * 25)] * 3 + 2];
            const float w2 = hprime[j * 5 + 2];
            t2x += w2 * displ[ibool[elem_base + (i + 10 + k * 25)] * 3];
            t2y += w2 * displ[ibool[elem_base + (i + 10 + k * 25)] * 3 + 1];
            t2z += w2 * displ[ibool[elem_base + (i + 10 + k * 25)] * 3 + 2];
            const float w3 = hprime[k * 5 + 2];
            t3x += w3 * displ[ibool[elem_base + (i + j * 5 + 50)] * 3];
            t3y += w3 * displ[ibool[elem_base + (i + j * 5 + 50)] * 3 + 1];
            t3z += w3 * displ[ibool[elem_base + (i + j * 5 + 50)] * 3 + 2];
        }
        {
            const float w1 = hprime[i * 5 + 3];
            t1x += w1 * displ[ibool[elem_base + (3 + j * 5 + k * 25)] * 3];
            t1y += w1 * displ[ibool[elem_base + (3 + j * 5 + k * 25)] * 3 + 1];
            t1z += w1 * displ[ibool[elem_base + (3 + j * 5 + k * 25)] * 3 + 2];
            const float w2 = hprime[j * 5 + 3];
            t2x += w2 * displ[ibool[elem_base + (i + 15 + k * 25)] * 3];
            t2y += w2 * displ[ibool[elem_base + (i + 15 + k * 25)] * 3 + 1];
            t2z += w2 * displ[ibool[elem_base + (i + 15 + k * 25)] * 3 + 2];
            const float w3 = hprime[k * 5 + 3];
            t3x += w3 * displ[ibool[elem_base + (i + j * 5 + 75)] * 3];
            t3y += w3 * displ[ibool[elem_base + (i + j * 5 + 75)] * 3 + 1];
            t3z += w3 * displ[ibool[elem_base + (i + j * 5 + 75)] * 3 + 2];
        }
        {
            const float w1 = hprime[i * 5 + 4];
            t1x += w1 * displ[ibool[elem_base + (4 + j * 5 + k * 25)] * 3];
            t1y += w1 * displ[ibool[elem_base + (4 + j * 5 + k * 25)] * 3 + 1];
            t1z += w1 * displ[ibool[elem_base + (4 + j * 5 + k * 25)] * 3 + 2];
            const float w2 = hprime[j * 5 + 4];
            t2x += w2 * displ[ibool[elem_base + (i + 20 + k * 25)] * 3];
            t2y += w2 * displ[ibool[elem_base + (i + 20 + k * 25)] * 3 + 1];
            t2z += w2 * displ[ibool[elem_base + (i + 20 + k * 25)] * 3 + 2];
            const float w3 = hprime[k * 5 + 4];
            t3x += w3 * displ[ibool[elem_base + (i + j * 5 + 100)] * 3];
            t3y += w3 * displ[ibool[elem_base + (i + j * 5 + 100)] * 3 + 1];
            t3z += w3 * displ[ibool[elem_base + (i + j * 5 + 100)] * 3 + 2];
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
        s_t1x[slot_base + (i + j * 5 + k * 25)] = jac * (sxx * xixl + sxy * xiyl + sxz * xizl);
        s_t1y[slot_base + (i + j * 5 + k * 25)] = jac * (sxy * xixl + syy * xiyl + syz * xizl);
        s_t1z[slot_base + (i + j * 5 + k * 25)] = jac * (sxz * xixl + syz * xiyl + szz * xizl);
        s_t2x[slot_base + (i + j * 5 + k * 25)] = jac * (sxx * etaxl + sxy * etayl + sxz * etazl);
        s_t2y[slot_base + (i + j * 5 + k * 25)] = jac * (sxy * etaxl + syy * etayl + syz * etazl);
        s_t2z[slot_base + (i + j * 5 + k * 25)] = jac * (sxz * etaxl + syz * etayl + szz * etazl);
        s_t3x[slot_base + (i + j * 5 + k * 25)] = jac * (sxx * gammaxl + sxy * gammayl + sxz * gammazl);
        s_t3y[slot_base + (i + j * 5 + k * 25)] = jac * (sxy * gammaxl + syy * gammayl + syz * gammazl);
        s_t3z[slot_base + (i + j * 5 + k * 25)] = jac * (sxz * gammaxl + syz * gammayl + szz * gammazl);
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    if (active != 0) {
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
            const float w1 = hprimewgll[i];
            n1x += w1 * s_t1x[slot_base + (j * 5 + k * 25)];
            n1y += w1 * s_t1y[slot_base + (j * 5 + k * 25)];
            n1z += w1 * s_t1z[slot_base + (j * 5 + k * 25)];
            const float w2 = hprimewgll[j];
            n2x += w2 * s_t2x[slot_base + (i + k * 25)];
            n2y += w2 * s_t2y[slot_base + (i + k * 25)];
            n2z += w2 * s_t2z[slot_base + (i + k * 25)];
            const float w3 = hprimewgll[k];
            n3x += w3 * s_t3x[slot_base + (i + j * 5)];
            n3y += w3 * s_t3y[slot_base + (i + j * 5)];
            n3z += w3 * s_t3z[slot_base + (i + j * 5)];
        }
        {
            const float w1 = hprimewgll[5 + i];
            n1x += w1 * s_t1x[slot_base + (1 + j * 5 + k * 25)];
            n1y += w1 * s_t1y[slot_base + (1 + j * 5 + k * 25)];
            n1z += w1 * s_t1z[slot_base + (1 + j * 5 + k * 25)];
            const float w2 = hprimewgll[5 + j];
            n2x += w2 * s_t2x[slot_base + (i + 5 + k * 25)];
            n2y += w2 * s_t2y[slot_base + (i + 5 + k * 25)];
            n2z += w2 * s_t2z[slot_base + (i + 5 + k * 25)];
            const float w3 = hprimewgll[5 + k];
            n3x += w3 * s_t3x[slot_base + (i + j * 5 + 25)];
            n3y += w3 * s_t3y[slot_base + (i + j * 5 + 25)];
            n3z += w3 * s_t3z[slot_base + (i + j * 5 + 25)];
        }
        {
            const float w1 = hprimewgll[10 + i];
            n1x += w1 * s_t1x[slot_base + (2 + j * 5 + k * 25)];
            n1y += w1 * s_t1y[slot_base + (2 + j * 5 + k * 25)];
            n1z += w1 * s_t1z[slot_base + (2 + j * 5 + k * 25)];
            const float w2 = hprimewgll[10 + j];
            n2x += w2 * s_t2x[slot_base + (i + 10 + k * 25)];
            n2y += w2 * s_t2y[slot_base + (i + 10 + k * 25)];
            n2z += w2 * s_t2z[slot_base + (i + 10 + k * 25)];
            const float w3 = hprimewgll[10 + k];
            n3x += w3 * s_t3x[slot_base + (i + j * 5 + 50)];
            n3y += w3 * s_t3y[slot_base + (i + j * 5 + 50)];
            n3z += w3 * s_t3z[slot_base + (i + j * 5 + 50)];
        }
        {
            const float w1 = hprimewgll[15 + i];
            n1x += w1 * s_t1x[slot_base + (3 + j * 5 + k * 25)];
            n1y += w1 * s_t1y[slot_base + (3 + j * 5 + k * 25)];
            n1z += w1 * s_t1z[slot_base + (3 + j * 5 + k * 25)];
            const float w2 = hprimewgll[15 + j];
            n2x += w2 * s_t2x[slot_base + (i + 15 + k * 25)];
            n2y += w2 * s_t2y[slot_base + (i + 15 + k * 25)];
            n2z += w2 * s_t2z[slot_base + (i + 15 + k * 25)];
            const float w3 = hprimewgll[15 + k];
            n3x += w3 * s_t3x[slot_base + (i + j * 5 + 75)];
            n3y += w3 * s_t3y[slot_base + (i + j * 5 + 75)];
            n3z += w3 * s_t3z[slot_base + (i + j * 5 + 75)];
        }
        {
            const float w1 = hprimewgll[20 + i];
            n1x += w1 * s_t1x[slot_base + (4 + j * 5 + k * 25)];
            n1y += w1 * s_t1y[slot_base + (4 + j * 5 + k * 25)];
            n1z += w1 * s_t1z[slot_base + (4 + j * 5 + k * 25)];
            const float w2 = hprimewgll[20 + j];
            n2x += w2 * s_t2x[slot_base + (i + 20 + k * 25)];
            n2y += w2 * s_t2y[slot_base + (i + 20 + k * 25)];
            n2z += w2 * s_t2z[slot_base + (i + 20 + k * 25)];
            const float w3 = hprimewgll[20 + k];
            n3x += w3 * s_t3x[slot_base + (i + j * 5 + 100)];
            n3y += w3 * s_t3y[slot_base + (i + j * 5 + 100)];
            n3z += w3 * s_t3z[slot_base + (i + j * 5 + 100)];
        }
        const float fac1 = wgllwgll[k * 5 + j];
        const float fac2 = wgllwgll[k * 5 + i];
        const float fac3 = wgllwgll[j * 5 + i];
        accel[iglob * 3] += -(fac1 * n1x + fac2 * n2x + fac3 * n3x);
        accel[iglob * 3 + 1] += -(fac1 * n1y + fac2 * n2y + fac3 * n3y);
        accel[iglob * 3 + 2] += -(fac1 * n1z + fac2 * n2z + fac3 * n3z);
    }
}
