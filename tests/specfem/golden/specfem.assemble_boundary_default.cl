static inline void kiln_atomic_add_f32_global(volatile __global float *p, float v)
{
    union { uint u; float f; } old, upd;
    do {
        old.f = *p;
        upd.f = old.f + v;
    } while (atomic_cmpxchg((volatile __global uint *)p, old.u, upd.u) != old.u);
}

__kernel __attribute__((reqd_work_group_size(128, 1, 1)))
void specfem_assemble_boundary(int ninterface, int nglob, __global float *restrict accel, __global const int *restrict interface, __global const float *restrict recv)
{
    const int q = (int)(long)get_global_id(0);
    if (q < ninterface) {
        const int g = interface[q];
        kiln_atomic_add_f32_global(&accel[g * 3], recv[q * 3]);
        kiln_atomic_add_f32_global(&accel[g * 3 + 1], recv[q * 3 + 1]);
        kiln_atomic_add_f32_global(&accel[g * 3 + 2], recv[q * 3 + 2]);
    }
}
