__kernel __attribute__((reqd_work_group_size(128, 1, 1)))
void triad(int n, __global float *restrict a, __global const float *restrict b, __global const float *restrict c, float s)
{
    // vec 4, per_item 2, wg 128
    const int items = n / 8;
    const int gid = (int)(long)get_global_id(0);
    const float4 sv = (float4)(s);
    if (gid < items) {
        {
            const int i = (gid + 0 * items) * 4;
            vstore4(vload4(0, b + i) + sv * vload4(0, c + i), 0, a + i);
        }
        {
            const int i = (gid + items) * 4;
            vstore4(vload4(0, b + i) + sv * vload4(0, c + i), 0, a + i);
        }
    }
}
