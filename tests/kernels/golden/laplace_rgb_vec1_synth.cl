__kernel __attribute__((reqd_work_group_size(16, 4, 1)))
void laplace_rgb(int nx, int ny, __global const uchar *restrict in, __global uchar *restrict out)
{
    // x_component_number 2, vector_length 1, y_component_number 1, temporary_size 2, synthesizing_loads 1, wg 16 x 4
    const int w = 3 * nx;
    const int gx = (int)(long)get_global_id(0);
    const int gy = (int)(long)get_global_id(1);
    if (gx < w / 2 && gy < ny) {
        const int x0 = gx * 2;
        const int y0 = gy;
        if (x0 >= 3 && y0 >= 1 && x0 + 5 <= w && y0 + 1 < ny) {
            const uchar row0_0 = in[(y0 - 1) * (3 * nx) + (x0 - 3)];
            const uchar row0_1 = in[(y0 - 1) * (3 * nx) + (x0 - 2)];
            const uchar row0_2 = in[(y0 - 1) * (3 * nx) + (x0 - 1)];
            const uchar row0_3 = in[(y0 - 1) * (3 * nx) + x0];
            const uchar row0_4 = in[(y0 - 1) * (3 * nx) + (x0 + 1)];
            const uchar row0_5 = in[(y0 - 1) * (3 * nx) + (x0 + 2)];
            const uchar row0_6 = in[(y0 - 1) * (3 * nx) + (x0 + 3)];
            const uchar row0_7 = in[(y0 - 1) * (3 * nx) + (x0 + 4)];
            const short t0_0l = (short)row0_0;
            const short t0_0c = (short)row0_3;
            const short t0_0r = (short)row0_6;
            const short t0_1l = (short)row0_1;
            const short t0_1c = (short)row0_4;
            const short t0_1r = (short)row0_7;
            const uchar row1_0 = in[y0 * (3 * nx) + (x0 - 3)];
            const uchar row1_1 = in[y0 * (3 * nx) + (x0 - 2)];
            const uchar row1_2 = in[y0 * (3 * nx) + (x0 - 1)];
            const uchar row1_3 = in[y0 * (3 * nx) + x0];
            const uchar row1_4 = in[y0 * (3 * nx) + (x0 + 1)];
            const uchar row1_5 = in[y0 * (3 * nx) + (x0 + 2)];
            const uchar row1_6 = in[y0 * (3 * nx) + (x0 + 3)];
            const uchar row1_7 = in[y0 * (3 * nx) + (x0 + 4)];
            const short t1_0l = (short)row1_0;
            const short t1_0c = (short)row1_3;
            const short t1_0r = (short)row1_6;
            const short t1_1l = (short)row1_1;
            const short t1_1c = (short)row1_4;
            const short t1_1r = (short)row1_7;
            const uchar row2_0 = in[(y0 + 1) * (3 * nx) + (x0 - 3)];
            const uchar row2_1 = in[(y0 + 1) * (3 * nx) + (x0 - 2)];
            const uchar row2_2 = in[(y0 + 1) * (3 * nx) + (x0 - 1)];
            const uchar row2_3 = in[(y0 + 1) * (3 * nx) + x0];
            const uchar row2_4 = in[(y0 + 1) * (3 * nx) + (x0 + 1)];
            const uchar row2_5 = in[(y0 + 1) * (3 * nx) + (x0 + 2)];
            const uchar row2_6 = in[(y0 + 1) * (3 * nx) + (x0 + 3)];
            const uchar row2_7 = in[(y0 + 1) * (3 * nx) + (x0 + 4)];
            const short t2_0l = (short)row2_0;
            const short t2_0c = (short)row2_3;
            const short t2_0r = (short)row2_6;
            const short t2_1l = (short)row2_1;
            const short t2_1c = (short)row2_4;
            const short t2_1r = (short)row2_7;
            {
                short acc = (short)8 * t1_0c;
                acc -= t0_0l;
                acc -= t0_0c;
                acc -= t0_0r;
                acc -= t1_0l;
                acc -= t1_0r;
                acc -= t2_0l;
                acc -= t2_0c;
                acc -= t2_0r;
                out[y0 * (3 * nx) + x0] = (uchar)max(min(acc, (short)255), (short)0);
            }
            {
                short acc = (short)8 * t1_1c;
                acc -= t0_1l;
                acc -= t0_1c;
                acc -= t0_1r;
                acc -= t1_1l;
                acc -= t1_1r;
                acc -= t2_1l;
                acc -= t2_1c;
                acc -= t2_1r;
                out[y0 * (3 * nx) + (x0 + 1)] = (uchar)max(min(acc, (short)255), (short)0);
            }
        } else {
            {
                const int y = y0;
                for (int c = 0; c < 2; c += 1) {
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
