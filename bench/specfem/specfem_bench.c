/*
 * specfem_bench.c: the stiffness kernel's pass over colour 0 of a generated
 * mesh, timed in rounds that alternate three things on one device:
 *   best    kiln's configuration given as JSON (the tuned one),
 *   default the kernel's default configuration,
 *   naive   the double-precision C reference (one thread, -O2, on the host).
 * Each kiln side is kiln_evaluate (built, verified, then timed: 1 warm-up,
 * 5 to 30 runs within 300 ms, median); the naive side is the median of 3 runs.
 * usage: specfem_bench DEVICE NXxNYxNZ ROUNDS BEST_JSON [openmp]
 * (openmp: the host C variants' work-group loop under OpenMP)
 * prints one line per round and the medians of the rounds, with elements per
 * second and GFLOP/s (FLOPs per element: specfem_stiffness_flops_per_element).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "kiln/tuner.h"
#include "kernels/specfem/specfem.h"

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The naive reference over the pass: element forces in double, assembled. */
static double naive_ns(const specfem_mesh *m, long long nelem, double *acc)
{
    double hp[25], hpw[25], ww[25], (*f)[3] = malloc(sizeof(double[SPECFEM_NGLL3][3]));
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++) {
            hp[i * 5 + j] = m->gll.hprime[i][j];
            hpw[i * 5 + j] = m->gll.w[i] * m->gll.hprime[i][j];
            ww[i * 5 + j] = m->gll.w[i] * m->gll.w[j];
        }
    double *u = malloc((size_t)m->nglob * 3 * sizeof *u);
    uint64_t st = 5;
    for (size_t i = 0; i < (size_t)m->nglob * 3; i++)
        u[i] = kiln_rand_uniform(&st, -1, 1);
    specfem_element_in in = {
        .ibool = m->ibool, .displ = u, .kappa = m->kappa, .mu = m->mu, .hprime = hp, .hprimewgll = hpw, .wgllwgll = ww};
    for (int d = 0; d < 9; d++)
        in.inv[d] = m->inv[d];
    double t0 = now_ns();
    for (long long e = 0; e < nelem; e++) {
        int ispec = m->by_colour[e];
        specfem_element_force(&in, ispec, f, NULL);
        for (int p = 0; p < SPECFEM_NGLL3; p++)
            for (int c = 0; c < 3; c++)
                acc[(size_t)m->ibool[(size_t)ispec * SPECFEM_NGLL3_PADDED + p] * 3 + (size_t)c] += f[p][c];
    }
    double t = now_ns() - t0;
    free(f);
    free(u);
    return t;
}

static int openmp;

static int kiln_ns(kiln_rt *rt, const kiln_kernel *k, const kiln_config *cfg, const kiln_size *size, double *ns)
{
    kiln_tune_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.kernel = k;
    opts.size = *size;
    opts.seed = 1;
    opts.openmp = openmp;
    opts.timing = (kiln_time_opts){.warmup = 1, .min_reps = 5, .max_reps = 30, .budget_ms = 300.0};
    kiln_eval ev;
    memset(&ev, 0, sizeof ev);
    char err[1024];
    int rc = kiln_evaluate(rt, k, cfg, size, &opts, &ev, err, sizeof err);
    if (rc != 0 || ev.verdict != KILN_OK) {
        fprintf(stderr, "specfem_bench: %s\n",
                rc              ? err
                : ev.error_text ? ev.error_text
                                : kiln_verdict_name(ev.verdict));
        kiln_eval_clear(&ev);
        return -1;
    }
    *ns = ev.time.median_ns;
    kiln_eval_clear(&ev);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 5 && !(argc == 6 && strcmp(argv[5], "openmp") == 0)) {
        fprintf(stderr, "usage: specfem_bench DEVICE NXxNYxNZ ROUNDS BEST_JSON [openmp]\n");
        return 2;
    }
    openmp = argc == 6;
    const kiln_kernel *k = &kiln_kernel_specfem_stiffness;
    kiln_size size;
    int rounds = atoi(argv[3]);
    char err[1024];
    kiln_config best, def;
    if (kiln_size_parse(argv[2], &size) != 0 || size.ndims != 3 || rounds < 1 || rounds > 50 ||
        kiln_config_from_json(k, argv[4], &best, err, sizeof err) != 0) {
        fprintf(stderr, "specfem_bench: bad size, rounds or configuration (%s)\n", err);
        return 2;
    }
    def.n = k->nparams;
    for (int i = 0; i < k->nparams; i++) {
        def.names[i] = k->params[i].name;
        def.values[i] = k->params[i].default_value;
    }
    kiln_rt *rt = kiln_rt_open(argv[1], err, sizeof err);
    specfem_mesh *m = specfem_mesh_of(&size, 1);
    if (!rt || !m) {
        fprintf(stderr, "specfem_bench: %s\n", rt ? "cannot make the mesh" : err);
        return 1;
    }
    long long nelem = specfem_colour0_of(&size);
    double fpe = specfem_stiffness_flops_per_element();
    double *acc = calloc((size_t)m->nglob * 3, sizeof *acc);
    double b[50], d[50], n[50];
    printf("device %s%s; mesh %s = %d elements, pass over colour 0 = %lld elements; %.0f FLOP per element\n",
           kiln_rt_device(rt)->name, openmp ? " (OpenMP)" : "", argv[2], m->nspec, nelem, fpe);
    printf("best %s\n", argv[4]);
    for (int r = 0; r < rounds; r++) {
        double t3[3];
        for (int i = 0; i < 3; i++)
            t3[i] = naive_ns(m, nelem, acc);
        n[r] = median(t3, 3);
        if (kiln_ns(rt, k, r % 2 ? &def : &best, &size, r % 2 ? &d[r] : &b[r]) ||
            kiln_ns(rt, k, r % 2 ? &best : &def, &size, r % 2 ? &b[r] : &d[r]))
            return 1;
        printf("round %d: best %.1f us, default %.1f us, naive %.1f us\n", r + 1, b[r] / 1e3, d[r] / 1e3, n[r] / 1e3);
    }
    double mb = median(b, rounds), md = median(d, rounds), mn = median(n, rounds);
    const char *names[3] = {"best", "default", "naive"};
    double med[3] = {mb, md, mn};
    for (int i = 0; i < 3; i++)
        printf("median of the rounds, %-7s: %10.1f us  %.3g elements/s  %.2f GFLOP/s\n", names[i], med[i] / 1e3,
               nelem / (med[i] * 1e-9), nelem * fpe / med[i]);
    printf("best is %.2fx the default and %.2fx the naive reference\n", md / mb, mn / mb);
    free(acc);
    specfem_mesh_free(m);
    kiln_rt_close(rt);
    return 0;
}
