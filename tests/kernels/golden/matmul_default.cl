__kernel __attribute__((reqd_work_group_size(8, 8, 1)))
void matmul(int n, __global const float *restrict a, __global const float *restrict b, __global float *restrict c)
{
    // tile 8, wpt 1, vec 1, unroll 1, local 0
    const int lx = (int)(long)get_local_id(0);
    const int ly = (int)(long)get_local_id(1);
    const int tile_row = (int)(long)get_group_id(1) * 8;
    const int tile_col = (int)(long)get_group_id(0) * 8;
    const int col = tile_col + lx;
    const int row0 = tile_row + ly;
    float acc0 = 0.0f;
    for (int k = 0; k < n; k += 1) {
        const float bv = b[k * n + col];
        acc0 += a[row0 * n + k] * bv;
    }
    c[row0 * n + col] = acc0;
}
