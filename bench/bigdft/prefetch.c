/*
 * prefetch.c: one 128^3 kinetic pass of a generated C variant (linked in as
 * kinetic_entry), timed alone on one thread: prefetch.sh links it with the
 * transposed variant as generated and with prefetch=1 (the next block's lines
 * prefetched while a block is computed).
 *
 * usage: prefetch ROUNDS   prints the median and min..max time of one pass and
 * the 64 MB it must move (x and y read, xt and yt written) over the median.
 */
#include <stdio.h>
#include <stdlib.h>
#include "bench/bigdft/onepass.h"

void kinetic_entry(void *const *args, const size_t *global, const size_t *local);

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 15;
    int n = 128, ndat = 128 * 128;
    size_t count = (size_t)n * (size_t)ndat, bytes = count * sizeof(double);
    double *x = aligned_alloc(64, bytes), *y = aligned_alloc(64, bytes);
    double *xt = aligned_alloc(64, bytes), *yt = aligned_alloc(64, bytes);
    if (!x || !y || !xt || !yt || rounds < 1)
        return 1;
    for (size_t i = 0; i < count; i++) {
        x[i] = (double)(i % 7);
        y[i] = (double)(i % 5);
        xt[i] = yt[i] = 0.0;
    }
    double scale = -3.0;
    void *args[7] = {&n, &ndat, &scale, x, y, xt, yt};
    double lo, hi, med = onepass_time(kinetic_entry, args, rounds, &lo, &hi);
    if (med < 0)
        return 1;
    printf("median %.3f ms (%.3f..%.3f), %.1f GB/s of 64 MB\n", med * 1e3, lo * 1e3, hi * 1e3,
           4.0 * (double)bytes / med * 1e-9);
    printf("(checksum %g)\n", yt[12345] + xt[777]);
    return 0;
}
