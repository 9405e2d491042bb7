__kernel __attribute__((reqd_work_group_size(16, 4, 1)))
void laplace_rgb(int nx, int ny, __global const uchar *restrict in, __global uchar *restrict out)
{
    // x_component_number 4, vector_length 4, y_component_number 1, temporary_size 2, synthesizing_loads 0, wg 16 x 4
    const int w = 3 * nx;
    const int gx = (int)(long)get_global_id(0);
    const int gy = (int)(long)get_global_id(1);
    if (gx < w / 4 && gy < ny) {
        const int x0 = gx * 4;
        const int y0 = gy;
        if (x0 >= 3 && y0 >= 1 && x0 + 7 <= w && y0 + 1 < ny) {
            const short4 t0_0l = convert_short4(vload4(0, in + ((y0 - 1) * (3 * nx) + (x0 - 3))));
            const short4 t0_0c = convert_short4(vload4(0, in + ((y0 - 1) * (3 * nx) + x0)));
            const short4 t0_0r = convert_short4(vload4(0, in + ((y0 - 1) * (3 * nx) + (x0 + 3))));
            const short4 t1_0l = convert_short4(vload4(0, in + (y0 * (3 * nx) + (x0 - 3))));
            const short4 t1_0c = convert_short4(vload4(0, in + (y0 * (3 * nx) + x0)));
            const short4 t1_0r = convert_short4(vload4(0, in + (y0 * (3 * nx) + (x0 + 3))));
            const short4 t2_0l = convert_short4(vload4(0, in + ((y0 + 1) * (3 * nx) + (x0 - 3))));
            const short4 t2_0c = convert_short4(vload4(0, in + ((y0 + 1) * (3 * nx) + x0)));
            const short4 t2_0r = convert_short4(vload4(0, in + ((y0 + 1) * (3 * nx) + (x0 + 3))));
            {
                short4 acc = (short4)((short)8) * t1_0c;
                acc -= t0_0l;
                acc -= t0_0c;
                acc -= t0_0r;
                acc -= t1_0l;
                acc -= t1_0r;
                acc -= t2_0l;
                acc -= t2_0c;
                acc -= t2_0r;
                vstore4(convert_uchar4(max(min(acc, (short4)((short)255)), (short4)((short)0))), 0, out + (y0 * (3 * nx) + x0));
            }
        } else {
            {
                const int y = y0;
                for (int c = 0; c < 4; c += 1) {
                    const int x = x0 + c;
                    if (x < 3 || y == 0 || x >= w - 3 || y == ny - 1) {
                        out[y * (3 * nx) + x] = in[y * (3 * nx) + x];
                    } else {
                        short acc = (short)8 * (short)in[y * (3 * nx) + x];
                        acc -= (short)in[(y - 1) * (3 * nx) + (x - 3)];
                        acc -= (short)in[(y - 1) * (3 * nx) + x];
                        acc -= (short)in[(y - 1) * (3 * nx) + (x + 3)];
                        acc -= (short)in[y * (3 * nx) + (x - 3)];
                        acc -= (short)in[y * (3 * nx) + (x + 3)];
                        acc -= (short)in[(y + 1) * (3 * nx) + (x - 3)];
                        acc -= (short)in[(y + 1) * (3 * nx) + x];
                        acc -= (short)in[(y + 1) * (3 * nx) + (x + 3)];
                        out[y * (3 * nx) + x] = (uchar)max(min(acc, (short)255), (short)0);
                    }
                }
            }
        }
    }
}
