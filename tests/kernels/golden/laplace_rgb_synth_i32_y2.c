#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t kiln_uchar4 __attribute__((vector_size(4)));
typedef int32_t kiln_int4 __attribute__((vector_size(16)));
static inline kiln_uchar4 kiln_vload_uchar4(const uint8_t *p)
{
    kiln_uchar4 v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void kiln_vstore_uchar4(uint8_t *p, kiln_uchar4 v)
{
    memcpy(p, &v, sizeof v);
}
static inline kiln_uchar4 kiln_splat_uchar4(uint8_t x)
{
    kiln_uchar4 v;
    for (int i = 0; i < 4; i++)
        v[i] = x;
    return v;
}
static inline kiln_int4 kiln_vload_int4(const int32_t *p)
{
    kiln_int4 v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void kiln_vstore_int4(int32_t *p, kiln_int4 v)
{
    memcpy(p, &v, sizeof v);
}
static inline kiln_int4 kiln_splat_int4(int32_t x)
{
    kiln_int4 v;
    for (int i = 0; i < 4; i++)
        v[i] = x;
    return v;
}
static inline kiln_int4 kiln_min_int4(kiln_int4 a, kiln_int4 b)
{
    kiln_int4 r;
    for (int i = 0; i < 4; i++)
        r[i] = a[i] < b[i] ? a[i] : b[i];
    return r;
}
static inline kiln_int4 kiln_max_int4(kiln_int4 a, kiln_int4 b)
{
    kiln_int4 r;
    for (int i = 0; i < 4; i++)
        r[i] = a[i] > b[i] ? a[i] : b[i];
    return r;
}
static inline int32_t kiln_min_i32(int32_t a, int32_t b)
{
    return a < b ? a : b;
}
static inline int32_t kiln_max_i32(int32_t a, int32_t b)
{
    return a > b ? a : b;
}

static void laplace_rgb(int32_t nx, int32_t ny, const uint8_t *restrict in, uint8_t *restrict out, const size_t *kiln_global, const size_t *kiln_local)
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
            // x_component_number 8, vector_length 4, y_component_number 2, temporary_size 4, synthesizing_loads 1, wg 16 x 4
            const int32_t w = 3 * nx;
            const int32_t gx = (int32_t)(int64_t)(kiln_g0 * kiln_lsize0 + kiln_l0);
            const int32_t gy = (int32_t)(int64_t)(kiln_g1 * kiln_lsize1 + kiln_l1);
            if (gx < w / 8 && gy < ny / 2) {
                const int32_t x0 = gx * 8;
                const int32_t y0 = gy * 2;
                if (x0 >= 3 && y0 >= 1 && x0 + 11 <= w && y0 + 2 < ny) {
                    const kiln_uchar4 row0_0 = kiln_vload_uchar4(in + ((y0 - 1) * (3 * nx) + (x0 - 4)));
                    const kiln_uchar4 row0_1 = kiln_vload_uchar4(in + ((y0 - 1) * (3 * nx) + x0));
                    const kiln_uchar4 row0_2 = kiln_vload_uchar4(in + ((y0 - 1) * (3 * nx) + (x0 + 4)));
                    const kiln_uchar4 row0_3 = kiln_vload_uchar4(in + ((y0 - 1) * (3 * nx) + (x0 + 8)));
                    const kiln_uchar4 s0_0l = __builtin_shufflevector(row0_0, row0_1, 1, 2, 3, 4);
                    const kiln_int4 t0_0l = __builtin_convertvector(s0_0l, kiln_int4);
                    const kiln_int4 t0_0c = __builtin_convertvector(row0_1, kiln_int4);
                    const kiln_uchar4 s0_0r = __builtin_shufflevector(row0_1, row0_2, 3, 4, 5, 6);
                    const kiln_int4 t0_0r = __builtin_convertvector(s0_0r, kiln_int4);
                    const kiln_uchar4 s0_1l = __builtin_shufflevector(row0_1, row0_2, 1, 2, 3, 4);
                    const kiln_int4 t0_1l = __builtin_convertvector(s0_1l, kiln_int4);
                    const kiln_int4 t0_1c = __builtin_convertvector(row0_2, kiln_int4);
                    const kiln_uchar4 s0_1r = __builtin_shufflevector(row0_2, row0_3, 3, 4, 5, 6);
                    const kiln_int4 t0_1r = __builtin_convertvector(s0_1r, kiln_int4);
                    const kiln_uchar4 row1_0 = kiln_vload_uchar4(in + (y0 * (3 * nx) + (x0 - 4)));
                    const kiln_uchar4 row1_1 = kiln_vload_uchar4(in + (y0 * (3 * nx) + x0));
                    const kiln_uchar4 row1_2 = kiln_vload_uchar4(in + (y0 * (3 * nx) + (x0 + 4)));
                    const kiln_uchar4 row1_3 = kiln_vload_uchar4(in + (y0 * (3 * nx) + (x0 + 8)));
                    const kiln_uchar4 s1_0l = __builtin_shufflevector(row1_0, row1_1, 1, 2, 3, 4);
                    const kiln_int4 t1_0l = __builtin_convertvector(s1_0l, kiln_int4);
                    const kiln_int4 t1_0c = __builtin_convertvector(row1_1, kiln_int4);
                    const kiln_uchar4 s1_0r = __builtin_shufflevector(row1_1, row1_2, 3, 4, 5, 6);
                    const kiln_int4 t1_0r = __builtin_convertvector(s1_0r, kiln_int4);
                    const kiln_uchar4 s1_1l = __builtin_shufflevector(row1_1, row1_2, 1, 2, 3, 4);
                    const kiln_int4 t1_1l = __builtin_convertvector(s1_1l, kiln_int4);
                    const kiln_int4 t1_1c = __builtin_convertvector(row1_2, kiln_int4);
                    const kiln_uchar4 s1_1r = __builtin_shufflevector(row1_2, row1_3, 3, 4, 5, 6);
                    const kiln_int4 t1_1r = __builtin_convertvector(s1_1r, kiln_int4);
                    const kiln_uchar4 row2_0 = kiln_vload_uchar4(in + ((y0 + 1) * (3 * nx) + (x0 - 4)));
                    const kiln_uchar4 row2_1 = kiln_vload_uchar4(in + ((y0 + 1) * (3 * nx) + x0));
                    const kiln_uchar4 row2_2 = kiln_vload_uchar4(in + ((y0 + 1) * (3 * nx) + (x0 + 4)));
                    const kiln_uchar4 row2_3 = kiln_vload_uchar4(in + ((y0 + 1) * (3 * nx) + (x0 + 8)));
                    const kiln_uchar4 s2_0l = __builtin_shufflevector(row2_0, row2_1, 1, 2, 3, 4);
                    const kiln_int4 t2_0l = __builtin_convertvector(s2_0l, kiln_int4);
                    const kiln_int4 t2_0c = __builtin_convertvector(row2_1, kiln_int4);
                    const kiln_uchar4 s2_0r = __builtin_shufflevector(row2_1, row2_2, 3, 4, 5, 6);
                    const kiln_int4 t2_0r = __builtin_convertvector(s2_0r, kiln_int4);
                    const kiln_uchar4 s2_1l = __builtin_shufflevector(row2_1, row2_2, 1, 2, 3, 4);
                    const kiln_int4 t2_1l = __builtin_convertvector(s2_1l, kiln_int4);
                    const kiln_int4 t2_1c = __builtin_convertvector(row2_2, kiln_int4);
                    const kiln_uchar4 s2_1r = __builtin_shufflevector(row2_2, row2_3, 3, 4, 5, 6);
                    const kiln_int4 t2_1r = __builtin_convertvector(s2_1r, kiln_int4);
                    const kiln_uchar4 row3_0 = kiln_vload_uchar4(in + ((y0 + 2) * (3 * nx) + (x0 - 4)));
                    const kiln_uchar4 row3_1 = kiln_vload_uchar4(in + ((y0 + 2) * (3 * nx) + x0));
                    const kiln_uchar4 row3_2 = kiln_vload_uchar4(in + ((y0 + 2) * (3 * nx) + (x0 + 4)));
                    const kiln_uchar4 row3_3 = kiln_vload_uchar4(in + ((y0 + 2) * (3 * nx) + (x0 + 8)));
                    const kiln_uchar4 s3_0l = __builtin_shufflevector(row3_0, row3_1, 1, 2, 3, 4);
                    const kiln_int4 t3_0l = __builtin_convertvector(s3_0l, kiln_int4);
                    const kiln_int4 t3_0c = __builtin_convertvector(row3_1, kiln_int4);
                    const kiln_uchar4 s3_0r = __builtin_shufflevector(row3_1, row3_2, 3, 4, 5, 6);
                    const kiln_int4 t3_0r = __builtin_convertvector(s3_0r, kiln_int4);
                    const kiln_uchar4 s3_1l = __builtin_shufflevector(row3_1, row3_2, 1, 2, 3, 4);
                    const kiln_int4 t3_1l = __builtin_convertvector(s3_1l, kiln_int4);
                    const kiln_int4 t3_1c = __builtin_convertvector(row3_2, kiln_int4);
                    const kiln_uchar4 s3_1r = __builtin_shufflevector(row3_2, row3_3, 3, 4, 5, 6);
                    const kiln_int4 t3_1r = __builtin_convertvector(s3_1r, kiln_int4);
                    {
                        kiln_int4 acc = kiln_splat_int4(8) * t1_0c;
                        acc -= t0_0l;
                        acc -= t0_0c;
                        acc -= t0_0r;
                        acc -= t1_0l;
                        acc -= t1_0r;
                        acc -= t2_0l;
                        acc -= t2_0c;
                        acc -= t2_0r;
                        kiln_vstore_uchar4(out + (y0 * (3 * nx) + x0), __builtin_convertvector(kiln_max_int4(kiln_min_int4(acc, kiln_splat_int4(255)), kiln_splat_int4(0)), kiln_uchar4));
                    }
                    {
                        kiln_int4 acc = kiln_splat_int4(8) * t1_1c;
                        acc -= t0_1l;
                        acc -= t0_1c;
                        acc -= t0_1r;
                        acc -= t1_1l;
                        acc -= t1_1r;
                        acc -= t2_1l;
                        acc -= t2_1c;
                        acc -= t2_1r;
                        kiln_vstore_uchar4(out + (y0 * (3 * nx) + (x0 + 4)), __builtin_convertvector(kiln_max_int4(kiln_min_int4(acc, kiln_splat_int4(255)), kiln_splat_int4(0)), kiln_uchar4));
                    }
                    {
                        kiln_int4 acc = kiln_splat_int4(8) * t2_0c;
                        acc -= t1_0l;
                        acc -= t1_0c;
                        acc -= t1_0r;
                        acc -= t2_0l;
                        acc -= t2_0r;
                        acc -= t3_0l;
                        acc -= t3_0c;
                        acc -= t3_0r;
                        kiln_vstore_uchar4(out + ((y0 + 1) * (3 * nx) + x0), __builtin_convertvector(kiln_max_int4(kiln_min_int4(acc, kiln_splat_int4(255)), kiln_splat_int4(0)), kiln_uchar4));
                    }
                    {
                        kiln_int4 acc = kiln_splat_int4(8) * t2_1c;
                        acc -= t1_1l;
                        acc -= t1_1c;
                        acc -= t1_1r;
                        acc -= t2_1l;
                        acc -= t2_1r;
                        acc -= t3_1l;
                        acc -= t3_1c;
                        acc -= t3_1r;
                        kiln_vstore_uchar4(out + ((y0 + 1) * (3 * nx) + (x0 + 4)), __builtin_convertvector(kiln_max_int4(kiln_min_int4(acc, kiln_splat_int4(255)), kiln_splat_int4(0)), kiln_uchar4));
                    }
                } else {
                    {
                        const int32_t y = y0;
                        for (int32_t c = 0; c < 8; c += 1) {
                            const int32_t x = x0 + c;
                            if (x < 3 || y == 0 || x >= w - 3 || y == ny - 1) {
                                out[y * (3 * nx) + x] = in[y * (3 * nx) + x];
                            } else {
                                int32_t acc = 8 * (int32_t)in[y * (3 * nx) + x];
                                acc -= (int32_t)in[(y - 1) * (3 * nx) + (x - 3)];
                                acc -= (int32_t)in[(y - 1) * (3 * nx) + x];
                                acc -= (int32_t)in[(y - 1) * (3 * nx) + (x + 3)];
                                acc -= (int32_t)in[y * (3 * nx) + (x - 3)];
                                acc -= (int32_t)in[y * (3 * nx) + (x + 3)];
                                acc -= (int32_t)in[(y + 1) * (3 * nx) + (x - 3)];
                                acc -= (int32_t)in[(y + 1) * (3 * nx) + x];
                                acc -= (int32_t)in[(y + 1) * (3 * nx) + (x + 3)];
                                out[y * (3 * nx) + x] = (uint8_t)kiln_max_i32(kiln_min_i32(acc, 255), 0);
                            }
                        }
                    }
                    {
                        const int32_t y = y0 + 1;
                        for (int32_t c = 0; c < 8; c += 1) {
                            const int32_t x = x0 + c;
                            if (x < 3 || y == 0 || x >= w - 3 || y == ny - 1) {
                                out[y * (3 * nx) + x] = in[y * (3 * nx) + x];
                            } else {
                                int32_t acc = 8 * (int32_t)in[y * (3 * nx) + x];
                                acc -= (int32_t)in[(y - 1) * (3 * nx) + (x - 3)];
                                acc -= (int32_t)in[(y - 1) * (3 * nx) + x];
                                acc -= (int32_t)in[(y - 1) * (3 * nx) + (x + 3)];
                                acc -= (int32_t)in[y * (3 * nx) + (x - 3)];
                                acc -= (int32_t)in[y * (3 * nx) + (x + 3)];
                                acc -= (int32_t)in[(y + 1) * (3 * nx) + (x - 3)];
                                acc -= (int32_t)in[(y + 1) * (3 * nx) + x];
                                acc -= (int32_t)in[(y + 1) * (3 * nx) + (x + 3)];
                                out[y * (3 * nx) + x] = (uint8_t)kiln_max_i32(kiln_min_i32(acc, 255), 0);
                            }
                        }
                    }
                }
            }
        }
    }
}

void laplace_rgb_entry(void *const *args, const size_t *global, const size_t *local);
void laplace_rgb_entry(void *const *args, const size_t *global, const size_t *local)
{
    size_t lsize[3] = {16, 4, 1};
    if (local && (local[0] | local[1] | local[2]) != 0)
        for (int d = 0; d < 3; d++)
            lsize[d] = local[d] ? local[d] : 1;
    laplace_rgb(*(const int32_t *)args[0], *(const int32_t *)args[1], (const uint8_t *)args[2], (uint8_t *)args[3], global, lsize);
}
