/*
 * stores.c: one 128^3 magic-filter pass of a generated C variant (linked in
 * as magicfilter_entry), timed alone on one thread, to see what its
 * transposed stores cost. stores.sh links it with the variant as generated,
 * with its stores folded onto 8 output rows (an experiment: the output is
 * then wrong) and with stream=1.
 *
 * usage: stores ROUNDS   prints the median and min..max time of one pass and
 * the 32 MB it must move (x read, y written) over the median.
 */
#include <stdio.h>
#include <stdlib.h>
#include "bench/bigdft/onepass.h"

void magicfilter_entry(void *const *args, const size_t *global, const size_t *local);

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 15;
    int n = 128, ndat = 128 * 128;
    size_t count = (size_t)n * (size_t)ndat;
    double *x = aligned_alloc(64, count * sizeof *x), *y = aligned_alloc(64, count * sizeof *y);
    if (!x || !y || rounds < 1)
        return 1;
    for (size_t i = 0; i < count; i++) {
        x[i] = (double)(i % 7);
        y[i] = 0.0;
    }
    void *args[4] = {&n, &ndat, x, y};
    double lo, hi, med = onepass_time(magicfilter_entry, args, rounds, &lo, &hi);
    if (med < 0)
        return 1;
    printf("median %.3f ms (%.3f..%.3f), %.1f GB/s of 32 MB, %.1f GFLOP/s\n", med * 1e3, lo * 1e3, hi * 1e3,
           2.0 * (double)count * 8.0 / med * 1e-9, 32.0 * (double)count / med * 1e-9);
    printf("(checksum %g)\n", y[12345]);
    free(x);
    free(y);
    return 0;
}
