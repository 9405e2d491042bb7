__kernel void vectors(int n, __global const float *restrict a, __global float *restrict b, __global int *restrict k)
{
    long i = (long)get_global_id(0) * 4L;
    float4 v = vload4(0, a + i);
    float4 u = sqrt(v * (float4)(2.0f));
    u.s3 = v.s0 + 1.0f;
    u = fmin(u, v);
    vstore4(u, 0, b + (i + 0L));
    int4 iv = convert_int4(u);
    vstore4(iv, 0, k + i);
}
