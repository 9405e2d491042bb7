static inline void kiln_atomic_add_f32_global(volatile __global float *p, float v)
{
    union { uint u; float f; } old, upd;
    do {
        old.f = *p;
        upd.f = old.f + v;
    } while (atomic_cmpxchg((volatile __global uint *)p, old.u, upd.u) != old.u);
}

__kernel __attribute__((reqd_work_group_size(32, 1, 1)))
void specfem_stacey(int nfaces, int nspec, int nglob, __global const int *restrict face_ispec, __global const int *restrict face_ijk, __global const float *restrict face_normal, __global const float *restrict face_jacw, __global const int *restrict ibool, __global const float *restrict veloc, __global float *restrict accel, __global const float *restrict rho_vp, __global const float *restrict rho_vs)
{
    // 1 face(s) per work-group of 32
    const int lid = (int)(long)get_local_id(0);
    const int q = lid % 32;
    const int f = (int)(long)get_group_id(0) + lid / 32;
    if (q < 25 && f < nfaces) {
        const int fp = f * 25 + q;
        const int o = face_ispec[f] * 128 + face_ijk[fp];
        const int g = ibool[o];
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
        kiln_atomic_add_f32_global(&accel[g * 3], -((rp * (vn * nx) + rs * (vx - vn * nx)) * w));
        kiln_atomic_add_f32_global(&accel[g * 3 + 1], -((rp * (vn * ny) + rs * (vy - vn * ny)) * w));
        kiln_atomic_add_f32_global(&accel[g * 3 + 2], -((rp * (vn * nz) + rs * (vz - vn * nz)) * w));
    }
}
