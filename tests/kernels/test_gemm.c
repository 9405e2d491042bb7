/*
 * test_gemm.c: the gemm kernels (kernels/examples/gemm.c).
 *
 * On one target (argv[1]: "host" for the host C compiler, "cl" for the first
 * OpenCL device, skipped where there is none) a set of configurations that
 * between them set every parameter to a non-default value, for all three
 * transposition cases and both precisions, at sizes that are multiples of no
 * tile (guards) and at multiples, computes what the reference says: kiln's
 * verification with poisoned outputs, timed runs checked too.
 *
 * On the host run only: the reference itself against C = op(A) op(B) written
 * out here from the layouts; a sample of every space's valid configurations
 * builds and prints in both languages; a configuration outside the
 * constraints is refused by the description with its reason.
 */
#include "check.h"
#include "examples_util.h"
#include "kiln/tuner.h"

static const struct {
    const kiln_kernel *kernel;
    const char *size;
    const char *settings;
} cases[] = {
    {&kiln_kernel_gemm_nn, "64", ""},
    {&kiln_kernel_gemm_nn, "67x45x37", ""},
    {&kiln_kernel_gemm_nn, "67x45x37", "mwg=16,nwg=32,kwg=8,mdim=8,ndim=8,sa=1,sb=1,la=8,lb=8"},
    {&kiln_kernel_gemm_nn, "68x44x36",
     "mwg=32,nwg=64,kwg=16,mdim=8,ndim=8,sa=1,sb=1,la=2,lb=8,pad=1,vwg=4,vwm=2,vwn=4,ta=1,db=1,ku=0,strided=1"},
    /* 8 x 8 outputs per work-item, every vector at 4 */
    {&kiln_kernel_gemm_nn, "128",
     "mwg=128,nwg=128,kwg=16,mdim=16,ndim=16,sa=1,sb=1,la=2,lb=32,vwg=4,vwm=4,vwn=4,ta=1,db=1,ku=4"},
    {&kiln_kernel_gemm_nn, "5x3x7", "sb=1,lb=8,db=1,strided=1"},
    /* the next tile prefetched into registers, with guards in m, n and k */
    {&kiln_kernel_gemm_nn, "68x44x36",
     "mwg=32,nwg=32,kwg=16,mdim=8,ndim=8,sa=1,sb=1,la=2,lb=8,vwg=4,vwm=4,vwn=4,ta=1,db=1,pf=1,strided=1"},
    {&kiln_kernel_gemm_nn, "5x3x7", "sb=1,lb=8,db=1,pf=1"},
    {&kiln_kernel_gemm_tn, "67x45x37", "mwg=16,nwg=16,kwg=8,mdim=4,ndim=4,sa=1,sb=1,la=2,lb=2,db=1,pf=1,pad=1"},
    {&kiln_kernel_gemm_f64_nt, "67x45x37", "mwg=32,nwg=16,kwg=8,mdim=8,ndim=4,sa=1,sb=1,la=8,lb=8,db=1,pf=1,strided=1"},
    {&kiln_kernel_gemm_nn, "33", "mwg=16,nwg=16,kwg=8,mdim=4,ndim=4,sa=1,sb=1,la=2,lb=2,db=1,strided=1,pad=1"},
    {&kiln_kernel_gemm_tn, "67x45x37", "mwg=32,nwg=16,kwg=16,mdim=16,ndim=4,sa=1,la=32,strided=1"},
    {&kiln_kernel_gemm_tn, "68x44x36",
     "mwg=64,nwg=32,kwg=16,mdim=8,ndim=16,sa=1,sb=1,la=8,lb=8,vwg=4,vwm=4,vwn=2,ta=1,db=1"},
    {&kiln_kernel_gemm_nt, "67x45x37", "mwg=16,nwg=16,kwg=8,mdim=4,ndim=4,sb=1,lb=8,ku=4"},
    {&kiln_kernel_gemm_nt, "68x44x36",
     "mwg=32,nwg=32,kwg=32,mdim=8,ndim=4,sa=1,sb=1,la=8,lb=2,vwg=4,vwn=4,db=1,pad=1,strided=1"},
    {&kiln_kernel_gemm_nt, "68x44x36", "vwn=4,strided=1,ku=0"},
    {&kiln_kernel_gemm_f64_nn, "67x45x37", "mwg=16,nwg=16,kwg=16,mdim=4,ndim=8,sa=1,sb=1,la=2,lb=8,ta=1,db=1"},
    {&kiln_kernel_gemm_f64_tn, "64", "vwn=2,sb=1,lb=8,strided=1,ku=0"},
    {&kiln_kernel_gemm_f64_nt, "68x44x36", "sa=1,la=8,vwg=2,vwn=2,pad=1"},
};

/* Every parameter of gemm takes a value other than its default in some case:
 * the cases span the space. */
static void check_cases_span(void)
{
    const kiln_kernel *k = &kiln_kernel_gemm_nn;
    for (int p = 0; p < k->nparams; p++) {
        int moved = 0;
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            kiln_config cfg;
            if (example_config(cases[i].kernel, cases[i].settings, &cfg) == 0)
                moved |= cfg.values[p] != k->params[p].default_value;
        }
        CHECK_MSG(moved, "no case sets %s", k->params[p].name);
    }
}

static void run_cases(kiln_rt *rt)
{
    const char *target = kiln_lang_name(kiln_rt_lang(rt));
    char err[1024] = "";
    kiln_tune_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.seed = 7;
    opts.timing = (kiln_time_opts){.warmup = 0, .min_reps = 1, .max_reps = 1, .budget_ms = 1.0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const kiln_kernel *k = cases[i].kernel;
        kiln_size size;
        kiln_config cfg;
        CHECK(kiln_size_parse(cases[i].size, &size) == 0);
        CHECK_MSG(example_config(k, cases[i].settings, &cfg) == 0, "%s: bad settings '%s'", k->name,
                  cases[i].settings);
        /* each case is a point of the space, with the limits a portable device has */
        kiln_space *space = kiln_space_new(k, &size, err, sizeof err);
        char why[256] = "";
        CHECK_MSG(space && kiln_space_check(space, &cfg, why, sizeof why) == 1, "%s %s [%s]: violates %s", k->name,
                  cases[i].size, cases[i].settings, why);
        kiln_space_free(space);
        opts.kernel = k;
        opts.size = size;
        kiln_eval ev;
        memset(&ev, 0, sizeof ev);
        int rc = kiln_evaluate(rt, k, &cfg, &size, &opts, &ev, err, sizeof err);
        CHECK_MSG(rc == 0, "%s %s [%s]: %s", k->name, cases[i].size, cases[i].settings, err);
        CHECK_MSG(rc != 0 || ev.verdict == KILN_OK, "%s %s [%s] on %s: %s: %s", k->name, cases[i].size,
                  cases[i].settings, target, kiln_verdict_name(ev.verdict), ev.error_text ? ev.error_text : "");
        if (rc == 0 && ev.verdict == KILN_OK)
            CHECK(ev.verify.ok && ev.verify.nonfinite == 0 && ev.time.samples >= 1);
        kiln_eval_clear(&ev);
    }
}

static double value_at(const void *data, int f64, size_t i)
{
    return f64 ? ((const double *)data)[i] : (double)((const float *)data)[i];
}

/* The reference against the definition, with the storage of each case written
 * out independently: A is m x k row-major (k x m for tn), B k x n (n x k for nt). */
static void check_reference(const kiln_kernel *k, int a_transposed, int b_transposed, int f64)
{
    const long long m = 5, n = 7, kk = 3;
    kiln_size size = {3, {n, m, kk}};
    char err[256] = "";
    kiln_args *args = kiln_args_new(k, &size, err, sizeof err);
    CHECK_MSG(args != NULL, "%s: %s", k->name, err);
    if (!args)
        return;
    CHECK_MSG(kiln_args_generate(args, 11, err, sizeof err) == 0, "%s: %s", k->name, err);
    const void *a = kiln_args_ptr(args, "a"), *b = kiln_args_ptr(args, "b");
    const double *want = kiln_args_want(args, "c");
    CHECK(*(int *)kiln_args_ptr(args, "m") == m && *(int *)kiln_args_ptr(args, "n") == n &&
          *(int *)kiln_args_ptr(args, "k") == kk);
    double worst = 0;
    for (long long i = 0; i < m; i++)
        for (long long j = 0; j < n; j++) {
            double sum = 0;
            for (long long p = 0; p < kk; p++)
                sum += value_at(a, f64, (size_t)(a_transposed ? p * m + i : i * kk + p)) *
                       value_at(b, f64, (size_t)(b_transposed ? j * kk + p : p * n + j));
            worst = fmax(worst, fabs(sum - want[i * n + j]));
        }
    CHECK_MSG(worst < 1e-12, "%s: reference differs from the definition by %g", k->name, worst);
    kiln_args_free(args);
}

/* Bytes of the __local arrays an OpenCL source declares and the product of its
 * reqd_work_group_size, read from the text itself (not from the constraints). */
static void source_limits(const char *src, long long *local_bytes, long long *wg)
{
    *local_bytes = 0;
    *wg = 0;
    for (const char *p = strstr(src, "__local "); p; p = strstr(p + 1, "__local ")) {
        const char *br = strchr(p, '[');
        long long elem = strncmp(p + 8, "double", 6) == 0 ? 8 : 4;
        if (br)
            *local_bytes += elem * strtoll(br + 1, NULL, 10);
    }
    const char *r = strstr(src, "reqd_work_group_size(");
    long long x = 0, y = 0, z = 0;
    if (r && sscanf(r, "reqd_work_group_size(%lld, %lld, %lld)", &x, &y, &z) == 3)
        *wg = x * y * z;
}

/* A deterministic sample of the space (`points` evenly spaced indices): every
 * valid configuration among them builds and prints in OpenCL C and C, and its
 * OpenCL source keeps to the space's device limits (local memory, work-group). */
static void sample_space_limited(const kiln_kernel *k, const char *size_text, uint64_t points, long long local_limit,
                                 long long wg_limit)
{
    kiln_size size;
    kiln_space *space = example_space(k, size_text, &size);
    if (!space)
        return;
    kiln_space_set_limits(space, local_limit, wg_limit);
    kiln_ctx *ctx = kiln_ctx_new();
    uint64_t total = kiln_space_total(space), step = total / points + 1, valid = 0, built = 0;
    long long most_local = 0, most_wg = 0;
    for (uint64_t i = 0; i < total; i += step) {
        kiln_config cfg;
        char why[256] = "";
        kiln_space_point(space, i, &cfg);
        if (kiln_space_check(space, &cfg, why, sizeof why) != 1)
            continue;
        valid++;
        char *src;
        built += example_builds_everywhere(ctx, k, &cfg, &size, size_text, &src);
        if (src) {
            char json[512];
            kiln_config_json(&cfg, json, sizeof json);
            long long bytes, wg;
            source_limits(src, &bytes, &wg);
            CHECK_MSG(bytes <= local_limit && wg >= 1 && wg <= wg_limit,
                      "%s %s %s: %lld bytes of local memory, %lld work-items (limits %lld, %lld)", k->name,
                      size_text, json, bytes, wg, local_limit, wg_limit);
            most_local = bytes > most_local ? bytes : most_local;
            most_wg = wg > most_wg ? wg : most_wg;
            free(src);
        }
    }
    CHECK_MSG(valid >= 20, "%s at %s: only %llu valid points sampled", k->name, size_text,
              (unsigned long long)valid);
    CHECK(built == valid);
    fprintf(stderr, "%s at %s: %llu sampled valid configurations built (up to %lld bytes local, %lld work-items)\n",
            k->name, size_text, (unsigned long long)valid, most_local, most_wg);
    kiln_ctx_free(ctx);
    kiln_space_free(space);
}

/* The counted valid points (pruned as constraints become decidable) are the
 * points kiln_space_check accepts one by one, on gemm's constraints over a
 * space cut to two values a parameter (2^17 points), at two sizes. */
static void count_matches_walk(const kiln_kernel *k, const char *size_text)
{
    kiln_kernel cut = *k;
    kiln_param params[KILN_MAX_PARAMS];
    for (int i = 0; i < k->nparams; i++) {
        params[i] = k->params[i];
        params[i].nvalues = params[i].nvalues < 2 ? params[i].nvalues : 2;
        params[i].values = k->params[i].values + (k->params[i].nvalues > 2 ? 1 : 0);
    }
    cut.params = params;
    kiln_size size;
    kiln_space *space = example_space(&cut, size_text, &size);
    if (!space)
        return;
    uint64_t walked = 0;
    for (uint64_t i = 0; i < kiln_space_total(space); i++) {
        kiln_config cfg;
        char why[256];
        kiln_space_point(space, i, &cfg);
        walked += kiln_space_check(space, &cfg, why, sizeof why) == 1;
    }
    CHECK_MSG(walked > 0 && walked == kiln_space_count_valid(space), "%s at %s: counted %llu, walked %llu", k->name,
              size_text, (unsigned long long)kiln_space_count_valid(space), (unsigned long long)walked);
    kiln_space_free(space);
}

static void sample_space(const kiln_kernel *k, const char *size_text, uint64_t points)
{
    sample_space_limited(k, size_text, points, KILN_SPACE_DEFAULT_LOCAL_MEM, KILN_SPACE_DEFAULT_MAX_WG);
}

static void refused(const kiln_kernel *k, const char *size_text, const char *settings, const char *reason)
{
    kiln_size size;
    kiln_config cfg;
    CHECK(kiln_size_parse(size_text, &size) == 0);
    CHECK(example_config(k, settings, &cfg) == 0);
    kiln_space *space = kiln_space_new(k, &size, NULL, 0);
    char why[256] = "";
    CHECK_MSG(space && kiln_space_check(space, &cfg, why, sizeof why) == 0, "%s %s [%s] is in the space", k->name,
              size_text, settings);
    kiln_space_free(space);
    kiln_ctx *ctx = kiln_ctx_new();
    kiln_proc *proc = kiln_kernel_build(k, ctx, &cfg, &size);
    CHECK_MSG(proc == NULL, "%s %s [%s] was built", k->name, size_text, settings);
    CHECK_STR_CONTAINS(kiln_errmsg(ctx), reason);
    kiln_ctx_free(ctx);
}

static void host_only_checks(void)
{
    check_cases_span();
    check_reference(&kiln_kernel_gemm_nn, 0, 0, 0);
    check_reference(&kiln_kernel_gemm_tn, 1, 0, 0);
    check_reference(&kiln_kernel_gemm_nt, 0, 1, 0);
    check_reference(&kiln_kernel_gemm_f64_nn, 0, 0, 1);
    check_reference(&kiln_kernel_gemm_f64_tn, 1, 0, 1);
    check_reference(&kiln_kernel_gemm_f64_nt, 0, 1, 1);
    count_matches_walk(&kiln_kernel_gemm_nn, "256");
    count_matches_walk(&kiln_kernel_gemm_nt, "68x44x36");
    sample_space(&kiln_kernel_gemm_nn, "256", 16000);
    sample_space(&kiln_kernel_gemm_tn, "68x44x36", 8000);
    sample_space(&kiln_kernel_gemm_nt, "67x45x37", 20000);
    sample_space(&kiln_kernel_gemm_f64_nn, "128", 4000);
    sample_space_limited(&kiln_kernel_gemm_nn, "256", 16000, 8192, 128);
    sample_space_limited(&kiln_kernel_gemm_f64_tn, "256", 16000, 12288, 1024);
    refused(&kiln_kernel_gemm_nn, "67x45x37", "vwn=4", "vwn 4 does not divide n = 67");
    refused(&kiln_kernel_gemm_nn, "64", "mwg=128,mdim=4", "1 to 8 rows and columns");
    refused(&kiln_kernel_gemm_nn, "64", "ta=1", "ta = 1 needs sa = 1");
    refused(&kiln_kernel_gemm_nn, "64", "sa=1,la=32,kwg=16", "la 32 work-items across");
    refused(&kiln_kernel_gemm_nn, "64", "sa=1,pf=1", "pf = 1 needs db = 1");
}

int main(int argc, char **argv)
{
    kiln_rt *rt = example_open_target(argc, argv);
    if (!rt)
        CHECK_DONE();
    fprintf(stderr, "device: %s\n", kiln_rt_device(rt)->name);
    if (kiln_rt_lang(rt) == KILN_LANG_C)
        host_only_checks();
    run_cases(rt);
    kiln_rt_close(rt);
    CHECK_DONE();
}
