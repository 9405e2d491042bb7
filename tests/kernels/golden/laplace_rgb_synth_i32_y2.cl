__kernel __attribute__((reqd_work_group_size(16, 4, 1)))
void laplace_rgb(int nx, int ny, __global const uchar *restrict in, __global uchar *restrict out)
{
    // x_component_number 8, vector_length 4, y_component_number 2, temporary_size 4, synthesizing_loads 1, wg 16 x 4
    const int w = 3 * nx;
    const int gx = (int)(long)get_global_id(0);
    const int gy = (int)(long)get_global_id(1);
    if (gx < w / 8 && gy < ny / 2) {
        const int x0 = gx * 8;
        const int y0 = gy * 2;
        if (x0 >= 3 && y0 >= 1 && x0 + 11 <= w && y0 + 2 < ny) {
            const uchar4 row0_0 = vload4(0, in + ((y0 - 1) * (3 * nx) + (x0 - 4)));
            const uchar4 row0_1 = vload4(0, in + ((y0 - 1) * (3 * nx) + x0));
            const uchar4 row0_2 = vload4(0, in + ((y0 - 1) * (3 * nx) + (x0 + 4)));
            const uchar4 row0_3 = vload4(0, in + ((y0 - 1) * (3 * nx) + (x0 + 8)));
            const uchar4 s0_0l = (uchar4)(row0_0.s1, row0_0.s2, row0_0.s3, row0_1.s0);
            const int4 t0_0l = convert_int4(s0_0l);
            const int4 t0_0c = convert_int4(row0_1);
            const uchar4 s0_0r = (uchar4)(row0_1.s3, row0_2.s0, row0_2.s1, row0_2.s2);
            const int4 t0_0r = convert_int4(s0_0r);
            const uchar4 s0_1l = (uchar4)(row0_1.s1, row0_1.s2, row0_1.s3, row0_2.s0);
            const int4 t0_1l = convert_int4(s0_1l);
            const int4 t0_1c = convert_int4(row0_2);
            const uchar4 s0_1r = (uchar4)(row0_2.s3, row0_3.s0, row0_3.s1, row0_3.s2);
            const int4 t0_1r = convert_int4(s0_1r);
            const uchar4 row1_0 = vload4(0, in + (y0 * (3 * nx) + (x0 - 4)));
            const uchar4 row1_1 = vload4(0, in + (y0 * (3 * nx) + x0));
            const uchar4 row1_2 = vload4(0, in + (y0 * (3 * nx) + (x0 + 4)));
            const uchar4 row1_3 = vload4(0, in + (y0 * (3 * nx) + (x0 + 8)));
            const uchar4 s1_0l = (uchar4)(row1_0.s1, row1_0.s2, row1_0.s3, row1_1.s0);
            const int4 t1_0l = convert_int4(s1_0l);
            const int4 t1_0c = convert_int4(row1_1);
            const uchar4 s1_0r = (uchar4)(row1_1.s3, row1_2.s0, row1_2.s1, row1_2.s2);
            const int4 t1_0r = convert_int4(s1_0r);
            const uchar4 s1_1l = (uchar4)(row1_1.s1, row1_1.s2, row1_1.s3, row1_2.s0);
            const int4 t1_1l = convert_int4(s1_1l);
            const int4 t1_1c = convert_int4(row1_2);
            const uchar4 s1_1r = (uchar4)(row1_2.s3, row1_3.s0, row1_3.s1, row1_3.s2);
            const int4 t1_1r = convert_int4(s1_1r);
            const uchar4 row2_0 = vload4(0, in + ((y0 + 1) * (3 * nx) + (x0 - 4)));
            const uchar4 row2_1 = vload4(0, in + ((y0 + 1) * (3 * nx) + x0));
            const uchar4 row2_2 = vload4(0, in + ((y0 + 1) * (3 * nx) + (x0 + 4)));
            const uchar4 row2_3 = vload4(0, in + ((y0 + 1) * (3 * nx) + (x0 + 8)));
            const uchar4 s2_0l = (uchar4)(row2_0.s1, row2_0.s2, row2_0.s3, row2_1.s0);
            const int4 t2_0l = convert_int4(s2_0l);
            const int4 t2_0c = convert_int4(row2_1);
            const uchar4 s2_0r = (uchar4)(row2_1.s3, row2_2.s0, row2_2.s1, row2_2.s2);
            const int4 t2_0r = convert_int4(s2_0r);
            const uchar4 s2_1l = (uchar4)(row2_1.s1, row2_1.s2, row2_1.s3, row2_2.s0);
            const int4 t2_1l = convert_int4(s2_1l);
            const int4 t2_1c = convert_int4(row2_2);
            const uchar4 s2_1r = (uchar4)(row2_2.s3, row2_3.s0, row2_3.s1, row2_3.s2);
            const int4 t2_1r = convert_int4(s2_1r);
            const uchar4 row3_0 = vload4(0, in + ((y0 + 2) * (3 * nx) + (x0 - 4)));
            const uchar4 row3_1 = vload4(0, in + ((y0 + 2) * (3 * nx) + x0));
            const uchar4 row3_2 = vload4(0, in + ((y0 + 2) * (3 * nx) + (x0 + 4)));
            const uchar4 row3_3 = vload4(0, in + ((y0 + 2) * (3 * nx) + (x0 + 8)));
            const uchar4 s3_0l = (uchar4)(row3_0.s1, row3_0.s2, row3_0.s3, row3_1.s0);
            const int4 t3_0l = convert_int4(s3_0l);
            const int4 t3_0c = convert_int4(row3_1);
            const uchar4 s3_0r = (uchar4)(row3_1.s3, row3_2.s0, row3_2.s1, row3_2.s2);
            const int4 t3_0r = convert_int4(s3_0r);
            const uchar4 s3_1l = (uchar4)(row3_1.s1, row3_1.s2, row3_1.s3, row3_2.s0);
            const int4 t3_1l = convert_int4(s3_1l);
            const int4 t3_1c = convert_int4(row3_2);
            const uchar4 s3_1r = (uchar4)(row3_2.s3, row3_3.s0, row3_3.s1, row3_3.s2);
            const int4 t3_1r = convert_int4(s3_1r);
            {
                int4 acc = (int4)(8) * t1_0c;
                acc -= t0_0l;
                acc -= t0_0c;
                acc -= t0_0r;
                acc -= t1_0l;
                acc -= t1_0r;
                acc -= t2_0l;
                acc -= t2_0c;
                acc -= t2_0r;
                vstore4(convert_uchar4(max(min(acc, (int4)(255)), (int4)(0))), 0, out + (y0 * (3 * nx) + x0));
            }
            {
                int4 acc = (int4)(8) * t1_1c;
                acc -= t0_1l;
                acc -= t0_1c;
                acc -= t0_1r;
                acc -= t1_1l;
                acc -= t1_1r;
                acc -= t2_1l;
                acc -= t2_1c;
                acc -= t2_1r;
                vstore4(convert_uchar4(max(min(acc, (int4)(255)), (int4)(0))), 0, out + (y0 * (3 * nx) + (x0 + 4)));
            }
            {
                int4 acc = (int4)(8) * t2_0c;
                acc -= t1_0l;
                acc -= t1_0c;
                acc -= t1_0r;
                acc -= t2_0l;
                acc -= t2_0r;
                acc -= t3_0l;
                acc -= t3_0c;
                acc -= t3_0r;
                vstore4(convert_uchar4(max(min(acc, (int4)(255)), (int4)(0))), 0, out + ((y0 + 1) * (3 * nx) + x0));
            }
            {
                int4 acc = (int4)(8) * t2_1c;
                acc -= t1_1l;
                acc -= t1_1c;
                acc -= t1_1r;
                acc -= t2_1l;
                acc -= t2_1r;
                acc -= t3_1l;
                acc -= t3_1c;
                acc -= t3_1r;
                vstore4(convert_uchar4(max(min(acc, (int4)(255)), (int4)(0))), 0, out + ((y0 + 1) * (3 * nx) + (x0 + 4)));
            }
        } else {
            {
                const int y = y0;
                for (int c = 0; c < 8; c += 1) {
                    const int x = x0 + c;
                    if (x < 3 || y == 0 || x >= w - 3 || y == ny - 1) {
                        out[y * (3 * nx) + x] = in[y * (3 * nx) + x];
                    } else {
                        int acc = 8 * (int)in[y * (3 * nx) + x];
                        acc -= (int)in[(y - 1) * (3 * nx) + (x - 3)];
                        acc -= (int)in[(y - 1) * (3 * nx) + x];
                        acc -= (int)in[(y - 1) * (3 * nx) + (x + 3)];
                        acc -= (int)in[y * (3 * nx) + (x - 3)];
                        acc -= (int)in[y * (3 * nx) + (x + 3)];
                        acc -= (int)in[(y + 1) * (3 * nx) + (x - 3)];
                        acc -= (int)in[(y + 1) * (3 * nx) + x];
                        acc -= (int)in[(y + 1) * (3 * nx) + (x + 3)];
                        out[y * (3 * nx) + x] = (uchar)max(min(acc, 255), 0);
                    }
                }
            }
            {
                const int y = y0 + 1;
                for (int c = 0; c < 8; c += 1) {
                    const int x = x0 + c;
                    if (x < 3 || y == 0 || x >= w - 3 || y == ny - 1) {
                        out[y * (3 * nx) + x] = in[y * (3 * nx) + x];
                    } else {
                        int acc = 8 * (int)in[y * (3 * nx) + x];
                        acc -= (int)in[(y - 1) * (3 * nx) + (x - 3)];
                        acc -= (int)in[(y - 1) * (3 * nx) + x];
                        acc -= (int)in[(y - 1) * (3 * nx) + (x + 3)];
                        acc -= (int)in[y * (3 * nx) + (x - 3)];
                        acc -= (int)in[y * (3 * nx) + (x + 3)];
                        acc -= (int)in[(y + 1) * (3 * nx) + (x - 3)];
                        acc -= (int)in[(y + 1) * (3 * nx) + x];
                        acc -= (int)in[(y + 1) * (3 * nx) + (x + 3)];
                        out[y * (3 * nx) + x] = (uchar)max(min(acc, 255), 0);
                    }
                }
            }
        }
    }
}
