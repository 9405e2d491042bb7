/*
 * import_bench.c: the cost of importing one variant of an existing kernel
 * (libclang's parse of the text with the variant's -D definitions, and the
 * tree built with the DSL), beside what the same tuning step costs without
 * an import: building a built-in description of the same size (matmul) and
 * generating OpenCL C from the tree. The three are timed in turn, variant
 * after variant, each variant REPS times; one line per sample, then medians
 * with quartiles per kernel. The import is also timed in the CPU time of
 * the process (libclang parses on a thread of its own), which a loaded
 * machine (other processes on the same cores) does not inflate as it does
 * the wall time.
 *
 * usage: import_bench KERNELS_DIR [REPS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "kiln/frontend.h"
#include "kiln/kernel.h"
#include "kiln/tuner.h"

static double clock_us(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}

static double now_us(void)
{
    return clock_us(CLOCK_MONOTONIC);
}

typedef struct bench_kernel {
    const char *file, *name;
    const char *params[3];          /* macro names, NULL after the last */
    int nvalues[3];
    int values[3][6];
    const char *fixed[4];           /* fixed -D definitions */
} bench_kernel;

static const bench_kernel kernels[] = {
    {"gemm.cl", "gemm", {"TS", "WPT", "UNROLL"}, {3, 4, 3}, {{8, 16, 32}, {1, 2, 4, 8}, {1, 2, 4}}, {NULL}},
    {"convolution.cl", "convolution", {"TILE_X", "TILE_Y", "UNROLL_FH"}, {3, 3, 2}, {{1, 2, 4}, {1, 2, 4}, {1, 0}},
     {"FW=5", "FH=5", NULL}},
    {"hotspot.cl", "hotspot", {"WORK_X", NULL}, {4}, {{1, 2, 4, 8}}, {NULL}},
    {"pnpoly.cl", "pnpoly", {"PPT", "BETWEEN_METHOD", NULL}, {4, 2}, {{1, 2, 4, 8}, {0, 1}}, {"VERTICES=60", NULL}},
    {"nbody.cl", "nbody", {"UNROLL", NULL}, {4}, {{1, 2, 4, 8}}, {NULL}},
    {"expdist.cl", "expdist", {"BLOCK_B", NULL}, {4}, {{1, 2, 4, 8}}, {NULL}},
    {"dedispersion.cl", "dedispersion", {"SAMPLES_PER_ITEM", "UNROLL_CH", NULL}, {3, 3}, {{1, 2, 4}, {1, 2, 4}},
     {NULL}},
};

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = '\0';
    fclose(f);
    return buf;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double quantile(const double *sorted, int n, double p)
{
    double pos = p * (n - 1);
    int i = (int)pos;
    return i + 1 < n ? sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]) : sorted[n - 1];
}

static void summary(const char *what, double *s, int n)
{
    qsort(s, (size_t)n, sizeof *s, cmp);
    printf("summary %-28s n=%4d median %8.3f us  q1 %8.3f  q3 %8.3f  min %8.3f  max %9.3f\n", what, n,
           quantile(s, n, 0.5), quantile(s, n, 0.25), quantile(s, n, 0.75), s[0], s[n - 1]);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: import_bench KERNELS_DIR [REPS]\n");
        return 2;
    }
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    kiln_importer *imp = kiln_importer_new();
    kiln_ctx *ctx = kiln_ctx_new();
    const kiln_kernel *matmul = kiln_kernel_find("matmul");
    kiln_size msize = {1, {256, 1, 1}};
    kiln_space *mspace = kiln_space_new(matmul, &msize, NULL, 0);
    kiln_config mcfg;
    kiln_space_default(mspace, &mcfg);
    enum { MAX_SAMPLES = 4096 };
    static double imports[MAX_SAMPLES], all_imports[MAX_SAMPLES], builds[MAX_SAMPLES], gens[MAX_SAMPLES];
    static double import_cpu[MAX_SAMPLES];
    int nall = 0, nb = 0, ng = 0;
    double first_us = -1;
    for (size_t k = 0; k < sizeof kernels / sizeof kernels[0]; k++) {
        const bench_kernel *b = &kernels[k];
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", argv[1], b->file);
        char *text = slurp(path);
        if (!text) {
            fprintf(stderr, "cannot read %s\n", path);
            return 1;
        }
        int np = 0, total = 1;
        while (np < 3 && b->params[np])
            total *= b->nvalues[np++];
        int ni = 0;
        for (int v = 0; v < total; v++) {
            char defs_buf[8][48];
            const char *defs[8];
            int nd = 0, rest = v;
            for (int f = 0; b->fixed[f]; f++)
                defs[nd++] = b->fixed[f];
            for (int p = np - 1; p >= 0; p--) {
                snprintf(defs_buf[p], sizeof defs_buf[p], "%s=%d", b->params[p], b->values[p][rest % b->nvalues[p]]);
                rest /= b->nvalues[p];
                defs[nd++] = defs_buf[p];
            }
            kiln_import_opts o = {.path = path, .text = text, .kernel = b->name, .ndefines = nd, .defines = defs};
            for (int r = 0; r < reps; r++) {
                kiln_ctx_reset(ctx);
                double c0 = clock_us(CLOCK_PROCESS_CPUTIME_ID), t0 = now_us();
                kiln_proc *proc = kiln_import(imp, ctx, &o);
                double t1 = now_us(), c1 = clock_us(CLOCK_PROCESS_CPUTIME_ID);
                if (!proc) {
                    fprintf(stderr, "%s: %s\n", b->name, kiln_errmsg(ctx));
                    return 1;
                }
                char err[256];
                char *src = kiln_generate(proc, KILN_LANG_CL, NULL, err, sizeof err);
                double t2 = now_us();
                free(src);
                kiln_ctx_reset(ctx);
                double t3 = now_us();
                kiln_kernel_build(matmul, ctx, &mcfg, &msize);
                double t4 = now_us();
                if (first_us < 0) {
                    first_us = t1 - t0; /* libclang loaded, the OpenCL builtins declared for the first time */
                    continue;
                }
                printf("sample %s variant %d rep %d import_us %.3f import_cpu_us %.3f generate_us %.3f "
                       "matmul_build_us %.3f\n", b->name, v, r, t1 - t0, c1 - c0, t2 - t1, t4 - t3);
                if (ni < MAX_SAMPLES && nall < MAX_SAMPLES && nb < MAX_SAMPLES && ng < MAX_SAMPLES) {
                    imports[ni++] = t1 - t0;
                    import_cpu[nall] = c1 - c0;
                    all_imports[nall++] = t1 - t0;
                    gens[ng++] = t2 - t1;
                    builds[nb++] = t4 - t3;
                }
            }
        }
        char what[64];
        snprintf(what, sizeof what, "import %s (%d variants)", b->name, total);
        summary(what, imports, ni);
        free(text);
    }
    printf("first import (loads libclang): %.3f us\n", first_us);
    summary("import, every kernel", all_imports, nall);
    summary("import, every kernel, CPU time", import_cpu, nall);
    summary("generate OpenCL C", gens, ng);
    summary("build matmul description", builds, nb);
    kiln_space_free(mspace);
    kiln_ctx_free(ctx);
    kiln_importer_free(imp);
    return 0;
}
