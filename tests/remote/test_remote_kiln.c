/*
 * test_remote_kiln.c: kiln itself through the remoting ICD. Every example
 * kernel, in several configurations, gives bit-for-bit the same outputs on the
 * remoted PoCL device as on the native one (same generated source, same
 * inputs), and kiln_tune runs unchanged on the remoted device.
 */
#include "harness.h"
#include "check.h"
#include "kiln/tuner.h"
#include "remote_kiln.h"

/* Runs one variant on rt with the kernel's own inputs; out[i] receives each array (malloc'ed). */
static int run_variant(kiln_rt *rt, const kiln_kernel *k, const char *src, const char *name, const kiln_config *cfg,
                       const kiln_size *size, void **out)
{
    char *log = NULL;
    kiln_program *prog = kiln_program_build(rt, src, name, "", &log);
    free(log);
    if (!prog)
        return -1;
    char err[512];
    kiln_args *args = kiln_args_new(k, size, err, sizeof err);
    kiln_buf **bufs = calloc((size_t)k->nargs + 1, sizeof *bufs);
    int rc = !args || !bufs || kiln_args_generate(args, 42, err, sizeof err) != 0;
    for (int i = 0; i < k->nargs && rc == 0; i++) {
        void *host = kiln_args_at(args, i);
        size_t bytes = kiln_args_bytes(args, i);
        if (k->args[i].is_scalar) {
            rc = kiln_program_set_scalar(rt, prog, i, host, kiln_scalar_bytes(k->args[i].elem));
        } else {
            bufs[i] = kiln_buf_new(rt, bytes);
            rc = !bufs[i] || kiln_buf_write(rt, bufs[i], host, bytes) || kiln_program_set_buf(rt, prog, i, bufs[i]);
        }
    }
    kiln_geometry geo;
    memset(&geo, 0, sizeof geo);
    k->geometry(cfg, size, &geo);
    double ns;
    if (rc == 0)
        rc = kiln_program_run(rt, prog, &geo, &ns);
    for (int i = 0; bufs && i < k->nargs; i++) {
        if (rc == 0 && !k->args[i].is_scalar && k->args[i].dir != KILN_IN) {
            out[i] = malloc(kiln_args_bytes(args, i));
            rc = kiln_buf_read(rt, bufs[i], out[i], kiln_args_bytes(args, i));
        }
        if (bufs[i])
            kiln_buf_free(rt, bufs[i]);
    }
    free(bufs);
    kiln_args_free(args);
    kiln_program_free(rt, prog);
    return rc;
}

static const struct {
    const char *kernel;
    kiln_size size;
    const char *sets[6];
} cases[] = {
    {"triad", {1, {4096, 1, 1}}, {NULL}},
    {"triad", {1, {4096, 1, 1}}, {"vec=8", "per_item=4", "wg=64"}},
    {"matmul", {1, {64, 1, 1}}, {NULL}},
    {"matmul", {1, {64, 1, 1}}, {"tile=16", "wpt=4", "vec=4", "local=1"}},
    {"matmul", {1, {64, 1, 1}}, {"tile=8", "unroll=4", "local=1"}},
    {"laplace", {2, {64, 32, 1}}, {NULL}},
    {"laplace", {2, {64, 32, 1}}, {"vec=8", "synth=1", "y_per_item=2"}},
    {"laplace", {2, {64, 32, 1}}, {"temp_size=8", "x_per_item=2", "vec=2"}},
};

int main(void)
{
    struct harness h;
    if (!fopen("/etc/OpenCL/vendors/pocl.icd", "r"))
        SKIP_NO_DEVICE("no PoCL vendors entry: nothing to compare the remoted device with");
    if (harness_init(&h, 1) != 0 || harness_start_daemon(&h, NULL, NULL) != 0) {
        harness_stop(&h);
        SKIP_NO_DEVICE("the remoting daemon could not start on PoCL");
    }
    char native_sel[32], remote_sel[32], err[512];
    CHECK(find_device(0, native_sel, sizeof native_sel) == 0);
    CHECK(find_device(1, remote_sel, sizeof remote_sel) == 0);
    kiln_rt *native = kiln_rt_open(native_sel, err, sizeof err);
    CHECK_MSG(native != NULL, "%s", err);
    kiln_rt *remote = kiln_rt_open(remote_sel, err, sizeof err);
    CHECK_MSG(remote != NULL, "%s", err);
    if (!native || !remote) {
        harness_stop(&h);
        CHECK_DONE();
    }
    CHECK(strncmp(kiln_rt_device(remote)->platform, "kiln-remote", 11) == 0);
    CHECK(strcmp(kiln_rt_device(remote)->fingerprint, kiln_rt_device(native)->fingerprint) != 0);

    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const kiln_kernel *k = kiln_kernel_find(cases[c].kernel);
        kiln_space *space = kiln_space_new(k, &cases[c].size, err, sizeof err);
        kiln_config cfg;
        kiln_space_default(space, &cfg);
        for (int s = 0; cases[c].sets[s]; s++)
            CHECK_MSG(kiln_space_set(space, &cfg, cases[c].sets[s], err, sizeof err) == 0, "%s", err);
        CHECK(kiln_space_check(space, &cfg, err, sizeof err) == 1);
        kiln_space_free(space);
        kiln_ctx *ctx = kiln_ctx_new();
        kiln_proc *proc = kiln_kernel_build(k, ctx, &cfg, &cases[c].size);
        CHECK_MSG(proc != NULL, "%s", kiln_errmsg(ctx));
        kiln_gen_opts go = {0};
        char *src = proc ? kiln_generate(proc, KILN_LANG_CL, &go, err, sizeof err) : NULL;
        CHECK(src != NULL);
        void **got_native = calloc((size_t)k->nargs + 1, sizeof *got_native);
        void **got_remote = calloc((size_t)k->nargs + 1, sizeof *got_remote);
        if (src) {
            CHECK(run_variant(native, k, src, kiln_proc_name(proc), &cfg, &cases[c].size, got_native) == 0);
            CHECK(run_variant(remote, k, src, kiln_proc_name(proc), &cfg, &cases[c].size, got_remote) == 0);
        }
        for (int i = 0; i < k->nargs; i++) {
            if (k->args[i].is_scalar || k->args[i].dir == KILN_IN)
                continue;
            size_t bytes = k->args[i].count(&cases[c].size) * kiln_scalar_bytes(k->args[i].elem);
            CHECK_MSG(got_native[i] && got_remote[i] && memcmp(got_native[i], got_remote[i], bytes) == 0,
                      "case %zu (%s): output '%s' differs between native and remoted", c, k->name, k->args[i].name);
            free(got_native[i]);
            free(got_remote[i]);
        }
        free(got_native);
        free(got_remote);
        free(src);
        kiln_ctx_free(ctx);
    }

    /* kiln_tune on the remoted device, unchanged. */
    char path[400];
    snprintf(path, sizeof path, "%s/kiln.db", h.dir);
    kiln_db *db = kiln_db_open(path, err, sizeof err);
    CHECK_MSG(db != NULL, "%s", err);
    if (db) {
        CHECK_MSG(tune_matmul(db, remote, 4, 3, err, sizeof err) == 0, "%s", err);
        kiln_db_row best;
        CHECK(kiln_db_best(db, "matmul", kiln_rt_device(remote)->fingerprint, "64", &best) == 1);
        kiln_db_row_free(&best);
        kiln_db_close(db);
    }
    kiln_rt_close(native);
    kiln_rt_close(remote);
    harness_stop(&h);
    CHECK_DONE();
}
