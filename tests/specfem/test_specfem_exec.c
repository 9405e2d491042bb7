/*
 * test_specfem_exec.c: every SPECFEM kernel computes what its double
 * precision reference says, on one target (argv[1]: "host" for the host C
 * compiler, "cl" for the first OpenCL device; skipped when there is none), for
 * several configurations and for meshes whose extents are odd (a last
 * work-group partly idle, colour 0 not an exact eighth). Outputs are poisoned
 * before the run by kiln_evaluate, so an unwritten element fails too.
 */
#include "check.h"
#include "kernels/examples_util.h"
#include "kernels/specfem/specfem.h"
#include "kiln/tuner.h"

static const struct {
    const kiln_kernel *kernel;
    const char *size;
    const char *settings;
} cases[] = {
    {&kiln_kernel_specfem_stiffness, "4x4x4", ""},
    {&kiln_kernel_specfem_stiffness, "4x4x4", "assembly=1,unroll=1,epg=2"},
    {&kiln_kernel_specfem_stiffness, "5x3x2", "epg=4,local_hprime=0,local_displ=0"},
    {&kiln_kernel_specfem_stiffness, "5x3x2", "assembly=1,unroll=1,epg=4,local_displ=0"},
    {&kiln_kernel_specfem_stiffness, "3x5x3", "assembly=0,unroll=1,epg=2,local_hprime=0"},
    {&kiln_kernel_specfem_stiffness_f64, "4x3x3", ""},
    {&kiln_kernel_specfem_stiffness_f64, "4x3x3", "unroll=1,epg=2,local_hprime=0,local_displ=0"},
    {&kiln_kernel_specfem_stiffness_att, "3x3x3", ""},
    {&kiln_kernel_specfem_stiffness_att, "4x3x3", "assembly=1,unroll=1,epg=2,local_hprime=0,local_displ=0"},
    {&kiln_kernel_specfem_update_disp_veloc, "5x4x3", ""},
    {&kiln_kernel_specfem_update_disp_veloc, "5x4x3", "vec=4,wg=64"},
    {&kiln_kernel_specfem_update_disp_veloc, "5x4x3", "vec=8,wg=256"},
    {&kiln_kernel_specfem_update_accel, "5x4x3", ""},
    {&kiln_kernel_specfem_update_accel, "5x4x3", "wg=256"},
    {&kiln_kernel_specfem_update_veloc, "5x4x3", "vec=2"},
    {&kiln_kernel_specfem_update_veloc, "5x4x3", "vec=8,wg=64"},
    {&kiln_kernel_specfem_prepare_boundary, "5x4x3", ""},
    {&kiln_kernel_specfem_prepare_boundary, "5x4x3", "wg=64"},
    {&kiln_kernel_specfem_assemble_boundary, "5x4x3", ""},
    {&kiln_kernel_specfem_assemble_boundary, "5x4x3", "wg=256"},
    {&kiln_kernel_specfem_stacey, "5x4x3", ""},
    {&kiln_kernel_specfem_stacey, "5x4x3", "fpg=4"},
    {&kiln_kernel_specfem_add_sources, "3x3x3", ""},
    {&kiln_kernel_specfem_add_sources, "3x3x3", "atomic=0"},
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
        CHECK_MSG(example_config(k, cases[i].settings, &cfg) == 0, "%s: bad settings '%s'", k->name, cases[i].settings);
        opts.kernel = k;
        opts.size = size;
        kiln_eval ev;
        memset(&ev, 0, sizeof ev);
        int rc = kiln_evaluate(rt, k, &cfg, &size, &opts, &ev, err, sizeof err);
        CHECK_MSG(rc == 0, "%s %s [%s]: %s", k->name, cases[i].size, cases[i].settings, err);
        CHECK_MSG(rc != 0 || ev.verdict == KILN_OK, "%s %s [%s] on %s: %s: %s", k->name, cases[i].size,
                  cases[i].settings, target, kiln_verdict_name(ev.verdict), ev.error_text ? ev.error_text : "");
        if (rc == 0 && ev.verdict == KILN_OK) {
            CHECK(ev.verify.ok && ev.verify.nonfinite == 0);
            fprintf(stderr, "%s %s [%s]: largest error %.3g of its bound\n", k->name, cases[i].size, cases[i].settings,
                    ev.verify.max_err_ratio);
        }
        kiln_eval_clear(&ev);
    }
    kiln_rt_close(rt);
    CHECK_DONE();
}
