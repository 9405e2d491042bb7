/*
 * test_examples_exec.c: every example kernel computes what its double
 * precision reference says, on one target (argv[1]: "host" for the host C
 * compiler, "cl" for the first OpenCL device; skipped when there is none), for
 * several configurations (vector, unroll, per-item, local-memory variants) and
 * for sizes that leave part of the last work-group idle. Outputs are poisoned
 * before the run by kiln_evaluate, so an unwritten element fails too.
 */
#include "check.h"
#include "exec_cases.h"

static const example_case cases[] = {
    {&kiln_kernel_triad, "16384", ""},
    {&kiln_kernel_triad, "16384", "vec=4,per_item=4,wg=64"},
    {&kiln_kernel_triad, "16384", "vec=16,per_item=2,wg=32"},
    {&kiln_kernel_triad, "1000", "vec=4,per_item=2,wg=128"},   /* 125 items in a group of 128 */
    {&kiln_kernel_matmul, "64", ""},
    {&kiln_kernel_matmul, "64", "tile=16,wpt=4,vec=4,unroll=4,local=0"},
    {&kiln_kernel_matmul, "64", "tile=16,wpt=2,vec=2,unroll=4,local=1"},
    {&kiln_kernel_matmul, "48", "tile=8,wpt=1,vec=1,unroll=8,local=1"},
    {&kiln_kernel_matmul, "64", "tile=32,wpt=8,vec=4,unroll=2,local=1"},
    {&kiln_kernel_laplace, "64x48", ""},
    {&kiln_kernel_laplace, "64x48", "x_per_item=2,y_per_item=2,vec=4,synth=1"},
    {&kiln_kernel_laplace, "64x48", "x_per_item=1,y_per_item=4,vec=8,temp_size=8,synth=1"},
    {&kiln_kernel_laplace, "64x48", "x_per_item=4,y_per_item=1,vec=1,synth=1,wg_x=8,wg_y=8"},
    {&kiln_kernel_laplace, "64x48", "x_per_item=1,y_per_item=2,vec=2,temp_size=8,synth=0"},
    {&kiln_kernel_laplace, "40x30", "x_per_item=1,y_per_item=2,vec=8,synth=1,wg_x=16,wg_y=4"},
    {&kiln_kernel_laplace_rgb, "64x48", ""},
    {&kiln_kernel_laplace_rgb, "64x48", "x_component_number=1,vector_length=1,y_component_number=4,wg_x=8,wg_y=8"},
    {&kiln_kernel_laplace_rgb, "64x48", "x_component_number=4,vector_length=1,synthesizing_loads=1,temporary_size=4"},
    {&kiln_kernel_laplace_rgb, "64x48", "x_component_number=8,vector_length=2,y_component_number=2,synthesizing_loads=1"},
    {&kiln_kernel_laplace_rgb, "64x48", "x_component_number=16,vector_length=16,y_component_number=2,temporary_size=4"},
    {&kiln_kernel_laplace_rgb, "64x48",
     "x_component_number=16,vector_length=8,y_component_number=4,temporary_size=4,synthesizing_loads=1,wg_x=32,wg_y=2"},
    {&kiln_kernel_laplace_rgb, "64x48", "x_component_number=16,vector_length=16,synthesizing_loads=1"},
    /* rows of 120 components in blocks of 8, 15 blocks in groups of 16; 30 rows in pairs, 15 in groups of 4 */
    {&kiln_kernel_laplace_rgb, "40x30", "x_component_number=8,vector_length=4,y_component_number=2,synthesizing_loads=1"},
};

int main(int argc, char **argv)
{
    example_run_cases(argc, argv, cases, sizeof cases / sizeof cases[0], 42);
    CHECK_DONE();
}
