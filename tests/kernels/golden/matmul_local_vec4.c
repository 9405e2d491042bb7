#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef float kiln_float4 __attribute__((vector_size(16)));
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

static void matmul(int32_t n, const float *restrict a, const float *restrict b, float *restrict c, const size_t *kiln_global, const size_t *kiln_local)
{
    const size_t kiln_lsize0 = kiln_local[0];
    const size_t kiln_lsize1 = kiln_local[1];
    const size_t kiln_lsize2 = kiln_local[2];
    const size_t kiln_ng0 = kiln_global[0] / kiln_lsize0;
    const size_t kiln_ng1 = kiln_global[1] / kiln_lsize1;
    const size_t kiln_ng2 = kiln_global[2] / kiln_lsize2;
    const size_t kiln_wg_size = kiln_lsize0 * kiln_lsize1 * kiln_lsize2;
    for (size_t kiln_g2 = 0; kiln_g2 < kiln_ng2; kiln_g2++)
    for (size_t kiln_g1 = 0; kiln_g1 < kiln_ng1; kiln_g1++)
    for (size_t kiln_g0 = 0; kiln_g0 < kiln_ng0; kiln_g0++) {
        float a_tile[256];
        float b_tile[256];
        int32_t ly[kiln_wg_size];
        int32_t lcol[kiln_wg_size];
        int32_t row0[kiln_wg_size];
        int32_t row1[kiln_wg_size];
        kiln_float4 acc0[kiln_wg_size];
        kiln_float4 acc1[kiln_wg_size];
        int32_t col[kiln_wg_size];
        const int32_t tile_row = (int32_t)(int64_t)kiln_g1 * 16;
        const int32_t tile_col = (int32_t)(int64_t)kiln_g0 * 16;
        for (size_t kiln_l2 = 0; kiln_l2 < kiln_lsize2; kiln_l2++)
        for (size_t kiln_l1 = 0; kiln_l1 < kiln_lsize1; kiln_l1++)
        for (size_t kiln_l0 = 0; kiln_l0 < kiln_lsize0; kiln_l0++) {
            const size_t kiln_lid = (kiln_l2 * kiln_lsize1 + kiln_l1) * kiln_lsize0 + kiln_l0;
            // tile 16, wpt 2, vec 4, unroll 2, local 1
            const int32_t lx = (int32_t)(int64_t)kiln_l0;
            ly[kiln_lid] = (int32_t)(int64_t)kiln_l1;
            col[kiln_lid] = tile_col + lx * 4;
            row0[kiln_lid] = tile_row + ly[kiln_lid];
            acc0[kiln_lid] = kiln_splat_float4(0.0f);
            row1[kiln_lid] = tile_row + (ly[kiln_lid] + 8);
            acc1[kiln_lid] = kiln_splat_float4(0.0f);
            lcol[kiln_lid] = lx * 4;
        }
        for (int32_t kt = 0; kt < n; kt += 16) {
            for (size_t kiln_l2 = 0; kiln_l2 < kiln_lsize2; kiln_l2++)
            for (size_t kiln_l1 = 0; kiln_l1 < kiln_lsize1; kiln_l1++)
            for (size_t kiln_l0 = 0; kiln_l0 < kiln_lsize0; kiln_l0++) {
                const size_t kiln_lid = (kiln_l2 * kiln_lsize1 + kiln_l1) * kiln_lsize0 + kiln_l0;
                kiln_vstore_float4(a_tile + (ly[kiln_lid] * 16 + lcol[kiln_lid]), kiln_vload_float4(a + (row0[kiln_lid] * n + (kt + lcol[kiln_lid]))));
                kiln_vstore_float4(b_tile + (ly[kiln_lid] * 16 + lcol[kiln_lid]), kiln_vload_float4(b + ((kt + ly[kiln_lid]) * n + (tile_col + lcol[kiln_lid]))));
                kiln_vstore_float4(a_tile + ((ly[kiln_lid] + 8) * 16 + lcol[kiln_lid]), kiln_vload_float4(a + (row1[kiln_lid] * n + (kt + lcol[kiln_lid]))));
                kiln_vstore_float4(b_tile + ((ly[kiln_lid] + 8) * 16 + lcol[kiln_lid]), kiln_vload_float4(b + ((kt + (ly[kiln_lid] + 8)) * n + (tile_col + lcol[kiln_lid]))));
            }
            for (size_t kiln_l2 = 0; kiln_l2 < kiln_lsize2; kiln_l2++)
            for (size_t kiln_l1 = 0; kiln_l1 < kiln_lsize1; kiln_l1++)
            for (size_t kiln_l0 = 0; kiln_l0 < kiln_lsize0; kiln_l0++) {
                const size_t kiln_lid = (kiln_l2 * kiln_lsize1 + kiln_l1) * kiln_lsize0 + kiln_l0;
                for (int32_t k = 0; k < 16; k += 2) {
                    {
                        const kiln_float4 bv = kiln_vload_float4(b_tile + (k * 16 + lcol[kiln_lid]));
                        acc0[kiln_lid] += kiln_splat_float4(a_tile[ly[kiln_lid] * 16 + k]) * bv;
                        acc1[kiln_lid] += kiln_splat_float4(a_tile[(ly[kiln_lid] + 8) * 16 + k]) * bv;
                    }
                    {
                        const kiln_float4 bv = kiln_vload_float4(b_tile + ((k + 1) * 16 + lcol[kiln_lid]));
                        acc0[kiln_lid] += kiln_splat_float4(a_tile[ly[kiln_lid] * 16 + (k + 1)]) * bv;
                        acc1[kiln_lid] += kiln_splat_float4(a_tile[(ly[kiln_lid] + 8) * 16 + (k + 1)]) * bv;
                    }
                }
            }
        }
        for (size_t kiln_l2 = 0; kiln_l2 < kiln_lsize2; kiln_l2++)
        for (size_t kiln_l1 = 0; kiln_l1 < kiln_lsize1; kiln_l1++)
        for (size_t kiln_l0 = 0; kiln_l0 < kiln_lsize0; kiln_l0++) {
            const size_t kiln_lid = (kiln_l2 * kiln_lsize1 + kiln_l1) * kiln_lsize0 + kiln_l0;
            kiln_vstore_float4(c + (row0[kiln_lid] * n + col[kiln_lid]), acc0[kiln_lid]);
            kiln_vstore_float4(c + (row1[kiln_lid] * n + col[kiln_lid]), acc1[kiln_lid]);
        }
    }
}

void matmul_entry(void *const *args, const size_t *global, const size_t *local);
void matmul_entry(void *const *args, const size_t *global, const size_t *local)
{
    size_t lsize[3] = {4, 8, 1};
    if (local && (local[0] | local[1] | local[2]) != 0)
        for (int d = 0; d < 3; d++)
            lsize[d] = local[d] ? local[d] : 1;
    matmul(*(const int32_t *)args[0], (const float *)args[1], (const float *)args[2], (float *)args[3], global, lsize);
}
