__kernel void vec1(int nx, int ny, __global const float *restrict img, __global float *restrict out, __global float *restrict out1)
{
    const int x = (int)(long)get_global_id(0) * 4;
    const int y = (int)(long)get_global_id(1);
    const float4 v = vload4(0, img + (y * nx + x));
    vstore4(v * (float4)(2.0f), 0, out + (y * nx + x));
    for (int l = 0; l < 4; l += 1) {
        const int xl = x + l;
        const float s = img[y * nx + xl];
        out1[y * nx + xl] = s + 1.0f;
    }
}
