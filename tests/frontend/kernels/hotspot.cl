// One step of the HotSpot thermal simulation (Rodinia, BAT): each cell's
// temperature moves with its neighbours' and its power; BLOCK_X x BLOCK_Y
// work-groups, WORK_X cells per work-item along x.
#ifndef WORK_X
#define WORK_X 1
#endif

__kernel void hotspot(const int nx, const int ny, __global const float *power, __global const float *temp,
                      __global float *result, const float cap, const float rx, const float ry, const float rz,
                      const float amb)
{
    const int gy = get_global_id(1);
    for (int wx = 0; wx < WORK_X; wx++) {
        const int gx = get_global_id(0) * WORK_X + wx;
        if (gx < nx && gy < ny) {
            const int c = gy * nx + gx;
            const int n = gy > 0 ? c - nx : c;
            const int s = gy < ny - 1 ? c + nx : c;
            const int e = gx < nx - 1 ? c + 1 : c;
            const int w = gx > 0 ? c - 1 : c;
            const float t = temp[c];
            result[c] = t + cap * (power[c] + (temp[s] + temp[n] - 2.0f * t) * ry +
                                   (temp[e] + temp[w] - 2.0f * t) * rx + (amb - t) * rz);
        }
    }
}
