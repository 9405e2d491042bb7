__kernel void aligned(int n, __global const float *restrict a, __global float *restrict b)
{
    __local float t[16] __attribute__((aligned(64)));
    const int l = (int)(long)get_local_id(0);
    const int i = (int)(long)get_global_id(0) * 4;
    (*(__local float4 *)(t + l * 4)) = (*(__global const float4 *)(a + i)) * (float4)(2.0f);
    barrier(CLK_LOCAL_MEM_FENCE);
    const float4 v = (*(__local const float4 *)(t + ((l + 1) & 3) * 4));
    (*(__global float4 *)(b + i)) = v + (float4)(1.0f);
}
