/*
 * examples.h: the example kernels that show what a kiln description looks like.
 *
 *  - triad:   a[i] = b[i] + s * c[i], bandwidth bound (vector length, elements
 *             per work-item, work-group size);
 *  - matmul:  C = A * B, square row-major f32 (tile, work per thread, vector
 *             width, k-loop unroll, local-memory staging);
 *  - laplace: the 8-neighbour Laplace image filter of the BOAST paper on a
 *             single-channel f32 image (pixels per work-item in x and y,
 *             vector length, accumulator size, load synthesis by lane shuffles);
 *  - laplace_rgb: the same filter as the paper tunes it, on an RGB image of
 *             interleaved u8 components, clamped to 0..255 (components per
 *             work-item in x and rows in y, u8 vector length, i16/i32
 *             temporaries, synthesized loads, 2-D work-group).
 *  - gemm:    C = op(A) op(B), f32 and f64, plain and transposed operands, any
 *             size (rectangular tiles, register blocking, optional local
 *             staging of either operand with its own copy shape, padding,
 *             vector widths, transposed local A, double buffering, unroll,
 *             strided or contiguous outputs): kernels/examples/gemm.c.
 *
 * Each is a complete kiln_kernel: description, search space, seeded inputs,
 * double-precision reference, launch geometry, FLOP and byte counts.
 */
#ifndef KILN_KERNELS_EXAMPLES_H
#define KILN_KERNELS_EXAMPLES_H

#include "kiln/kernel.h"

extern const kiln_kernel kiln_kernel_triad, kiln_kernel_matmul, kiln_kernel_laplace;
extern const kiln_kernel kiln_kernel_laplace_rgb;
extern const kiln_kernel kiln_kernel_gemm_nn, kiln_kernel_gemm_tn, kiln_kernel_gemm_nt;
extern const kiln_kernel kiln_kernel_gemm_f64_nn, kiln_kernel_gemm_f64_tn, kiln_kernel_gemm_f64_nt;

#endif
