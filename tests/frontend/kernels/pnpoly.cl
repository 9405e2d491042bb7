// Point-in-polygon test (BAT's pnpoly): for each point, a crossing count
// against every edge of a polygon of VERTICES vertices; BETWEEN_METHOD picks
// how the crossing is tested, PPT points per work-item.
#ifndef VERTICES
#define VERTICES 60
#endif
#ifndef PPT
#define PPT 1
#endif
#ifndef BETWEEN_METHOD
#define BETWEEN_METHOD 0
#endif

__kernel void pnpoly(const int n, __global int *bitmap, __global const float *px, __global const float *py,
                     __global const float *vx, __global const float *vy)
{
    const int first = get_global_id(0) * PPT;
    for (int p = 0; p < PPT; p++) {
        const int i = first + p;
        if (i >= n)
            break;
        int c = 0;
        const float x = px[i];
        const float y = py[i];
        int k = VERTICES - 1;
        for (int j = 0; j < VERTICES; j++) {
            const float ax = vx[j], ay = vy[j], bx = vx[k], by = vy[k];
#if BETWEEN_METHOD == 0
            const int between = (ay > y) != (by > y);
#else
            const int between = (ay - y) * (by - y) < 0.0f;
#endif
            if (between && x < (bx - ax) * (y - ay) / (by - ay) + ax)
                c = !c;
            k = j;
        }
        bitmap[i] = c;
    }
}
