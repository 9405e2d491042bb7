__kernel void five_point(int nx, int ny, __global const float *restrict in, __global float *restrict out)
{
    const int x = (int)(long)get_global_id(0);
    const int y = (int)(long)get_global_id(1);
    if (x >= 1 && y >= 1 && x < nx - 1 && y < ny - 1) {
        out[y * nx + x] = in[(y - 1) * nx + x] + in[(y + 1) * nx + x] + in[y * nx + (x - 1)] + in[y * nx + (x + 1)] - 4.0f * in[y * nx + x];
    } else {
        out[y * nx + x] = in[y * nx + x];
    }
}
