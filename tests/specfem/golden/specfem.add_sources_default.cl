static inline void kiln_atomic_add_f32_global(volatile __global float *p, float v)
{
    union { uint u; float f; } old, upd;
    do {
        old.f = *p;
        upd.f = old.f + v;
    } while (atomic_cmpxchg((volatile __global uint *)p, old.u, upd.u) != old.u);
}

__kernel __attribute__((reqd_work_group_size(128, 1, 1)))
void specfem_add_sources(int ispec_src, int nspec, int nglob, __global const int *restrict ibool, __global const float *restrict sourcearray, float stf, __global float *restrict accel)
{
    const int p = (int)(long)get_local_id(0);
    if (p < 125) {
        const int g = ibool[ispec_src * 128 + p];
        kiln_atomic_add_f32_global(&accel[g * 3], stf * sourcearray[p * 3]);
        kiln_atomic_add_f32_global(&accel[g * 3 + 1], stf * sourcearray[p * 3 + 1]);
        kiln_atomic_add_f32_global(&accel[g * 3 + 2], stf * sourcearray[p * 3 + 2]);
    }
}
