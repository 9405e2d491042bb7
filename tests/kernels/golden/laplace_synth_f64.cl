#pragma OPENCL EXTENSION cl_khr_fp64 : enable

__kernel __attribute__((reqd_work_group_size(16, 4, 1)))
void laplace(int nx, int ny, __global const float *restrict in, __global float *restrict out)
{
    // x_per_item 2, y_per_item 2, vec 4, temp_size 8, synth 1, wg 16 x 4
    const int gx = (int)(long)get_global_id(0);
    const int gy = (int)(long)get_global_id(1);
    if (gx < nx / 8 && gy < ny / 2) {
        const int x0 = gx * 8;
        const int y0 = gy * 2;
        if (x0 >= 1 && y0 >= 1 && x0 + 8 < nx && y0 + 2 < ny) {
            const float4 p0_0 = vload4(0, in + ((y0 - 1) * nx + x0));
            const float4 p0_1 = vload4(0, in + ((y0 - 1) * nx + (x0 + 4)));
            const float left0 = in[(y0 - 1) * nx + (x0 - 1)];
            const float right0 = in[(y0 - 1) * nx + (x0 + 8)];
            const float4 p1_0 = vload4(0, in + (y0 * nx + x0));
            const float4 p1_1 = vload4(0, in + (y0 * nx + (x0 + 4)));
            const float left1 = in[y0 * nx + (x0 - 1)];
            const float right1 = in[y0 * nx + (x0 + 8)];
            const float4 p2_0 = vload4(0, in + ((y0 + 1) * nx + x0));
            const float4 p2_1 = vload4(0, in + ((y0 + 1) * nx + (x0 + 4)));
            const float left2 = in[(y0 + 1) * nx + (x0 - 1)];
            const float right2 = in[(y0 + 1) * nx + (x0 + 8)];
            const float4 p3_0 = vload4(0, in + ((y0 + 2) * nx + x0));
            const float4 p3_1 = vload4(0, in + ((y0 + 2) * nx + (x0 + 4)));
            const float left3 = in[(y0 + 2) * nx + (x0 - 1)];
            const float right3 = in[(y0 + 2) * nx + (x0 + 8)];
            {
                const float4 sl0 = (float4)(left0, p0_0.s0, p0_0.s1, p0_0.s2);
                const float4 sr0 = (float4)(p0_0.s1, p0_0.s2, p0_0.s3, p0_1.s0);
                const float4 sl1 = (float4)(left1, p1_0.s0, p1_0.s1, p1_0.s2);
                const float4 sr1 = (float4)(p1_0.s1, p1_0.s2, p1_0.s3, p1_1.s0);
                const float4 sl2 = (float4)(left2, p2_0.s0, p2_0.s1, p2_0.s2);
                const float4 sr2 = (float4)(p2_0.s1, p2_0.s2, p2_0.s3, p2_1.s0);
                double4 acc = (double4)(8.0) * convert_double4(p1_0);
                acc -= convert_double4(sl0);
                acc -= convert_double4(p0_0);
                acc -= convert_double4(sr0);
                acc -= convert_double4(sl1);
                acc -= convert_double4(sr1);
                acc -= convert_double4(sl2);
                acc -= convert_double4(p2_0);
                acc -= convert_double4(sr2);
                vstore4(convert_float4(acc), 0, out + (y0 * nx + x0));
            }
            {
                const float4 sl0 = (float4)(p0_0.s3, p0_1.s0, p0_1.s1, p0_1.s2);
                const float4 sr0 = (float4)(p0_1.s1, p0_1.s2, p0_1.s3, right0);
                const float4 sl1 = (float4)(p1_0.s3, p1_1.s0, p1_1.s1, p1_1.s2);
                const float4 sr1 = (float4)(p1_1.s1, p1_1.s2, p1_1.s3, right1);
                const float4 sl2 = (float4)(p2_0.s3, p2_1.s0, p2_1.s1, p2_1.s2);
                const float4 sr2 = (float4)(p2_1.s1, p2_1.s2, p2_1.s3, right2);
                double4 acc = (double4)(8.0) * convert_double4(p1_1);
                acc -= convert_double4(sl0);
                acc -= convert_double4(p0_1);
                acc -= convert_double4(sr0);
                acc -= convert_double4(sl1);
                acc -= convert_double4(sr1);
                acc -= convert_double4(sl2);
                acc -= convert_double4(p2_1);
                acc -= convert_double4(sr2);
                vstore4(convert_float4(acc), 0, out + (y0 * nx + (x0 + 4)));
            }
            {
                const float4 sl0 = (float4)(left1, p1_0.s0, p1_0.s1, p1_0.s2);
                const float4 sr0 = (float4)(p1_0.s1, p1_0.s2, p1_0.s3, p1_1.s0);
                const float4 sl1 = (float4)(left2, p2_0.s0, p2_0.s1, p2_0.s2);
                const float4 sr1 = (float4)(p2_0.s1, p2_0.s2, p2_0.s3, p2_1.s0);
                const float4 sl2 = (float4)(left3, p3_0.s0, p3_0.s1, p3_0.s2);
                const float4 sr2 = (float4)(p3_0.s1, p3_0.s2, p3_0.s3, p3_1.s0);
                double4 acc = (double4)(8.0) * convert_double4(p2_0);
                acc -= convert_double4(sl0);
                acc -= convert_double4(p1_0);
                acc -= convert_double4(sr0);
                acc -= convert_double4(sl1);
                acc -= convert_double4(sr1);
                acc -= convert_double4(sl2);
                acc -= convert_double4(p3_0);
                acc -= convert_double4(sr2);
                vstore4(convert_float4(acc), 0, out + ((y0 + 1) * nx + x0));
            }
            {
                const float4 sl0 = (float4)(p1_0.s3, p1_1.s0, p1_1.s1, p1_1.s2);
                const float4 sr0 = (float4)(p1_1.s1, p1_1.s2, p1_1.s3, right1);
                const float4 sl1 = (float4)(p2_0.s3, p2_1.s0, p2_1.s1, p2_1.s2);
                const float4 sr1 = (float4)(p2_1.s1, p2_1.s2, p2_1.s3, right2);
                const float4 sl2 = (float4)(p3_0.s3, p3_1.s0, p3_1.s1, p3_1.s2);
                const float4 sr2 = (float4)(p3_1.s1, p3_1.s2, p3_1.s3, right3);
                double4 acc = (double4)(8.0) * convert_double4(p2_1);
                acc -= convert_double4(sl0);
                acc -= convert_double4(p1_1);
                acc -= convert_double4(sr0);
                acc -= convert_double4(sl1);
                acc -= convert_double4(sr1);
                acc -= convert_double4(sl2);
                acc -= convert_double4(p3_1);
                acc -= convert_double4(sr2);
                vstore4(convert_float4(acc), 0, out + ((y0 + 1) * nx + (x0 + 4)));
            }
        } else {
            {
                const int y = y0;
                for (int px = 0; px < 8; px += 1) {
                    const int x = x0 + px;
                    if (x == 0 || y == 0 || x == nx - 1 || y == ny - 1) {
                        out[y * nx + x] = in[y * nx + x];
                    } else {
                        double acc = 8.0 * (double)in[y * nx + x];
                        acc -= (double)in[(y - 1) * nx + (x - 1)];
                        acc -= (double)in[(y - 1) * nx + x];
                        acc -= (double)in[(y - 1) * nx + (x + 1)];
                        acc -= (double)in[y * nx + (x - 1)];
                        acc -= (double)in[y * nx + (x + 1)];
                        acc -= (double)in[(y + 1) * nx + (x - 1)];
                        acc -= (double)in[(y + 1) * nx + x];
                        acc -= (double)in[(y + 1) * nx + (x + 1)];
                        out[y * nx + x] = (float)acc;
                    }
                }
            }
            {
                const int y = y0 + 1;
                for (int px = 0; px < 8; px += 1) {
                    const int x = x0 + px;
                    if (x == 0 || y == 0 || x == nx - 1 || y == ny - 1) {
                        out[y * nx + x] = in[y * nx + x];
                    } else {
                        double acc = 8.0 * (double)in[y * nx + x];
                        acc -= (double)in[(y - 1) * nx + (x - 1)];
                        acc -= (double)in[(y - 1) * nx + x];
                        acc -= (double)in[(y - 1) * nx + (x + 1)];
                        acc -= (double)in[y * nx + (x - 1)];
                        acc -= (double)in[y * nx + (x + 1)];
                        acc -= (double)in[(y + 1) * nx + (x - 1)];
                        acc -= (double)in[(y + 1) * nx + x];
                        acc -= (double)in[(y + 1) * nx + (x + 1)];
                        out[y * nx + x] = (float)acc;
                    }
                }
            }
        }
    }
}
