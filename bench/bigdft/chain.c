/*
 * chain.c: where the time of kiln's 3-D operator goes between one pass alone
 * and the alternating rounds of bench3d. For one configuration it times the
 * three passes' kernel time (bigdft_3d_run) ROUNDS times back to back, each
 * pass reading what the previous one wrote while it is still in the caches,
 * then ROUNDS times with a 64 MiB array read and written before each run, as
 * the baseline and the other variant between two runs of bench3d do.
 *
 * usage: chain OP N DEVICE OPENMP ROUNDS CONFIG   (arguments as bench3d's)
 * prints the medians and min..max of both, in ms and GFLOP/s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench/bigdft/settings.h"
#include "kernels/bigdft/bigdft.h"

#define EVICT_BYTES ((size_t)64 << 20)

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *what, double *ns, int rounds, double flops)
{
    qsort(ns, (size_t)rounds, sizeof *ns, cmp);
    double med = rounds % 2 ? ns[rounds / 2] : 0.5 * (ns[rounds / 2 - 1] + ns[rounds / 2]);
    printf("%s: median %.3f ms (%.3f..%.3f), %.2f GFLOP/s\n", what, med * 1e-6, ns[0] * 1e-6, ns[rounds - 1] * 1e-6,
           flops / med);
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: chain OP N DEVICE OPENMP ROUNDS CONFIG\n");
        return 2;
    }
    int kinetic = strcmp(argv[1], "kinetic3d") == 0;
    int n = atoi(argv[2]), openmp = atoi(argv[4]), rounds = atoi(argv[5]);
    const kiln_kernel *k = kinetic ? &kiln_kernel_bigdft_kinetic : &kiln_kernel_bigdft_magicfilter;
    const double h[3] = {0.4, 0.4, 0.4};
    size_t count = (size_t)n * n * n;
    char err[2048] = "";
    kiln_config cfg;
    if (rounds < 1 || bench_config_of("chain", k, argv[6], &cfg) != 0)
        return 1;
    kiln_rt *rt = kiln_rt_open(argv[3], err, sizeof err);
    bigdft_3d *b = rt ? bigdft_3d_new(rt, kinetic ? BIGDFT_KINETIC3D : BIGDFT_MAGICFILTER3D, &cfg, n, n, n, h, openmp,
                                      err, sizeof err)
                      : NULL;
    double *x = malloc(sizeof *x * count), *ns = malloc(sizeof *ns * (size_t)rounds);
    unsigned char *evict = malloc(EVICT_BYTES);
    if (!b || !x || !ns || !evict) {
        fprintf(stderr, "chain: %s\n", err[0] ? err : "out of memory");
        return 1;
    }
    uint64_t seed = 1;
    for (size_t i = 0; i < count; i++)
        x[i] = kiln_rand_uniform(&seed, -1.0, 1.0);
    memset(evict, 1, EVICT_BYTES);
    if (bigdft_3d_set_input(b, x, err, sizeof err) != 0 || bigdft_3d_run(b, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "chain: %s\n", err);
        return 1;
    }
    double flops = 3.0 * 2.0 * (kinetic ? 29 : 16) * (double)count;
    for (int cold = 0; cold < 2; cold++) {
        for (int r = 0; r < rounds; r++) {
            for (size_t i = 0; cold && i < EVICT_BYTES; i += 64)
                evict[i]++;
            if (bigdft_3d_run(b, &ns[r], err, sizeof err) != 0) {
                fprintf(stderr, "chain: %s\n", err);
                return 1;
            }
        }
        report(cold ? "after 64 MiB touched" : "back to back", ns, rounds, flops);
    }
    printf("(checksum %d)\n", evict[64]);
    bigdft_3d_free(b);
    kiln_rt_close(rt);
    free(x);
    free(ns);
    free(evict);
    return 0;
}
