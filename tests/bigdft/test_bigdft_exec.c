/*
 * test_bigdft_exec.c: every BigDFT pass computes what the naive double
 * precision reference of kernels/bigdft/reference.c says, on one target
 * (argv[1]: "host" for the host C compiler, "cl" for the first OpenCL device),
 * for configurations covering each parameter's values, at sizes that are no
 * multiple of the vector length, of the unroll factor or of their product
 * (the last block of lines is done line by line), and with lines shorter than
 * the filter (every point wraps). The tiled cases (tile > 0: a work-group's
 * lines x points staged in local memory) leave a partial tile of lines and of
 * points, span several tiles of each, or one tile wider than the line. The
 * transposed cases (lanes = transposed: a work-item's vec lines copied into a
 * private buffer of vector rows, unroll points an iteration) leave a block of
 * lines done line by line and a remainder of points, with every boundary and
 * wrap; the streaming cases (stream = 1: non-temporal stores of the transposed
 * rows) take both the aligned path and the plain fallback; the prefetching
 * cases (prefetch = 1: the next block's lines prefetched a share a point)
 * take f64 and f32 cache lines, vec 2 to 8, fewer iterations than cache
 * lines to prefetch (several a point) and more (the index clamped), and a
 * last block whose next lines are past the array (clamped to the last line).
 * kiln_evaluate poisons the outputs first, so an unwritten element fails too.
 */
#include "check.h"
#include "kernels/bigdft/bigdft.h"
#include "tests/kernels/exec_cases.h"

static const example_case cases[] = {
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
    /* tiles of 16 or 32 lines x wg / tile * unroll points: 37 lines, n = 70 = 4 x 16 + 6 */
    {&kiln_kernel_bigdft_magicfilter, "70x37", "tile=16,wg=64,unroll=4,full_taps=1"},
    {&kiln_kernel_bigdft_magicfilter, "7x9", "tile=16,wg=16,unroll=1,full_taps=0"},      /* n < 16 */
    {&kiln_kernel_bigdft_magicfilter_f32, "21x37", "tile=32,wg=64,unroll=2,full_taps=1"},
    {&kiln_kernel_bigdft_magicfilter3d, "13x5x7", "tile=32,wg=256,unroll=8,full_taps=1"}, /* 64 points > n */
    {&kiln_kernel_bigdft_magicfilter_grow, "20x37", "tile=16,wg=128,unroll=2,full_taps=0"},
    {&kiln_kernel_bigdft_magicfilter_grow, "9x37", "tile=16,wg=64,unroll=1,full_taps=1"},
    {&kiln_kernel_bigdft_magicfilter_shrink, "21x37", "tile=16,wg=64,unroll=4,full_taps=1"},
    {&kiln_kernel_bigdft_kinetic, "23x37", "tile=16,wg=64,unroll=2,full_taps=1"},
    {&kiln_kernel_bigdft_kinetic, "11x37", "tile=16,wg=64,unroll=1,full_taps=0"},        /* n < 29 */
    {&kiln_kernel_bigdft_kinetic3d, "13x5x7", "tile=32,wg=128,unroll=4,full_taps=0"},
    /* lanes transposed: 37 lines = 4 x 8 + 5, 21 points = 5 x 4 + 1 */
    {&kiln_kernel_bigdft_magicfilter, "21x37", "lanes=2,vec=8,unroll=4,wrap=2,full_taps=1"},
    {&kiln_kernel_bigdft_magicfilter, "21x37", "lanes=2,vec=4,unroll=12,wrap=0,full_taps=0"},
    {&kiln_kernel_bigdft_magicfilter, "20x37", "lanes=2,vec=2,unroll=8,wrap=1,full_taps=1,wg=16"},
    {&kiln_kernel_bigdft_magicfilter, "7x9", "lanes=2,vec=8,unroll=2,wrap=2,full_taps=1"},     /* n < 16 */
    {&kiln_kernel_bigdft_magicfilter_f32, "21x37", "lanes=2,vec=8,unroll=4,wrap=2,full_taps=1"},
    {&kiln_kernel_bigdft_magicfilter3d, "13x5x7", "lanes=2,vec=8,unroll=8,wrap=2,full_taps=1"},
    {&kiln_kernel_bigdft_magicfilter_grow, "21x37", "lanes=2,vec=8,unroll=4,wrap=2,full_taps=1"},
    {&kiln_kernel_bigdft_magicfilter_grow, "21x37", "lanes=2,vec=4,unroll=2,wrap=0,full_taps=0"},
    {&kiln_kernel_bigdft_magicfilter_grow, "9x11", "lanes=2,vec=8,unroll=4,wrap=2,full_taps=1"},  /* no body */
    {&kiln_kernel_bigdft_magicfilter_shrink, "21x37", "lanes=2,vec=8,unroll=4,full_taps=1"},
    {&kiln_kernel_bigdft_magicfilter_shrink, "5x37", "lanes=2,vec=2,unroll=1,full_taps=0"},
    {&kiln_kernel_bigdft_kinetic, "23x37", "lanes=2,vec=8,unroll=4,wrap=2,full_taps=1"},
    {&kiln_kernel_bigdft_kinetic, "11x37", "lanes=2,vec=4,unroll=2,wrap=1,full_taps=0"},      /* n < 29 */
    {&kiln_kernel_bigdft_kinetic3d, "13x5x7", "lanes=2,vec=8,unroll=12,wrap=0,full_taps=1"},
    /* streaming stores: 40 lines (aligned rows: the non-temporal path), 37 and 13 x 5 x 7 (plain fallback, tails) */
    {&kiln_kernel_bigdft_magicfilter, "21x40", "lanes=2,vec=8,unroll=4,wrap=2,full_taps=1,stream=1"},
    {&kiln_kernel_bigdft_magicfilter, "21x37", "lanes=2,vec=4,unroll=8,wrap=2,full_taps=1,stream=1"},
    {&kiln_kernel_bigdft_magicfilter_f32, "21x40", "lanes=2,vec=8,unroll=4,wrap=2,full_taps=1,stream=1"},
    {&kiln_kernel_bigdft_magicfilter3d, "13x5x7", "lanes=2,vec=8,unroll=8,wrap=2,full_taps=1,stream=1"},
    {&kiln_kernel_bigdft_magicfilter_grow, "21x40", "lanes=2,vec=8,unroll=4,wrap=2,full_taps=1,stream=1"},
    {&kiln_kernel_bigdft_magicfilter_shrink, "21x37", "lanes=2,vec=8,unroll=2,full_taps=0,stream=1"},
    {&kiln_kernel_bigdft_kinetic, "23x40", "lanes=2,vec=8,unroll=4,wrap=2,full_taps=1,stream=1"},
    {&kiln_kernel_bigdft_kinetic, "23x37", "lanes=2,vec=2,unroll=1,wrap=1,full_taps=0,stream=1"},
    {&kiln_kernel_bigdft_kinetic3d, "16x8x8", "lanes=2,vec=8,unroll=1,wrap=2,full_taps=1,stream=1"},
    /* prefetching the next block: with and without streaming stores, every transposed pass */
    {&kiln_kernel_bigdft_magicfilter, "21x40", "lanes=2,vec=8,unroll=4,wrap=2,full_taps=1,stream=1,prefetch=1"},
    {&kiln_kernel_bigdft_magicfilter, "20x37", "lanes=2,vec=4,unroll=1,wrap=0,full_taps=0,prefetch=1"},
    {&kiln_kernel_bigdft_magicfilter_f32, "21x40", "lanes=2,vec=8,unroll=2,wrap=2,full_taps=1,prefetch=1"},
    {&kiln_kernel_bigdft_magicfilter3d, "13x5x7", "lanes=2,vec=8,unroll=8,wrap=1,full_taps=1,stream=1,prefetch=1"},
    {&kiln_kernel_bigdft_magicfilter_grow, "21x40", "lanes=2,vec=2,unroll=4,wrap=2,full_taps=1,prefetch=1"},
    {&kiln_kernel_bigdft_magicfilter_shrink, "21x37", "lanes=2,vec=8,unroll=2,full_taps=0,prefetch=1"},
    {&kiln_kernel_bigdft_kinetic, "23x40", "lanes=2,vec=8,unroll=4,wrap=2,full_taps=1,stream=1,prefetch=1"},
    {&kiln_kernel_bigdft_kinetic, "5x37", "lanes=2,vec=8,unroll=1,wrap=1,full_taps=0,prefetch=1"}, /* 8 lines a point */
    {&kiln_kernel_bigdft_kinetic3d, "16x8x8", "lanes=2,vec=8,unroll=12,wrap=2,full_taps=1,stream=1,prefetch=1"},
};

int main(int argc, char **argv)
{
    example_run_cases(argc, argv, cases, sizeof cases / sizeof cases[0], 7);
    CHECK_DONE();
}
