__kernel __attribute__((reqd_work_group_size(16, 4, 1)))
void laplace(int nx, int ny, __global const float *restrict in, __global float *restrict out)
{
    // x_per_item 1, y_per_item 2, vec 1, temp_size 4, synth 0, wg 16 x 4
    const int gx = (int)(long)get_global_id(0);
    const int gy = (int)(long)get_global_id(1);
    if (gx < nx && gy < ny / 2) {
        const int x0 = gx;
        const int y0 = gy * 2;
        if (x0 >= 1 && y0 >= 1 && x0 + 1 < nx && y0 + 2 < ny) {
            {
                {
                    const int x = x0;
                    const int y = y0;
                    float acc = 8.0f * in[y * nx + x];
                    acc -= in[(y - 1) * nx + (x - 1)];
                    acc -= in[(y - 1) * nx + x];
                    acc -= in[(y - 1) * nx + (x + 1)];
                    acc -= in[y * nx + (x - 1)];
                    acc -= in[y * nx + (x + 1)];
                    acc -= in[(y + 1) * nx + (x - 1)];
                    acc -= in[(y + 1) * nx + x];
                    acc -= in[(y + 1) * nx + (x + 1)];
                    out[y * nx + x] = acc;
                }
            }
            {
                {
                    const int x = x0;
                    const int y = y0 + 1;
                    float acc = 8.0f * in[y * nx + x];
                    acc -= in[(y - 1) * nx + (x - 1)];
                    acc -= in[(y - 1) * nx + x];
                    acc -= in[(y - 1) * nx + (x + 1)];
                    acc -= in[y * nx + (x - 1)];
                    acc -= in[y * nx + (x + 1)];
                    acc -= in[(y + 1) * nx + (x - 1)];
                    acc -= in[(y + 1) * nx + x];
                    acc -= in[(y + 1) * nx + (x + 1)];
                    out[y * nx + x] = acc;
                }
            }
        } else {
            {
                const int y = y0;
                for (int px = 0; px < 1; px += 1) {
                    const int x = x0 + px;
                    if (x == 0 || y == 0 || x == nx - 1 || y == ny - 1) {
                        out[y * nx + x] = in[y * nx + x];
                    } else {
                        float acc = 8.0f * in[y * nx + x];
                        acc -= in[(y - 1) * nx + (x - 1)];
                        acc -= in[(y - 1) * nx + x];
                        acc -= in[(y - 1) * nx + (x + 1)];
                        acc -= in[y * nx + (x - 1)];
                        acc -= in[y * nx + (x + 1)];
                        acc -= in[(y + 1) * nx + (x - 1)];
                        acc -= in[(y + 1) * nx + x];
                        acc -= in[(y + 1) * nx + (x + 1)];
                        out[y * nx + x] = acc;
                    }
                }
            }
            {
                const int y = y0 + 1;
                for (int px = 0; px < 1; px += 1) {
                    const int x = x0 + px;
                    if (x == 0 || y == 0 || x == nx - 1 || y == ny - 1) {
                        out[y * nx + x] = in[y * nx + x];
                    } else {
                        float acc = 8.0f * in[y * nx + x];
                        acc -= in[(y - 1) * nx + (x - 1)];
                        acc -= in[(y - 1) * nx + x];
                        acc -= in[(y - 1) * nx + (x + 1)];
                        acc -= in[y * nx + (x - 1)];
                        acc -= in[y * nx + (x + 1)];
                        acc -= in[(y + 1) * nx + (x - 1)];
                        acc -= in[(y + 1) * nx + x];
                        acc -= in[(y + 1) * nx + (x + 1)];
                        out[y * nx + x] = acc;
                    }
                }
            }
        }
    }
}
