/*
 * test_specfem_golden.c: what two variants of the stiffness kernel and one of
 * each other SPECFEM kernel look like in OpenCL C and in C, compared byte for
 * byte with tests/specfem/golden/ (scripts/bless-goldens.sh rewrites them).
 * What they compute is test_specfem_exec's and test_specfem_physics's.
 */
#include "check.h"
#include "files.h"
#include "gen/golden_check.h"
#include "kernels/examples_util.h"
#include "kernels/specfem/specfem.h"

static const struct {
    const kiln_kernel *kernel;
    const char *tag;
    const char *settings;
} cases[] = {
    {&kiln_kernel_specfem_stiffness, "default", ""},
    {&kiln_kernel_specfem_stiffness, "colour_unroll_epg2", "assembly=1,unroll=1,epg=2,local_hprime=0,local_displ=0"},
    {&kiln_kernel_specfem_stiffness_att, "default", ""},
    {&kiln_kernel_specfem_update_disp_veloc, "vec4", "vec=4"},
    {&kiln_kernel_specfem_update_accel, "default", ""},
    {&kiln_kernel_specfem_assemble_boundary, "default", ""},
    {&kiln_kernel_specfem_stacey, "default", ""},
    {&kiln_kernel_specfem_add_sources, "default", ""},
};

int main(void)
{
    kiln_ctx *ctx = kiln_ctx_new();
    CHECK(ctx != NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const kiln_kernel *k = cases[i].kernel;
        kiln_config cfg;
        CHECK(example_config(k, cases[i].settings, &cfg) == 0);
        kiln_ctx_reset(ctx);
        kiln_proc *proc = kiln_kernel_build(k, ctx, &cfg, &k->default_size);
        CHECK_MSG(proc != NULL, "%s_%s: %s", k->name, cases[i].tag, kiln_errmsg(ctx));
        for (int lang = 0; proc && lang < KILN_LANG_COUNT; lang++) {
            char err[512] = "", file[256];
            char *src = kiln_generate(proc, (kiln_lang)lang, NULL, err, sizeof err);
            CHECK_MSG(src != NULL, "%s_%s: %s", k->name, cases[i].tag, err);
            snprintf(file, sizeof file, "%s_%s.%s", k->name, cases[i].tag, kiln_lang_name((kiln_lang)lang));
            if (src)
                golden_check(KILN_SOURCE_DIR "/tests/specfem/golden", file, src);
            free(src);
        }
    }
    kiln_ctx_free(ctx);
    CHECK_DONE();
}
