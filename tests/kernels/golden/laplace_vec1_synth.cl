__kernel __attribute__((reqd_work_group_size(16, 4, 1)))
void laplace(int nx, int ny, __global const float *restrict in, __global float *restrict out)
{
    // x_per_item 2, y_per_item 1, vec 1, temp_size 4, synth 1, wg 16 x 4
    const int gx = (int)(long)get_global_id(0);
    const int gy = (int)(long)get_global_id(1);
    if (gx < nx / 2 && gy < ny) {
        const int x0 = gx * 2;
        const int y0 = gy;
        if (x0 >= 1 && y0 >= 1 && x0 + 2 < nx && y0 + 1 < ny) {
            const float p0_0 = in[(y0 - 1) * nx + x0];
            const float p0_1 = in[(y0 - 1) * nx + (x0 + 1)];
            const float left0 = in[(y0 - 1) * nx + (x0 - 1)];
            const float right0 = in[(y0 - 1) * nx + (x0 + 2)];
            const float p1_0 = in[y0 * nx + x0];
            const float p1_1 = in[y0 * nx + (x0 + 1)];
            const float left1 = in[y0 * nx + (x0 - 1)];
            const float right1 = in[y0 * nx + (x0 + 2)];
            const float p2_0 = in[(y0 + 1) * nx + x0];
            const float p2_1 = in[(y0 + 1) * nx + (x0 + 1)];
            const float left2 = in[(y0 + 1) * nx + (x0 - 1)];
            const float right2 = in[(y0 + 1) * nx + (x0 + 2)];
            {
                float acc = 8.0f * p1_0;
                acc -= left0;
                acc -= p0_0;
                acc -= p0_1;
                acc -= left1;
                acc -= p1_1;
                acc -= left2;
                acc -= p2_0;
                acc -= p2_1;
                out[y0 * nx + x0] = acc;
            }
            {
                float acc = 8.0f * p1_1;
                acc -= p0_0;
                acc -= p0_1;
                acc -= right0;
                acc -= p1_0;
                acc -= right1;
                acc -= p2_0;
                acc -= p2_1;
                acc -= right2;
                out[y0 * nx + (x0 + 1)] = acc;
            }
        } else {
            {
                const int y = y0;
                for (int px = 0; px < 2; px += 1) {
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
