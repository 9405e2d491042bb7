static inline void kiln_atomic_add_f32_global(volatile __global float *p, float v)
{
    union { uint u; float f; } old, upd;
    do {
        old.f = *p;
        upd.f = old.f + v;
    } while (atomic_cmpxchg((volatile __global uint *)p, old.u, upd.u) != old.u);
}

__kernel void reduce(int n, __global const float *restrict x, __global float *restrict part, __global float *restrict total, __global int *restrict count)
{
    __local float buf[64];
    long lid = (long)get_local_id(0);
    long gid = (long)get_global_id(0);
    buf[lid] = gid < (long)n ? x[gid] : 0.0f;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int step = 0; step < 6; step += 1) {
        int stride = 32 >> step;
        if (lid < (long)stride) {
            buf[lid] += buf[lid + (long)stride];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0L) {
        part[(long)get_group_id(0)] = buf[0];
        kiln_atomic_add_f32_global(&total[0], buf[0]);
        atomic_add(&count[0], 1);
    }
}
