/*
 * test_examples_golden.c: what two variants of each example kernel look like
 * in OpenCL C and in C, compared byte for byte with tests/kernels/golden/.
 * KILN_BLESS=1 rewrites the golden files from today's output instead.
 */
#include "check.h"
#include "files.h"
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
    {&kiln_kernel_laplace_rgb, "default", ""},
    {&kiln_kernel_laplace_rgb, "synth_i32_y2",
     "x_component_number=8,vector_length=4,y_component_number=2,temporary_size=4,synthesizing_loads=1"},
};

/* Line number of the first difference, for the failure message. */
static int first_diff_line(const char *a, const char *b)
{
    int line = 1;
    for (; *a && *a == *b; a++, b++)
        line += *a == '\n';
    return line;
}

int main(void)
{
    const char *bless = getenv("KILN_BLESS");
    int blessing = bless && strcmp(bless, "1") == 0;
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
            char path[1024];
            snprintf(path, sizeof path, "%s/tests/kernels/golden/%s_%s.%s", KILN_SOURCE_DIR, k->name, cases[i].tag,
                     kiln_lang_name((kiln_lang)lang));
            if (blessing) {
                CHECK_MSG(write_file(path, src) == 0, "cannot write %s", path);
            } else {
                char *want = read_file(path);
                CHECK_MSG(want != NULL, "missing golden file %s (run with KILN_BLESS=1 to create it)", path);
                if (want)
                    CHECK_MSG(strcmp(want, src) == 0, "%s differs from the generated source from line %d "
                              "(KILN_BLESS=1 rewrites it)", path, first_diff_line(want, src));
                free(want);
            }
            free(src);
        }
    }
    kiln_ctx_free(ctx);
    CHECK_DONE();
}
