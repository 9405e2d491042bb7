/*
 * test_roundtrip.c: every example kernel, under several configurations:
 * kiln generates OpenCL C, the importer reads it back, kiln generates again.
 * The second text must be the first, or, where C's integer promotions made
 * the importer's casts explicit, both trees must compute the same bytes on
 * the host C target from the kernel's own inputs.
 */
#include <stdio.h>
#include "check.h"
#include "frontend_test.h"
#include "kiln/kernel.h"
#include "kiln/tuner.h"

static kiln_importer *imp;
static int same_text, same_results;

/* Runs proc over a copy of the kernel's inputs; the copy's buffers are returned in out. */
static int run_copy(kiln_rt *rt, const kiln_kernel *k, const kiln_proc *proc, const kiln_args *args,
                    const kiln_geometry *geo, host_arg *out, char *err, size_t len)
{
    for (int i = 0; i < k->nargs; i++) {
        out[i].bytes = kiln_args_bytes(args, i);
        out[i].is_scalar = k->args[i].is_scalar;
        out[i].data = malloc(out[i].bytes);
        memcpy(out[i].data, kiln_args_at(args, i), out[i].bytes);
    }
    return run_on_host(rt, proc, k->nargs, out, geo, err, len);
}

static void roundtrip(kiln_rt *rt, const kiln_kernel *k, const kiln_config *cfg, const kiln_size *size)
{
    char err[1024], cfg_json[256];
    kiln_config_json(cfg, cfg_json, sizeof cfg_json);
    kiln_ctx *ctx = kiln_ctx_new(), *back = kiln_ctx_new();
    kiln_proc *proc = kiln_kernel_build(k, ctx, cfg, size);
    CHECK_MSG(proc != NULL, "%s %s: %s", k->name, cfg_json, kiln_errmsg(ctx));
    char *first = proc ? kiln_generate(proc, KILN_LANG_CL, NULL, err, sizeof err) : NULL;
    CHECK_MSG(!proc || first, "%s", err);
    char path[128];
    snprintf(path, sizeof path, "%s.cl", k->name);
    kiln_proc *again = first ? import_text(imp, back, path, first, kiln_proc_name(proc), 0, NULL, err, sizeof err)
                             : NULL;
    CHECK_MSG(!first || again, "%s %s: the generated OpenCL C does not import: %s", k->name, cfg_json, err);
    char *second = again ? kiln_generate(again, KILN_LANG_CL, NULL, err, sizeof err) : NULL;
    CHECK_MSG(!again || second, "%s", err);
    if (second && strcmp(first, second) == 0) {
        same_text++;
    } else if (second) {
        kiln_args *args = kiln_args_new(k, size, err, sizeof err);
        CHECK_MSG(args && kiln_args_generate(args, 11, err, sizeof err) == 0, "%s", err);
        kiln_geometry geo;
        CHECK(kiln_kernel_geometry(k, cfg, size, &geo, err, sizeof err) == 0);
        host_arg *a = calloc((size_t)k->nargs, sizeof *a), *b = calloc((size_t)k->nargs, sizeof *b);
        int ra = run_copy(rt, k, proc, args, &geo, a, err, sizeof err);
        CHECK_MSG(ra == 0, "%s %s, original: %s", k->name, cfg_json, err);
        int rb = run_copy(rt, k, again, args, &geo, b, err, sizeof err);
        CHECK_MSG(rb == 0, "%s %s, imported: %s", k->name, cfg_json, err);
        int differ = 0;
        for (int i = 0; i < k->nargs && ra == 0 && rb == 0; i++)
            if (k->args[i].dir != KILN_IN && memcmp(a[i].data, b[i].data, a[i].bytes) != 0) {
                differ = 1;
                CHECK_MSG(0, "%s %s: output '%s' differs between the original and the imported tree", k->name,
                          cfg_json, k->args[i].name);
            }
        same_results += !differ && ra == 0 && rb == 0;
        for (int i = 0; i < k->nargs; i++) {
            free(a[i].data);
            free(b[i].data);
        }
        free(a);
        free(b);
        kiln_args_free(args);
    }
    free(first);
    free(second);
    kiln_ctx_free(ctx);
    kiln_ctx_free(back);
}

int main(void)
{
    char err[512];
    imp = kiln_importer_new();
    kiln_rt *rt = kiln_rt_open("host", err, sizeof err);
    CHECK_MSG(rt != NULL, "%s", err);
    int cases = 0;
    /* The example kernels (kernels/examples/). The BigDFT and SPECFEM kernels
     * use what the importer does not read yet: file-scope __constant tables
     * (filter taps) and kiln's own helper for float atomics. */
    static const char *const examples[] = {"triad", "matmul", "laplace", "laplace_rgb", "gemm", "gemm_tn",
                                           "gemm_nt", "gemm_f64", "gemm_f64_tn", "gemm_f64_nt"};
    for (size_t e = 0; rt && e < sizeof examples / sizeof examples[0]; e++) {
        const kiln_kernel *k = kiln_kernel_find(examples[e]);
        CHECK_MSG(k != NULL, "no kernel '%s'", examples[e]);
        if (!k)
            continue;
        kiln_size size = k->default_size;
        kiln_space *space = kiln_space_new(k, &size, err, sizeof err);
        CHECK_MSG(space != NULL, "%s", err);
        if (!space)
            continue;
        kiln_config cfg;
        kiln_space_default(space, &cfg);
        roundtrip(rt, k, &cfg, &size);
        cases++;
        /* and up to five more spread over the space */
        uint64_t total = kiln_space_total(space), step = total / 5 ? total / 5 : 1;
        int taken = 0;
        for (uint64_t i = step / 2; i < total && taken < 5; i += step) {
            for (uint64_t j = i; j < total && j < i + step; j++) {
                kiln_space_point(space, j, &cfg);
                char why[128];
                if (kiln_space_check(space, &cfg, why, sizeof why) == 1) {
                    roundtrip(rt, k, &cfg, &size);
                    cases++;
                    taken++;
                    break;
                }
            }
        }
        kiln_space_free(space);
    }
    fprintf(stderr, "%d configurations: %d generated the same text again, %d computed the same bytes\n", cases,
            same_text, same_results);
    CHECK(cases >= 8);
    CHECK(same_text + same_results == cases);
    kiln_rt_close(rt);
    kiln_importer_free(imp);
    CHECK_DONE();
}
