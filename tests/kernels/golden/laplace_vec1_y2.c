#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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
            // x_per_item 1, y_per_item 2, vec 1, temp_size 4, synth 0, wg 16 x 4
            const int32_t gx = (int32_t)(int64_t)(kiln_g0 * kiln_lsize0 + kiln_l0);
            const int32_t gy = (int32_t)(int64_t)(kiln_g1 * kiln_lsize1 + kiln_l1);
            if (gx < nx && gy < ny / 2) {
                const int32_t x0 = gx;
                const int32_t y0 = gy * 2;
                if (x0 >= 1 && y0 >= 1 && x0 + 1 < nx && y0 + 2 < ny) {
                    {
                        {
                            const int32_t x = x0;
                            const int32_t y = y0;
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
                            const int32_t x = x0;
                            const int32_t y = y0 + 1;
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
                        const int32_t y = y0;
                        for (int32_t px = 0; px < 1; px += 1) {
                            const int32_t x = x0 + px;
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
                        const int32_t y = y0 + 1;
                        for (int32_t px = 0; px < 1; px += 1) {
                            const int32_t x = x0 + px;
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
