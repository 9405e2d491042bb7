#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline int64_t kiln_min_i64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}
static inline int64_t kiln_max_i64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

static void math64(int64_t n, const double *restrict a, double *restrict b, int64_t *restrict q, const size_t *kiln_global, const size_t *kiln_local)
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
            int64_t i = (int64_t)(kiln_g0 * kiln_lsize0 + kiln_l0);
            double x = a[i];
            double y = fma(sqrt(fabs(x)), exp(-0.25), pow(x, 3.0));
            y = fmax(fmin(y, 1e+30), floor(log(x + 2.0)));
            b[i] = y + sin(x) * cos(x);
            q[i] = kiln_max_i64(kiln_min_i64(i, 5000000000LL), -3LL);
        }
    }
}

void math64_entry(void *const *args, const size_t *global, const size_t *local);
void math64_entry(void *const *args, const size_t *global, const size_t *local)
{
    size_t lsize[3] = {1, 1, 1};
    if (local && (local[0] | local[1] | local[2]) != 0)
        for (int d = 0; d < 3; d++)
            lsize[d] = local[d] ? local[d] : 1;
    math64(*(const int64_t *)args[0], (const double *)args[1], (double *)args[2], (int64_t *)args[3], global, lsize);
}
