/*
 * test_bigdft_exec.c: every BigDFT pass computes what the naive double
 * precision reference of kernels/bigdft/reference.c says, on one target
 * (argv[1]: "host" for the host C compiler, "cl" for the first OpenCL device),
 * for configurations covering each parameter's values, at sizes that are no
 * multiple of the vector length, of the unroll factor or of their product
 * (the last block of lines is done line by line), and with lines shorter than
 * the filter (every point wraps). kiln_evaluate poisons the outputs first, so
 * an unwritten element fails too.
 */
#include "check.h"
#include "kernels/bigdft/bigdft.h"
#include "kiln/tuner.h"
#include "tests/kernels/examples_util.h"

static const struct {
    const kiln_kernel *kernel;
    const char *size;
    const char *settings;
} cases[] = {
    {&kiln_kernel_bigdft_magicfilter, "20x37", ""},
    {&kiln_kernel_bigdft_magicfilter, "20x37", "unroll=2,vec=4,wrap=1,acc=1,full_taps=1"},
    {&kiln_kernel_bigdft_magicfilter, "21x37", "unroll=12,vec=1,wrap=2,full_taps=1,wg=16"},
    {&kiln_kernel_bigdft_magicfilter, "20x37", "unroll=1,vec=8,wrap=0,full_taps=1,map=1"},
    {&kiln_kernel_bigdft_magicfilter, "7x9", "unroll=2,vec=2,wrap=2,full_taps=1"},    /* n < 16: every point wraps */
    {&kiln_kernel_bigdft_magicfilter3d, "13x5x7", "unroll=2,vec=2,wrap=2,full_taps=1"},
    {&kiln_kernel_bigdft_magicfilter_f32, "20x37", "unroll=2,vec=4,wrap=2,full_taps=1"},
    {&kiln_kernel_bigdft_magicfilter_grow, "20x37", ""},
    {&kiln_kernel_bigdft_magicfilter_grow, "20x37", "unroll=4,vec=2,wrap=2,full_taps=1,acc=1"},
    {&kiln_kernel_bigdft_magicfilter_grow, "9x11", "unroll=2,vec=4,wrap=2"},           /* n < 15: no body */
    {&kiln_kernel_bigdft_magicfilter_grow, "20x37", "unroll=1,vec=2,wrap=0,full_taps=1,map=1"},
    {&kiln_kernel_bigdft_magicfilter_shrink, "20x37", ""},
    {&kiln_kernel_bigdft_magicfilter_shrink, "5x37", "unroll=2,vec=8,map=1"},
    {&kiln_kernel_bigdft_analysis, "12x37", ""},
    {&kiln_kernel_bigdft_analysis, "12x37", "unroll=2,vec=4,wrap=2,full_taps=1"},
    {&kiln_kernel_bigdft_analysis, "5x37", "unroll=12,vec=1,wrap=1,acc=1"},          /* 2n = 10 < 16 taps */
    {&kiln_kernel_bigdft_analysis, "12x37", "unroll=2,vec=2,wrap=0,full_taps=1,map=1"},
    {&kiln_kernel_bigdft_analysis_f32, "12x37", "unroll=4,vec=2,wrap=2,full_taps=1"},
    {&kiln_kernel_bigdft_synthesis, "12x37", ""},
    {&kiln_kernel_bigdft_synthesis, "12x37", "unroll=1,vec=8,wrap=1,map=1"},
    {&kiln_kernel_bigdft_synthesis_f32, "12x37", "unroll=2,vec=2,wrap=1,full_taps=1"},
    {&kiln_kernel_bigdft_kinetic, "20x37", ""},
    {&kiln_kernel_bigdft_kinetic, "20x37", "unroll=2,vec=4,wrap=2,full_taps=1,acc=1"},
    {&kiln_kernel_bigdft_kinetic, "20x37", "unroll=2,vec=2,wrap=0,map=1"},
    {&kiln_kernel_bigdft_kinetic, "11x37", "unroll=4,vec=2,wrap=2"},                 /* n < 29 taps */
    {&kiln_kernel_bigdft_kinetic3d, "13x5x7", "unroll=2,vec=2,wrap=2,full_taps=1"},
    {&kiln_kernel_bigdft_kinetic_dot, "20x37", ""},
    {&kiln_kernel_bigdft_kinetic_dot, "31x37", "unroll=1,vec=8,wrap=1"},
    /* lanes along the points of a line: n = 21, 23, 13 leave a remainder of iterations */
    {&kiln_kernel_bigdft_magicfilter, "21x37", "unroll=2,vec=4,lanes=1,wrap=2,full_taps=1"},
    {&kiln_kernel_bigdft_magicfilter, "21x13", "unroll=4,vec=8,lanes=1,wrap=1,acc=1"},
    {&kiln_kernel_bigdft_magicfilter_grow, "21x37", "unroll=2,vec=4,lanes=1,wrap=2,full_taps=1"},
    {&kiln_kernel_bigdft_magicfilter_shrink, "21x37", "unroll=2,vec=4,lanes=1,full_taps=1,acc=1"},
    {&kiln_kernel_bigdft_analysis, "13x37", "unroll=2,vec=4,lanes=1,wrap=2,full_taps=1"},
    {&kiln_kernel_bigdft_synthesis, "13x37", "unroll=2,vec=4,lanes=1,wrap=2,full_taps=1"},
    {&kiln_kernel_bigdft_kinetic, "23x37", "unroll=4,vec=4,lanes=1,wrap=2,full_taps=1"},
    {&kiln_kernel_bigdft_kinetic3d, "13x5x7", "unroll=2,vec=8,lanes=1,wrap=1,acc=1"},
    {&kiln_kernel_bigdft_kinetic_dot, "23x37", "unroll=2,vec=4,lanes=1,wrap=2,full_taps=1"},
    {&kiln_kernel_bigdft_kinetic_dot, "23x37", "unroll=2,vec=8,lanes=1,wrap=0,acc=1"},
};

int main(int argc, char **argv)
{
    kiln_rt *rt = example_open_target(argc, argv);
    if (!rt)
        CHECK_DONE();
    const char *target = kiln_lang_name(kiln_rt_lang(rt));
    char err[1024] = "";
    fprintf(stderr, "device: %s\n", kiln_rt_device(rt)->name);

    kiln_tune_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.seed = 7;
    opts.timing = (kiln_time_opts){0, 1, 1, 1.0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const kiln_kernel *k = cases[i].kernel;
        kiln_size size;
        kiln_config cfg;
        CHECK(kiln_size_parse(cases[i].size, &size) == 0);
        CHECK_MSG(example_config(k, cases[i].settings, &cfg) == 0, "%s: bad settings '%s'", k->name,
                  cases[i].settings);
        opts.kernel = k;
        opts.size = size;
        kiln_eval ev;
        memset(&ev, 0, sizeof ev);
        int rc = kiln_evaluate(rt, k, &cfg, &size, &opts, &ev, err, sizeof err);
        CHECK_MSG(rc == 0, "%s %s [%s]: %s", k->name, cases[i].size, cases[i].settings, err);
        CHECK_MSG(rc != 0 || ev.verdict == KILN_OK, "%s %s [%s] on %s: %s: %s", k->name, cases[i].size,
                  cases[i].settings, target, kiln_verdict_name(ev.verdict), ev.error_text ? ev.error_text : "");
        if (rc == 0 && ev.verdict == KILN_OK)
            CHECK(ev.verify.ok && ev.verify.nonfinite == 0 && ev.verify.max_err_ratio <= 1.0);
        kiln_eval_clear(&ev);
    }
    kiln_rt_close(rt);
    CHECK_DONE();
}
