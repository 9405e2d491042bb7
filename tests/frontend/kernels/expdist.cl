// The expected-distance kernel in the shape of BAT's expdist: for every
// point i of set A, the sum over set B of exp(-d^2 / (sa_i^2 + sb_j^2)) /
// sqrt(sa_i^2 + sb_j^2), BLOCK_B points of B per step of the inner loop.
#ifndef BLOCK_B
#define BLOCK_B 1
#endif

__kernel void expdist(const int m, const int n, __global const float *ax, __global const float *ay,
                      __global const float *sa, __global const float *bx, __global const float *by,
                      __global const float *sb, __global float *cost)
{
    const int i = get_global_id(0);
    if (i >= m)
        return;
    const float xi = ax[i], yi = ay[i], si = sa[i] * sa[i];
    float sum = 0.0f;
    for (int jb = 0; jb < n; jb += BLOCK_B) {
        #pragma kiln unroll(0)
        for (int b = 0; b < BLOCK_B; b++) {
            const int j = jb + b;
            const float dx = xi - bx[j];
            const float dy = yi - by[j];
            const float s = si + sb[j] * sb[j];
            sum += exp(-(dx * dx + dy * dy) / s) / sqrt(s);
        }
    }
    cost[i] = sum;
}
