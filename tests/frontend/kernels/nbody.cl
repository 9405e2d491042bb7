// Gravitational accelerations of n bodies (the shape of BAT's nbody): each
// work-item sums the pull of every body on its own, UNROLL bodies per step.
#ifndef SOFTENING
#define SOFTENING 0.01f
#endif

__kernel void nbody(const int n, __global const float *x, __global const float *y, __global const float *z,
                    __global const float *m, __global float *ax, __global float *ay, __global float *az)
{
    const int i = get_global_id(0);
    if (i >= n)
        return;
    const float xi = x[i], yi = y[i], zi = z[i];
    float sx = 0.0f, sy = 0.0f, sz = 0.0f;
    #pragma kiln unroll(UNROLL)
    for (int j = 0; j < n; j++) {
        const float dx = x[j] - xi;
        const float dy = y[j] - yi;
        const float dz = z[j] - zi;
        const float d2 = dx * dx + dy * dy + dz * dz + SOFTENING;
        const float inv = 1.0f / sqrt(d2);
        const float s = m[j] * inv * inv * inv;
        sx += s * dx;
        sy += s * dy;
        sz += s * dz;
    }
    ax[i] = sx;
    ay[i] = sy;
    az[i] = sz;
}
