/*
 * test_bigdft_fused.c: bigdft.kinetic3d_fused, the 3-D kinetic operator in
 * one launch, computes what the operator's definition says
 * (bigdft_ref_kinetic3d) on one target (argv[1]: "host" or "cl"): every
 * vector length and z block, grids whose extents are no multiple of either
 * (the last blocks point by point), extents shorter than the filter's half
 * width (a tap wraps more than once), x vectors that cross the periodic seam,
 * and work-groups of several shapes. The grid spacing differs per axis, so an
 * axis taken for another fails. kiln_evaluate poisons y first, so an
 * unwritten point fails too. Every configuration of the space builds.
 */
#include "check.h"
#include "kernels/bigdft/bigdft.h"
#include "tests/kernels/exec_cases.h"

static const example_case cases[] = {
    {&kiln_kernel_bigdft_kinetic3d_fused, "21x17x11", ""},
    {&kiln_kernel_bigdft_kinetic3d_fused, "21x17x11", "vec=2,zb=2,wg1=8,wg2=2"},
    {&kiln_kernel_bigdft_kinetic3d_fused, "21x17x11", "vec=4,zb=4,wg1=4,wg2=4"},
    {&kiln_kernel_bigdft_kinetic3d_fused, "21x17x11", "vec=8,zb=8,wg1=16,wg2=1"},
    {&kiln_kernel_bigdft_kinetic3d_fused, "32x16x16", "vec=8,zb=4,wg1=4,wg2=4"},   /* whole blocks only */
    {&kiln_kernel_bigdft_kinetic3d_fused, "7x9x5", "vec=4,zb=2,wg1=4,wg2=8"},      /* n < 14: taps wrap twice */
    {&kiln_kernel_bigdft_kinetic3d_fused, "5x3x13", "vec=8,zb=8,wg1=4,wg2=4"},     /* n1 < vec: no whole block */
    {&kiln_kernel_bigdft_kinetic3d_fused, "15x15x15", "vec=1,zb=8,wg1=64,wg2=1"},  /* n = 15: one select each side */
};

int main(int argc, char **argv)
{
    example_whole_space(&kiln_kernel_bigdft_kinetic3d_fused, "21x17x11");
    example_run_cases(argc, argv, cases, sizeof cases / sizeof cases[0], 11);
    CHECK_DONE();
}
