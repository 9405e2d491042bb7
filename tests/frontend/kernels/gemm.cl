// C = A * B for n x n row-major matrices, in the shape of CLTune's and
// Kernel Tuner's tiled GEMM: a TS x TS tile of C per work-group, WPT rows
// per work-item, tiles of A and B staged in local memory.
#ifndef TS
#define TS 16
#endif
#ifndef WPT
#define WPT 1
#endif
#define RTS (TS / WPT)

__kernel __attribute__((reqd_work_group_size(TS, RTS, 1)))
void gemm(const int n, __global const float *A, __global const float *B, __global float *C)
{
    const int col = get_local_id(0);
    const int row = get_local_id(1);
    const int globalCol = TS * get_group_id(0) + col;
    const int globalRow = TS * get_group_id(1) + row;
    __local float Asub[TS][TS];
    __local float Bsub[TS][TS];
    float acc[WPT];
    for (int w = 0; w < WPT; w++)
        acc[w] = 0.0f;
    const int numTiles = n / TS;
    for (int t = 0; t < numTiles; t++) {
        for (int w = 0; w < WPT; w++) {
            const int tiledRow = TS * t + row + w * RTS;
            const int tiledCol = TS * t + col;
            Asub[row + w * RTS][col] = A[(globalRow + w * RTS) * n + tiledCol];
            Bsub[row + w * RTS][col] = B[tiledRow * n + globalCol];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        #pragma kiln unroll(UNROLL)
        for (int k = 0; k < TS; k++) {
            for (int w = 0; w < WPT; w++)
                acc[w] += Asub[row + w * RTS][k] * Bsub[k][col];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int w = 0; w < WPT; w++)
        C[(globalRow + w * RTS) * n + globalCol] = acc[w];
}
