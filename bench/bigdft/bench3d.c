/*
 * bench3d.c: the 3-D magic filter or kinetic operator on an n^3 grid, three
 * variants measured alternately in one run: the straightforward baseline
 * (baseline.c, gcc -O3 -march=native -fopenmp), kiln's default configuration
 * and a tuned one, both as three passes on one device (bigdft_3d). Each round
 * times every variant once, the baseline first and kiln's in an order turned
 * by one each round (wall clock around the whole 3-D operator, and
 * for kiln's the sum of the three passes' kernel times as the device reports
 * them: OpenCL profiling events); the results are checked against each other
 * before timing.
 *
 * usage: bench3d OP N DEVICE OPENMP THREADS ROUNDS TUNED
 *   OP magicfilter3d | kinetic3d; DEVICE a kiln device selector ("host", "0");
 *   OPENMP 1: kiln's C variants parallelise their work-group loop;
 *   THREADS: OpenMP threads of the baseline; TUNED: "unroll=2,vec=4,..."
 * prints one line per round, then the medians with min..max, and GFLOP/s
 * counting 2 * taps flops per point per pass.
 * BENCH3D_SEPARATE=1: one more variant in the rounds, the tuned one with its
 * three passes launched one by one, each waited for before the next (as
 * bigdft_3d_run did before it submitted them as one list).
 * BENCH3D_FUSED="vec=1,zb=4,...": (kinetic3d only; empty is unset) one more
 * variant, the operator in one launch, bigdft.kinetic3d_fused in that
 * configuration ("fused").
 */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bench/bigdft/baseline.h"
#include "bench/bigdft/settings.h"
#include "kernels/bigdft/bigdft.h"

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void stats(double *v, int n, double *median, double *lo, double *hi)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    *median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    *lo = v[0];
    *hi = v[n - 1];
}

int main(int argc, char **argv)
{
    if (argc != 8) {
        fprintf(stderr, "usage: bench3d OP N DEVICE OPENMP THREADS ROUNDS TUNED\n");
        return 2;
    }
    int kinetic = strcmp(argv[1], "kinetic3d") == 0;
    int n = atoi(argv[2]), openmp = atoi(argv[4]), threads = atoi(argv[5]), rounds = atoi(argv[6]);
    const kiln_kernel *k = kinetic ? &kiln_kernel_bigdft_kinetic : &kiln_kernel_bigdft_magicfilter;
    const double h[3] = {0.4, 0.4, 0.4};
    size_t count = (size_t)n * n * n;
    char err[2048] = "";
    omp_set_num_threads(threads);

    /* kiln's variants: default, tuned[, tuned-separate][, fused] */
    const char *sep = getenv("BENCH3D_SEPARATE"), *fused = getenv("BENCH3D_FUSED");
    if (fused && !*fused) /* set but empty, as gpu.sh passes it without FUSED: not asked for */
        fused = NULL;
    const char *names[5] = {"baseline", "default", "tuned"};
    bigdft_op3d op = kinetic ? BIGDFT_KINETIC3D : BIGDFT_MAGICFILTER3D, ops[4] = {op, op};
    kiln_config cfg[4];
    int nkiln = 2;
    if (bench_config_of("bench3d", k, "", &cfg[0]) != 0 || bench_config_of("bench3d", k, argv[7], &cfg[1]) != 0)
        return 1;
    int separate = sep && strcmp(sep, "1") == 0 ? nkiln : -1;
    if (separate >= 0) {
        cfg[nkiln] = cfg[1];
        ops[nkiln] = op;
        names[1 + nkiln++] = "tuned-separate";
    }
    if (fused && !kinetic) {
        fprintf(stderr, "bench3d: BENCH3D_FUSED is a configuration of the fused kinetic operator; %s has none\n",
                argv[1]);
        return 2;
    }
    int fused_v = fused ? nkiln : -1;
    if (fused) {
        if (bench_config_of("bench3d", &kiln_kernel_bigdft_kinetic3d_fused, fused, &cfg[nkiln]) != 0)
            return 1;
        ops[nkiln] = BIGDFT_KINETIC3D_FUSED;
        names[1 + nkiln++] = "fused";
    }
    kiln_rt *rt = kiln_rt_open(argv[3], err, sizeof err);
    if (!rt) {
        fprintf(stderr, "bench3d: %s\n", err);
        return 1;
    }
    bigdft_3d *b[4];
    for (int v = 0; v < nkiln; v++)
        if (!(b[v] = bigdft_3d_new(rt, ops[v], &cfg[v], n, n, n, h, openmp, err, sizeof err))) {
            fprintf(stderr, "bench3d: %s\n", err);
            return 1;
        }
    if (separate >= 0)
        bigdft_3d_set_separate(b[separate], 1);

    double *x = malloc(sizeof *x * count), *y = malloc(sizeof *y * count), *got = malloc(sizeof *got * count);
    double *work[5];
    for (int w = 0; w < 5; w++)
        work[w] = calloc(count, sizeof *work[w]);
    uint64_t seed = 1;
    for (size_t i = 0; i < count; i++)
        x[i] = kiln_rand_uniform(&seed, -1.0, 1.0);
    double taps[29];
    const bigdft_filter *f = kinetic ? &bigdft_sym8_d2 : &bigdft_sym8_mf;
    for (int l = f->first; l <= f->last; l++)
        taps[l - f->first] = bigdft_tap(f, l);
    int ntaps = f->last - f->first + 1;

#define BASELINE()                                                                       \
    (kinetic ? baseline_kinetic3d(x, y, work, taps, h, n, n, n)                          \
             : baseline_magicfilter3d(x, y, work[0], work[1], taps, n, n, n))

    /* agreement: kiln's variants and the baseline compute the same operator. kiln
     * runs first: its host worker is forked at the first run, and a process whose
     * OpenMP runtime has started its threads cannot fork one that uses OpenMP. */
    double *res[4];
    for (int v = 0; v < nkiln; v++)
        if (!(res[v] = malloc(sizeof *res[v] * count)) || bigdft_3d_set_input(b[v], x, err, sizeof err) != 0 ||
            bigdft_3d_run(b[v], NULL, err, sizeof err) != 0 || bigdft_3d_result(b[v], res[v], err, sizeof err) != 0) {
            fprintf(stderr, "bench3d: %s\n", err);
            return 1;
        }
    BASELINE();
    double scale = 0.0;
    for (size_t i = 0; i < count; i++)
        scale = fmax(scale, fabs(y[i]));
    for (int v = 0; v < nkiln; v++) {
        double worst = 0.0;
        for (size_t i = 0; i < count; i++)
            worst = fmax(worst, fabs(res[v][i] - y[i]));
        printf("check: %s variant differs from the baseline by %.3g (largest value %.3g)\n", names[v + 1], worst, scale);
        if (!(worst <= 1e-12 * scale)) {
            fprintf(stderr, "bench3d: the %s variant is wrong\n", names[v + 1]);
            return 1;
        }
        free(res[v]);
    }

    double *t[5], *kt[4];
    for (int v = 0; v < 1 + nkiln; v++)
        t[v] = malloc(sizeof *t[v] * (size_t)rounds);
    for (int v = 0; v < nkiln; v++)
        kt[v] = malloc(sizeof *kt[v] * (size_t)rounds);
    for (int r = -1; r < rounds; r++) { /* round -1 warms every variant up */
        double ns[5], kernel_ns[4];
        double start = now_ns();
        BASELINE();
        ns[0] = now_ns() - start;
        /* kiln's variants in an order that turns from round to round, so that none
         * always follows the same one */
        for (int j = 0; j < nkiln; j++) {
            int v = (j + (r + 1)) % nkiln;
            start = now_ns();
            if (bigdft_3d_run(b[v], &kernel_ns[v], err, sizeof err) != 0) {
                fprintf(stderr, "bench3d: %s\n", err);
                return 1;
            }
            ns[v + 1] = now_ns() - start;
        }
        if (r < 0)
            continue;
        printf("round %d: baseline %.3f ms", r + 1, ns[0] * 1e-6);
        for (int v = 0; v < nkiln; v++)
            printf(", %s %.3f ms", names[v + 1], ns[v + 1] * 1e-6);
        printf("\n");
        for (int v = 0; v < 1 + nkiln; v++)
            t[v][r] = ns[v];
        for (int v = 0; v < nkiln; v++)
            kt[v][r] = kernel_ns[v];
    }
    double flops = 3.0 * 2.0 * ntaps * (double)count;
    double med[5];
    for (int v = 0; v < 1 + nkiln; v++) {
        double lo, hi;
        stats(t[v], rounds, &med[v], &lo, &hi);
        printf("%s %s n=%d: median %.3f ms (%.3f..%.3f), %.2f GFLOP/s\n", names[v], argv[1], n, med[v] * 1e-6,
               lo * 1e-6, hi * 1e-6, flops / med[v]);
    }
    printf("speed-up tuned/baseline %.2fx, tuned/default %.2fx\n", med[0] / med[2], med[1] / med[2]);
    if (fused_v >= 0)
        printf("speed-up fused/baseline %.2fx, fused/tuned %.2fx\n", med[0] / med[1 + fused_v],
               med[2] / med[1 + fused_v]);
    for (int v = 0; v < nkiln; v++) {
        double m, lo, hi;
        stats(kt[v], rounds, &m, &lo, &hi);
        printf("%s kernel time %s n=%d: median %.3f ms (%.3f..%.3f), %.2f GFLOP/s\n", names[v + 1], argv[1], n,
               m * 1e-6,
               lo * 1e-6, hi * 1e-6, flops / m);
    }
    for (int v = 0; v < nkiln; v++)
        bigdft_3d_free(b[v]);
    kiln_rt_close(rt);
    return 0;
}
