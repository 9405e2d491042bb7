/*
 * test_bigdft_fused.c: bigdft.kinetic3d_fused, the 3-D kinetic operator in
 * one launch, computes what the operator's definition says
 * (bigdft_ref_kinetic3d) on one target (argv[1]: "host" or "cl"): every
 * vector length and z block, grids whose extents are no multiple of either
 * (the last blocks point by point), extents shorter than the filter's half
 * width (a tap wraps more than once), x vectors that cross the periodic seam,
 * and work-groups of several shapes. The grid spacing differs per axis, so an
 * axis taken for another fails. kiln_evaluate poisons y first, so an
 * unwritten point fails too. Every block shape and every work-group builds.
 */
#include "check.h"
#include "kernels/bigdft/bigdft.h"
#include "tests/kernels/exec_cases.h"

/* blocks of at most 16 points (a block's code grows with its points, and its build time with it) */
static const example_case cases[] = {
    {&kiln_kernel_bigdft_kinetic3d_fused, "21x17x11", ""},
    {&kiln_kernel_bigdft_kinetic3d_fused, "21x17x11", "vec=2,yb=2,zb=2,wg1=8,wg2=2"},
    {&kiln_kernel_bigdft_kinetic3d_fused, "21x17x11", "vec=4,yb=4,zb=1,wg1=4,wg2=4,idx64=1"},
    {&kiln_kernel_bigdft_kinetic3d_fused, "21x17x11", "vec=8,zb=2,wg1=16,wg2=1"},
    {&kiln_kernel_bigdft_kinetic3d_fused, "21x17x11", "vec=4,yb=2,zb=2,xwin=1,wg1=8,wg2=2"},
    {&kiln_kernel_bigdft_kinetic3d_fused, "32x16x16", "vec=8,yb=2,zb=1,wg1=4,wg2=4"},         /* whole blocks only */
    {&kiln_kernel_bigdft_kinetic3d_fused, "32x16x16", "vec=2,yb=4,zb=2,xwin=1,wg1=16,wg2=1"},
    {&kiln_kernel_bigdft_kinetic3d_fused, "7x9x5", "vec=4,yb=2,zb=2,wg1=4,wg2=8"},            /* n < 14: taps wrap twice */
    {&kiln_kernel_bigdft_kinetic3d_fused, "7x9x5", "vec=2,zb=4,xwin=1,wg1=4,wg2=8"},
    {&kiln_kernel_bigdft_kinetic3d_fused, "5x3x13", "vec=8,zb=2,wg1=4,wg2=4"},                /* n1 < vec: no whole block */
    {&kiln_kernel_bigdft_kinetic3d_fused, "15x15x15", "vec=1,yb=2,zb=8,xwin=1,wg1=64,wg2=1"}, /* n = 15: one select a side */
    /* the taps as loops over the padded table: every window offset of the largest blocks reads it */
    {&kiln_kernel_bigdft_kinetic3d_fused, "21x17x11", "vec=4,yb=4,zb=1,full_taps=0,wg1=4,wg2=4"},
    {&kiln_kernel_bigdft_kinetic3d_fused, "21x17x11", "vec=2,yb=1,zb=8,full_taps=0,wg1=16,wg2=1,idx64=1"},
    {&kiln_kernel_bigdft_kinetic3d_fused, "7x9x5", "vec=8,yb=2,zb=2,full_taps=0,wg1=4,wg2=8"},
};

/* The configurations space_builds takes: every block shape (vec, yb, zb, xwin,
 * full_taps, idx64) at one work-group, and every work-group at one block shape
 * (the whole space, about 5000 points, takes minutes to print; its
 * work-group sizes only change a launch bound). */
static int block_shape_or_work_group(const kiln_config *cfg)
{
    int one_group = kiln_config_get(cfg, "wg1", 0) == 16 && kiln_config_get(cfg, "wg2", 0) == 4;
    int one_shape = kiln_config_get(cfg, "vec", 0) == 1 && kiln_config_get(cfg, "yb", 0) == 1 &&
                    kiln_config_get(cfg, "zb", 0) == 1 && kiln_config_get(cfg, "xwin", 1) == 0;
    return one_group || one_shape;
}

/* The constraints and the description agree on those: each valid one builds
 * and prints in every language. */
static void space_builds(const char *size_text)
{
    const kiln_kernel *k = &kiln_kernel_bigdft_kinetic3d_fused;
    uint64_t tried = example_space_builds(k, size_text, block_shape_or_work_group, NULL);
    CHECK_MSG(tried > 100, "%s: only %llu configurations tried", k->name, (unsigned long long)tried);
    fprintf(stderr, "%s at %s: %llu configurations built\n", k->name, size_text, (unsigned long long)tried);
}

int main(int argc, char **argv)
{
    space_builds("21x17x11");
    example_run_cases(argc, argv, cases, sizeof cases / sizeof cases[0], 11);
    CHECK_DONE();
}
