#pragma OPENCL EXTENSION cl_khr_fp64 : enable

__kernel void math64(long n, __global const double *restrict a, __global double *restrict b, __global long *restrict q)
{
    long i = (long)get_global_id(0);
    double x = a[i];
    double y = fma(sqrt(fabs(x)), exp(-0.25), pow(x, 3.0));
    y = fmax(fmin(y, 1e+30), floor(log(x + 2.0)));
    b[i] = y + sin(x) * cos(x);
    q[i] = max(min(i, 5000000000L), -3L);
}
