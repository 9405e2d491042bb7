#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t kiln_uchar4 __attribute__((vector_size(4)));
typedef int16_t kiln_short4 __attribute__((vector_size(8)));
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
static inline kiln_short4 kiln_vload_short4(const int16_t *p)
{
    kiln_short4 v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void kiln_vstore_short4(int16_t *p, kiln_short4 v)
{
    memcpy(p, &v, sizeof v);
}
static inline kiln_short4 kiln_splat_short4(int16_t x)
{
    kiln_short4 v;
    for (int i = 0; i < 4; i++)
        v[i] = x;
    return v;
}
static inline kiln_short4 kiln_min_short4(kiln_short4 a, kiln_short4 b)
{
    kiln_short4 r;
    for (int i = 0; i < 4; i++)
        r[i] = a[i] < b[i] ? a[i] : b[i];
    return r;
}
static inline kiln_short4 kiln_max_short4(kiln_short4 a, kiln_short4 b)
{
    kiln_short4 r;
    for (int i = 0; i < 4; i++)
        r[i] = a[i] > b[i] ? a[i] : b[i];
    return r;
}
static inline int16_t kiln_min_i16(int16_t a, int16_t b)
{
    return a < b ? a : b;
}
static inline int16_t kiln_max_i16(int16_t a, int16_t b)
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
            // x_component_number 4, vector_length 4, y_component_number 1, temporary_size 2, synthesizing_loads 0, wg 16 x 4
            const int32_t w = 3 * nx;
            const int32_t gx = (int32_t)(int64_t)(kiln_g0 * kiln_lsize0 + kiln_l0);
            const int32_t gy = (int32_t)(int64_t)(kiln_g1 * kiln_lsize1 + kiln_l1);
            if (gx < w / 4 && gy < ny) {
                const int32_t x0 = gx * 4;
                const int32_t y0 = gy;
                if (x0 >= 3 && y0 >= 1 && x0 + 7 <= w && y0 + 1 < ny) {
                    const kiln_short4 t0_0l = __builtin_convertvector(kiln_vload_uchar4(in + ((y0 - 1) * (3 * nx) + (x0 - 3))), kiln_short4);
                    const kiln_short4 t0_0c = __builtin_convertvector(kiln_vload_uchar4(in + ((y0 - 1) * (3 * nx) + x0)), kiln_short4);
                    const kiln_short4 t0_0r = __builtin_convertvector(kiln_vload_uchar4(in + ((y0 - 1) * (3 * nx) + (x0 + 3))), kiln_short4);
                    const kiln_short4 t1_0l = __builtin_convertvector(kiln_vload_uchar4(in + (y0 * (3 * nx) + (x0 - 3))), kiln_short4);
                    const kiln_short4 t1_0c = __builtin_convertvector(kiln_vload_uchar4(in + (y0 * (3 * nx) + x0)), kiln_short4);
                    const kiln_short4 t1_0r = __builtin_convertvector(kiln_vload_uchar4(in + (y0 * (3 * nx) + (x0 + 3))), kiln_short4);
                    const kiln_short4 t2_0l = __builtin_convertvector(kiln_vload_uchar4(in + ((y0 + 1) * (3 * nx) + (x0 - 3))), kiln_short4);
                    const kiln_short4 t2_0c = __builtin_convertvector(kiln_vload_uchar4(in + ((y0 + 1) * (3 * nx) + x0)), kiln_short4);
                    const kiln_short4 t2_0r = __builtin_convertvector(kiln_vload_uchar4(in + ((y0 + 1) * (3 * nx) + (x0 + 3))), kiln_short4);
                    {
                        kiln_short4 acc = kiln_splat_short4((int16_t)8) * t1_0c;
                        acc -= t0_0l;
                        acc -= t0_0c;
                        acc -= t0_0r;
                        acc -= t1_0l;
                        acc -= t1_0r;
                        acc -= t2_0l;
                        acc -= t2_0c;
                        acc -= t2_0r;
                        kiln_vstore_uchar4(out + (y0 * (3 * nx) + x0), __builtin_convertvector(kiln_max_short4(kiln_min_short4(acc, kiln_splat_short4((int16_t)255)), kiln_splat_short4((int16_t)0)), kiln_uchar4));
                    }
                } else {
                    {
                        const int32_t y = y0;
                        for (int32_t c = 0; c < 4; c += 1) {
                            const int32_t x = x0 + c;
                            if (x < 3 || y == 0 || x >= w - 3 || y == ny - 1) {
                                out[y * (3 * nx) + x] = in[y * (3 * nx) + x];
                            } else {
                                int16_t acc = (int16_t)8 * (int16_t)in[y * (3 * nx) + x];
                                acc -= (int16_t)in[(y - 1) * (3 * nx) + (x - 3)];
                                acc -= (int16_t)in[(y - 1) * (3 * nx) + x];
                                acc -= (int16_t)in[(y - 1) * (3 * nx) + (x + 3)];
                                acc -= (int16_t)in[y * (3 * nx) + (x - 3)];
                                acc -= (int16_t)in[y * (3 * nx) + (x + 3)];
                                acc -= (int16_t)in[(y + 1) * (3 * nx) + (x - 3)];
                                acc -= (int16_t)in[(y + 1) * (3 * nx) + x];
                                acc -= (int16_t)in[(y + 1) * (3 * nx) + (x + 3)];
                                out[y * (3 * nx) + x] = (uint8_t)kiln_max_i16(kiln_min_i16(acc, (int16_t)255), (int16_t)0);
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
