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
    fprintf(stderr, "device: %s\n", kiln_rt_device(rt)->name);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double ratio = example_check_runs(rt, cases[i].kernel, cases[i].size, cases[i].settings, 7);
        fprintf(stderr, "%s %s [%s]: largest error %.3g of its bound\n", cases[i].kernel->name, cases[i].size,
                cases[i].settings, ratio);
    }
    kiln_rt_close(rt);
    CHECK_DONE();
}
