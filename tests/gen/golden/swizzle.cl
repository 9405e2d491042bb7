__kernel void swizzle(int n, __global const float *restrict a, __global float *restrict b, __global uchar *restrict px)
{
    const long i = (long)get_global_id(0) * 4L;
    const float4 v = vload4(0, a + i);
    vstore4((float4)(v.s1, v.s2, v.s3, v.s0) + (float4)(1.0f, 2.0f, 3.0f, 0.5f), 0, b + i);
    const uchar4 p = vload4(0, px + i);
    vstore4((uchar4)(p.s3, p.s2, p.s1, p.s0), 0, px + i);
}
