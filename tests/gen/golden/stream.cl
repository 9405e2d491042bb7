#pragma OPENCL EXTENSION cl_khr_fp64 : enable

static inline void kiln_vstream_double2(double2 v, __global double *p)
{
#if defined(__clang__) && defined(__has_builtin)
#if __has_builtin(__builtin_nontemporal_store)
    if (((ulong)p & (sizeof v - 1)) == 0) {
        __builtin_nontemporal_store(v, (__global double2 *)p);
        return;
    }
#endif
#endif
    vstore2(v, 0, p);
}
#if defined(__clang__) && defined(__has_builtin)
#if __has_builtin(__builtin_prefetch)
#define kiln_prefetch(p) __builtin_prefetch((p), 0, 3)
#endif
#endif
#ifndef kiln_prefetch
#define kiln_prefetch(p) prefetch((p), 1)
#endif

__kernel void stream(int n, __global const double *restrict a, __global double *restrict b, __global double *restrict f)
{
    const int i = (int)(long)get_global_id(0) * 2;
    kiln_prefetch(&a[i + 1]);
    const double2 v = vload2(0, a + i);
    kiln_vstream_double2(v * (double2)(2.0f), b + i);
    kiln_vstream_double2(v + (double2)(1.0f), f + (i + 1));
}
