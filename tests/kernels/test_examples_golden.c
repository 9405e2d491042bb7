/*
 * test_examples_golden.c: what two variants of each example kernel look like
 * in OpenCL C and in C, compared byte for byte with tests/kernels/golden/.
 * scripts/bless-goldens.sh rewrites the golden files and shows the diff.
 */
#include "check.h"
#include "files.h"
#include "gen/golden_check.h"
#include "examples_util.h"

static const struct {
    const kiln_kernel *kernel;
    const char *tag;       /* golden file name: <kernel>_<tag>.<lang> */
    const char *settings;  /* over the default configuration */
} cases[] = {
    {&kiln_kernel_triad, "default", ""},
    {&kiln_kernel_triad, "vec4_per2", "vec=4,per_item=2,wg=128"},
    {&kiln_kernel_matmul, "default", ""},
    {&kiln_kernel_matmul, "local_vec4", "tile=16,wpt=2,vec=4,unroll=2,local=1"},
    {&kiln_kernel_laplace, "default", ""},
    {&kiln_kernel_laplace, "synth_f64", "x_per_item=2,y_per_item=2,vec=4,temp_size=8,synth=1"},
    {&kiln_kernel_laplace, "vec1_y2", "vec=1,y_per_item=2"},
    {&kiln_kernel_laplace, "vec1_synth", "vec=1,x_per_item=2,synth=1"},
    {&kiln_kernel_laplace_rgb, "default", ""},
    {&kiln_kernel_laplace_rgb, "synth_i32_y2",
     "x_component_number=8,vector_length=4,y_component_number=2,temporary_size=4,synthesizing_loads=1"},
    {&kiln_kernel_laplace_rgb, "vec1_synth", "x_component_number=2,vector_length=1,synthesizing_loads=1"},
};

int main(void)
{
    kiln_ctx *ctx = kiln_ctx_new();
    CHECK(ctx != NULL);

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const kiln_kernel *k = cases[i].kernel;
        kiln_config cfg;
        CHECK_MSG(example_config(k, cases[i].settings, &cfg) == 0, "%s: bad settings '%s'", k->name,
                  cases[i].settings);
        kiln_ctx_reset(ctx);
        kiln_proc *proc = kiln_kernel_build(k, ctx, &cfg, &k->default_size);
        CHECK_MSG(proc != NULL, "%s_%s: %s", k->name, cases[i].tag, kiln_errmsg(ctx));
        if (!proc)
            continue;
        for (int lang = 0; lang < KILN_LANG_COUNT; lang++) {
            char err[512] = "";
            char *src = kiln_generate(proc, (kiln_lang)lang, NULL, err, sizeof err);
            CHECK_MSG(src != NULL, "%s_%s.%s: %s", k->name, cases[i].tag, kiln_lang_name((kiln_lang)lang), err);
            if (!src)
                continue;
            /* the same tree prints the same bytes */
            char *again = kiln_generate(proc, (kiln_lang)lang, NULL, err, sizeof err);
            CHECK(again && strcmp(src, again) == 0);
            free(again);
            char file[256];
            snprintf(file, sizeof file, "%s_%s.%s", k->name, cases[i].tag, kiln_lang_name((kiln_lang)lang));
            golden_check(KILN_SOURCE_DIR "/tests/kernels/golden", file, src);
            free(src);
        }
    }
    kiln_ctx_free(ctx);
    CHECK_DONE();
}
