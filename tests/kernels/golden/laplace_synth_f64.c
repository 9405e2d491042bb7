#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef float kiln_float4 __attribute__((vector_size(16)));
typedef double kiln_double4 __attribute__((vector_size(32)));
static inline kiln_float4 kiln_vload_float4(const float *p)
{
    kiln_float4 v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void kiln_vstore_float4(float *p, kiln_float4 v)
{
    memcpy(p, &v, sizeof v);
}
static inline kiln_float4 kiln_splat_float4(float x)
{
    kiln_float4 v;
    for (int i = 0; i < 4; i++)
        v[i] = x;
    return v;
}
static inline kiln_double4 kiln_vload_double4(const double *p)
{
    kiln_double4 v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void kiln_vstore_double4(double *p, kiln_double4 v)
{
    memcpy(p, &v, sizeof v);
}
static inline kiln_double4 kiln_splat_double4(double x)
{
    kiln_double4 v;
    for (int i = 0; i < 4; i++)
        v[i] = x;
    return v;
}

static void laplace(int32_t nx, int32_t ny, const float *restrict in, float *restrict out, const size_t *kiln_global, const size_t *kiln_local)
{
    const size_t kiln_lsize0 = kiln_local[0];
    const size_t kiln_lsize1 = kiln_local[1];
    const size_t kiln_lsize2 = kiln_local[2];
    const size_t kiln_ng0 = kiln_global[0] / kiln_lsize0;
    const size_t kiln_ng1 = kiln_global[1] / kiln_lsize1;
    const size_t kiln_ng2 = kiln_global[2] / kiln_lsize2;
    for (size_t kiln_g2 = 0; kiln_g2 < kiln_ng2; kiln_g2++)
    for (size_t kiln_g1 = 0; kiln_g1 < kiln_ng1; kiln_g1++)
    for (size_t kiln_g0 = 0; kiln_g0 < kiln_ng0; kiln_g0++) {
        for (size_t kiln_l2 = 0; kiln_l2 < kiln_lsize2; kiln_l2++)
        for (size_t kiln_l1 = 0; kiln_l1 < kiln_lsize1; kiln_l1++)
        for (size_t kiln_l0 = 0; kiln_l0 < kiln_lsize0; kiln_l0++) {
            // x_per_item 2, y_per_item 2, vec 4, temp_size 8, synth 1, wg 16 x 4
            const int32_t gx = (int32_t)(int64_t)(kiln_g0 * kiln_lsize0 + kiln_l0);
            const int32_t gy = (int32_t)(int64_t)(kiln_g1 * kiln_lsize1 + kiln_l1);
            if (gx < nx / 8 && gy < ny / 2) {
                const int32_t x0 = gx * 8;
                const int32_t y0 = gy * 2;
                if (x0 >= 1 && y0 >= 1 && x0 + 8 < nx && y0 + 2 < ny) {
                    const kiln_float4 p0_0 = kiln_vload_float4(in + ((y0 - 1) * nx + x0));
                    const kiln_float4 p0_1 = kiln_vload_float4(in + ((y0 - 1) * nx + (x0 + 4)));
                    const float left0 = in[(y0 - 1) * nx + (x0 - 1)];
                    const float right0 = in[(y0 - 1) * nx + (x0 + 8)];
                    const kiln_float4 p1_0 = kiln_vload_float4(in + (y0 * nx + x0));
                    const kiln_float4 p1_1 = kiln_vload_float4(in + (y0 * nx + (x0 + 4)));
                    const float left1 = in[y0 * nx + (x0 - 1)];
                    const float right1 = in[y0 * nx + (x0 + 8)];
                    const kiln_float4 p2_0 = kiln_vload_float4(in + ((y0 + 1) * nx + x0));
                    const kiln_float4 p2_1 = kiln_vload_float4(in + ((y0 + 1) * nx + (x0 + 4)));
                    const float left2 = in[(y0 + 1) * nx + (x0 - 1)];
                    const float right2 = in[(y0 + 1) * nx + (x0 + 8)];
                    const kiln_float4 p3_0 = kiln_vload_float4(in + ((y0 + 2) * nx + x0));
                    const kiln_float4 p3_1 = kiln_vload_float4(in + ((y0 + 2) * nx + (x0 + 4)));
                    const float left3 = in[(y0 + 2) * nx + (x0 - 1)];
                    const float right3 = in[(y0 + 2) * nx + (x0 + 8)];
                    {
                        const kiln_float4 sl0 = (kiln_float4){left0, p0_0[0], p0_0[1], p0_0[2]};
                        const kiln_float4 sr0 = __builtin_shufflevector(p0_0, p0_1, 1, 2, 3, 4);
                        const kiln_float4 sl1 = (kiln_float4){left1, p1_0[0], p1_0[1], p1_0[2]};
                        const kiln_float4 sr1 = __builtin_shufflevector(p1_0, p1_1, 1, 2, 3, 4);
                        const kiln_float4 sl2 = (kiln_float4){left2, p2_0[0], p2_0[1], p2_0[2]};
                        const kiln_float4 sr2 = __builtin_shufflevector(p2_0, p2_1, 1, 2, 3, 4);
                        kiln_double4 acc = kiln_splat_double4(8.0) * __builtin_convertvector(p1_0, kiln_double4);
                        acc -= __builtin_convertvector(sl0, kiln_double4);
                        acc -= __builtin_convertvector(p0_0, kiln_double4);
                        acc -= __builtin_convertvector(sr0, kiln_double4);
                        acc -= __builtin_convertvector(sl1, kiln_double4);
                        acc -= __builtin_convertvector(sr1, kiln_double4);
                        acc -= __builtin_convertvector(sl2, kiln_double4);
                        acc -= __builtin_convertvector(p2_0, kiln_double4);
                        acc -= __builtin_convertvector(sr2, kiln_double4);
                        kiln_vstore_float4(out + (y0 * nx + x0), __builtin_convertvector(acc, kiln_float4));
                    }
                    {
                        const kiln_float4 sl0 = __builtin_shufflevector(p0_0, p0_1, 3, 4, 5, 6);
                        const kiln_float4 sr0 = (kiln_float4){p0_1[1], p0_1[2], p0_1[3], right0};
                        const kiln_float4 sl1 = __builtin_shufflevector(p1_0, p1_1, 3, 4, 5, 6);
                        const kiln_float4 sr1 = (kiln_float4){p1_1[1], p1_1[2], p1_1[3], right1};
                        const kiln_float4 sl2 = __builtin_shufflevector(p2_0, p2_1, 3, 4, 5, 6);
                        const kiln_float4 sr2 = (kiln_float4){p2_1[1], p2_1[2], p2_1[3], right2};
                        kiln_double4 acc = kiln_splat_double4(8.0) * __builtin_convertvector(p1_1, kiln_double4);
                        acc -= __builtin_convertvector(sl0, kiln_double4);
                        acc -= __builtin_convertvector(p0_1, kiln_double4);
                        acc -= __builtin_convertvector(sr0, kiln_double4);
                        acc -= __builtin_convertvector(sl1, kiln_double4);
                        acc -= __builtin_convertvector(sr1, kiln_double4);
                        acc -= __builtin_convertvector(sl2, kiln_double4);
                        acc -= __builtin_convertvector(p2_1, kiln_double4);
                        acc -= __builtin_convertvector(sr2, kiln_double4);
                        kiln_vstore_float4(out + (y0 * nx + (x0 + 4)), __builtin_convertvector(acc, kiln_float4));
                    }
                    {
                        const kiln_float4 sl0 = (kiln_float4){left1, p1_0[0], p1_0[1], p1_0[2]};
                        const kiln_float4 sr0 = __builtin_shufflevector(p1_0, p1_1, 1, 2, 3, 4);
                        const kiln_float4 sl1 = (kiln_float4){left2, p2_0[0], p2_0[1], p2_0[2]};
                        const kiln_float4 sr1 = __builtin_shufflevector(p2_0, p2_1, 1, 2, 3, 4);
                        const kiln_float4 sl2 = (kiln_float4){left3, p3_0[0], p3_0[1], p3_0[2]};
                        const kiln_float4 sr2 = __builtin_shufflevector(p3_0, p3_1, 1, 2, 3, 4);
                        kiln_double4 acc = kiln_splat_double4(8.0) * __builtin_convertvector(p2_0, kiln_double4);
                        acc -= __builtin_convertvector(sl0, kiln_double4);
                        acc -= __builtin_convertvector(p1_0, kiln_double4);
                        acc -= __builtin_convertvector(sr0, kiln_double4);
                        acc -= __builtin_convertvector(sl1, kiln_double4);
                        acc -= __builtin_convertvector(sr1, kiln_double4);
                        acc -= __builtin_convertvector(sl2, kiln_double4);
                        acc -= __builtin_convertvector(p3_0, kiln_double4);
                        acc -= __builtin_convertvector(sr2, kiln_double4);
                        kiln_vstore_float4(out + ((y0 + 1) * nx + x0), __builtin_convertvector(acc, kiln_float4));
                    }
                    {
                        const kiln_float4 sl0 = __builtin_shufflevector(p1_0, p1_1, 3, 4, 5, 6);
                        const kiln_float4 sr0 = (kiln_float4){p1_1[1], p1_1[2], p1_1[3], right1};
                        const kiln_float4 sl1 = __builtin_shufflevector(p2_0, p2_1, 3, 4, 5, 6);
                        const kiln_float4 sr1 = (kiln_float4){p2_1[1], p2_1[2], p2_1[3], right2};
                        const kiln_float4 sl2 = __builtin_shufflevector(p3_0, p3_1, 3, 4, 5, 6);
                        const kiln_float4 sr2 = (kiln_float4){p3_1[1], p3_1[2], p3_1[3], right3};
                        kiln_double4 acc = kiln_splat_double4(8.0) * __builtin_convertvector(p2_1, kiln_double4);
                        acc -= __builtin_convertvector(sl0, kiln_double4);
                        acc -= __builtin_convertvector(p1_1, kiln_double4);
                        acc -= __builtin_convertvector(sr0, kiln_double4);
                        acc -= __builtin_convertvector(sl1, kiln_double4);
                        acc -= __builtin_convertvector(sr1, kiln_double4);
                        acc -= __builtin_convertvector(sl2, kiln_double4);
                        acc -= __builtin_convertvector(p3_1, kiln_double4);
                        acc -= __builtin_convertvector(sr2, kiln_double4);
                        kiln_vstore_float4(out + ((y0 + 1) * nx + (x0 + 4)), __builtin_convertvector(acc, kiln_float4));
                    }
                } else {
                    {
                        const int32_t y = y0;
                        for (int32_t px = 0; px < 8; px += 1) {
                            const int32_t x = x0 + px;
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
                        const int32_t y = y0 + 1;
                        for (int32_t px = 0; px < 8; px += 1) {
                            const int32_t x = x0 + px;
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
    }
}

void laplace_entry(void *const *args, const size_t *global, const size_t *local);
void laplace_entry(void *const *args, const size_t *global, const size_t *local)
{
    size_t lsize[3] = {16, 4, 1};
    if (local && (local[0] | local[1] | local[2]) != 0)
        for (int d = 0; d < 3; d++)
            lsize[d] = local[d] ? local[d] : 1;
    laplace(*(const int32_t *)args[0], *(const int32_t *)args[1], (const float *)args[2], (float *)args[3], global, lsize);
}
