__kernel __attribute__((reqd_work_group_size(4, 8, 1)))
void matmul(int n, __global const float *restrict a, __global const float *restrict b, __global float *restrict c)
{
    // tile 16, wpt 2, vec 4, unroll 2, local 1
    __local float a_tile[256];
    __local float b_tile[256];
    const int lx = (int)(long)get_local_id(0);
    const int ly = (int)(long)get_local_id(1);
    const int tile_row = (int)(long)get_group_id(1) * 16;
    const int tile_col = (int)(long)get_group_id(0) * 16;
    const int col = tile_col + lx * 4;
    const int row0 = tile_row + ly;
    float4 acc0 = (float4)(0.0f);
    const int row1 = tile_row + (ly + 8);
    float4 acc1 = (float4)(0.0f);
    const int lcol = lx * 4;
    for (int kt = 0; kt < n; kt += 16) {
        vstore4(vload4(0, a + (row0 * n + (kt + lcol))), 0, a_tile + (ly * 16 + lcol));
        vstore4(vload4(0, b + ((kt + ly) * n + (tile_col + lcol))), 0, b_tile + (ly * 16 + lcol));
        vstore4(vload4(0, a + (row1 * n + (kt + lcol))), 0, a_tile + ((ly + 8) * 16 + lcol));
        vstore4(vload4(0, b + ((kt + (ly + 8)) * n + (tile_col + lcol))), 0, b_tile + ((ly + 8) * 16 + lcol));
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int k = 0; k < 16; k += 2) {
            {
                const float4 bv = vload4(0, b_tile + (k * 16 + lcol));
                acc0 += (float4)(a_tile[ly * 16 + k]) * bv;
                acc1 += (float4)(a_tile[(ly + 8) * 16 + k]) * bv;
            }
            {
                const float4 bv = vload4(0, b_tile + ((k + 1) * 16 + lcol));
                acc0 += (float4)(a_tile[ly * 16 + (k + 1)]) * bv;
                acc1 += (float4)(a_tile[(ly + 8) * 16 + (k + 1)]) * bv;
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    vstore4(acc0, 0, c + (row0 * n + col));
    vstore4(acc1, 0, c + (row1 * n + col));
}
