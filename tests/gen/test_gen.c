/*
 * test_gen.c: the generators' specification.
 *
 * Small kernels that together use every construct are printed for both
 * targets and compared to the golden files in tests/gen/golden
 * (scripts/bless-goldens.sh rewrites them and shows the diff). Every generated C file must compile warning-free with the
 * system compiler and every OpenCL file must build on the OpenCL device (that
 * part skips with a message when no platform exists). A work-group reduction
 * through shared memory, with barriers inside a loop, is compiled to a shared
 * object, run through its entry point and checked against a plain loop.
 * Output is deterministic, and constructs a target cannot express fail with
 * a message naming them.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CL/cl.h>

#include "check.h"
#include "files.h"
#include "gen/golden_check.h"
#include "kiln/dsl.h"
#include "kiln/runtime.h"
#include "kiln/gen.h"

#define GOLDEN_DIR KILN_SOURCE_DIR "/tests/gen/golden"

/* scratch sources and objects stay inside the build tree */
static char tmpdir[] = KILN_BINARY_DIR "/kiln_gen_XXXXXX";

/* ---- kernels ------------------------------------------------------------ */

/* Arithmetic, modp, ternary, casts, logical and bitwise operators, while, if/else. */
static kiln_proc *build_arith(kiln_ctx *c)
{
    kiln_proc *k = kiln_kernel_begin(c, "arith");
    kiln_var *n = kiln_arg_scalar(c, "n", KILN_T(I32));
    kiln_var *a = kiln_arg_array(c, "a", KILN_T(F32), KILN_IN, kiln_ref(c, n));
    kiln_var *b = kiln_arg_array(c, "b", KILN_T(F32), KILN_OUT, kiln_ref(c, n));
    kiln_var *m = kiln_arg_array(c, "m", KILN_T(I32), KILN_INOUT, kiln_ref(c, n));
    kiln_var *i = kiln_decl(c, "i", KILN_T(I32), kiln_cast(c, KILN_T(I32), kiln_global_id(c, 0)));
    kiln_comment(c, "guard the tail");
    kiln_if_begin(c, kiln_bin(c, KILN_GE, kiln_ref(c, i), kiln_ref(c, n)));
    kiln_return(c, NULL);
    kiln_if_end(c);
    kiln_var *x = kiln_decl(c, "x", KILN_T(F32), kiln_at(c, a, kiln_ref(c, i)));
    /* (x * 2 + 1) / (x - 3): parentheses only where needed */
    kiln_var *y = kiln_decl(c, "y", KILN_T(F32),
                            kiln_div(c, kiln_add(c, kiln_mul(c, kiln_ref(c, x), kiln_flt(c, 2)), kiln_flt(c, 1)),
                                     kiln_sub(c, kiln_ref(c, x), kiln_flt(c, 3))));
    /* a - (b - c) keeps its parentheses, (a - b) - c drops them */
    kiln_assign_op(c, KILN_ADD, kiln_ref(c, y),
                   kiln_sub(c, kiln_ref(c, x), kiln_sub(c, kiln_ref(c, y), kiln_flt(c, 0.5))));
    kiln_var *w = kiln_decl(c, "w", KILN_T(I32),
                            kiln_modp(c, kiln_sub(c, kiln_ref(c, i), kiln_int(c, 5)), kiln_int(c, 7)));
    kiln_var *s = kiln_decl(c, "s", KILN_T(I32),
                            kiln_select(c, kiln_bin(c, KILN_AND, kiln_lt(c, kiln_ref(c, w), kiln_int(c, 3)),
                                                    kiln_bin(c, KILN_OR, kiln_bin(c, KILN_NE, kiln_ref(c, i), kiln_int(c, 0)),
                                                             kiln_bin(c, KILN_EQ, kiln_ref(c, n), kiln_int(c, 1)))),
                                        kiln_bin(c, KILN_BAND, kiln_bin(c, KILN_SHL, kiln_ref(c, w), kiln_int(c, 2)),
                                                 kiln_int(c, 255)),
                                        kiln_un(c, KILN_NEG, kiln_un(c, KILN_NEG, kiln_ref(c, w)))));
    kiln_assign_op(c, KILN_BXOR, kiln_ref(c, s), kiln_bin(c, KILN_SHR, kiln_ref(c, i), kiln_int(c, 1)));
    kiln_assign_op(c, KILN_MOD, kiln_ref(c, s), kiln_int(c, 1000));
    kiln_var *j = kiln_decl(c, "j", KILN_T(I32), kiln_int(c, 0));
    kiln_while_begin(c, kiln_lt(c, kiln_ref(c, j), kiln_int(c, 4)));
    kiln_assign_op(c, KILN_ADD, kiln_ref(c, j), kiln_int(c, 1));
    kiln_while_end(c);
    kiln_if_begin(c, kiln_un(c, KILN_NOT, kiln_lt(c, kiln_ref(c, y), kiln_flt(c, 0))));
    kiln_assign(c, kiln_at(c, b, kiln_ref(c, i)), kiln_add(c, kiln_ref(c, y), kiln_cast(c, KILN_T(F32), kiln_ref(c, s))));
    kiln_else(c);
    kiln_assign(c, kiln_at(c, b, kiln_ref(c, i)), kiln_un(c, KILN_NEG, kiln_ref(c, y)));
    kiln_if_end(c);
    kiln_assign(c, kiln_at(c, m, kiln_ref(c, i)),
                kiln_add(c, kiln_at(c, m, kiln_ref(c, i)),
                         kiln_bin(c, KILN_BOR, kiln_ref(c, j), kiln_un(c, KILN_BNOT, kiln_int(c, -2)))));
    (void)k;
    return kiln_proc_end(c);
}

/* Math builtins in double precision, min/max for integers and floats, 64-bit literals. */
static kiln_proc *build_math64(kiln_ctx *c)
{
    kiln_kernel_begin(c, "math64");
    kiln_var *n = kiln_arg_scalar(c, "n", KILN_T(I64));
    kiln_var *a = kiln_arg_array(c, "a", KILN_T(F64), KILN_IN, kiln_ref(c, n));
    kiln_var *b = kiln_arg_array(c, "b", KILN_T(F64), KILN_OUT, kiln_ref(c, n));
    kiln_var *q = kiln_arg_array(c, "q", KILN_T(I64), KILN_OUT, kiln_ref(c, n));
    kiln_var *i = kiln_decl(c, "i", KILN_T(I64), kiln_global_id(c, 0));
    kiln_var *x = kiln_decl(c, "x", KILN_T(F64), kiln_at(c, a, kiln_ref(c, i)));
    kiln_node *e = kiln_math(c, KILN_FMA, kiln_math(c, KILN_SQRT, kiln_math(c, KILN_FABS, kiln_ref(c, x))),
                             kiln_math(c, KILN_EXP, kiln_dbl(c, -0.25)),
                             kiln_math(c, KILN_POW, kiln_ref(c, x), kiln_dbl(c, 3)));
    kiln_var *y = kiln_decl(c, "y", KILN_T(F64), e);
    kiln_assign(c, kiln_ref(c, y),
                kiln_max(c, kiln_min(c, kiln_ref(c, y), kiln_dbl(c, 1e30)),
                         kiln_math(c, KILN_FLOOR, kiln_math(c, KILN_LOG, kiln_add(c, kiln_ref(c, x), kiln_dbl(c, 2))))));
    kiln_assign(c, kiln_at(c, b, kiln_ref(c, i)),
                kiln_add(c, kiln_ref(c, y), kiln_mul(c, kiln_math(c, KILN_SIN, kiln_ref(c, x)),
                                                     kiln_math(c, KILN_COS, kiln_ref(c, x)))));
    kiln_assign(c, kiln_at(c, q, kiln_ref(c, i)),
                kiln_max(c, kiln_min(c, kiln_ref(c, i), kiln_int(c, 5000000000LL)), kiln_int(c, -3)));
    return kiln_proc_end(c);
}

/* Vectors: vload/vstore, lanes (read and write), broadcast, conversion, vector math and min. */
static kiln_proc *build_vectors(kiln_ctx *c)
{
    kiln_kernel_begin(c, "vectors");
    kiln_var *n = kiln_arg_scalar(c, "n", KILN_T(I32));
    kiln_var *a = kiln_arg_array(c, "a", KILN_T(F32), KILN_IN, kiln_ref(c, n));
    kiln_var *b = kiln_arg_array(c, "b", KILN_T(F32), KILN_OUT, kiln_ref(c, n));
    kiln_var *k = kiln_arg_array(c, "k", KILN_T(I32), KILN_OUT, kiln_ref(c, n));
    kiln_var *i = kiln_decl(c, "i", KILN_T(I64), kiln_mul(c, kiln_global_id(c, 0), kiln_int(c, 4)));
    kiln_var *v = kiln_decl(c, "v", KILN_V(F32, 4), kiln_vload(c, 4, a, kiln_ref(c, i)));
    kiln_var *u = kiln_decl(c, "u", KILN_V(F32, 4),
                            kiln_math(c, KILN_SQRT, kiln_mul(c, kiln_ref(c, v), kiln_cast(c, KILN_V(F32, 4), kiln_flt(c, 2)))));
    kiln_assign(c, kiln_lane(c, kiln_ref(c, u), 3), kiln_add(c, kiln_lane(c, kiln_ref(c, v), 0), kiln_flt(c, 1)));
    kiln_assign(c, kiln_ref(c, u), kiln_min(c, kiln_ref(c, u), kiln_ref(c, v)));
    kiln_vstore(c, b, kiln_add(c, kiln_ref(c, i), kiln_int(c, 0)), kiln_ref(c, u));
    kiln_var *iv = kiln_decl(c, "iv", KILN_V(I32, 4), kiln_cast(c, KILN_V(I32, 4), kiln_ref(c, u)));
    kiln_vstore(c, k, kiln_ref(c, i), kiln_ref(c, iv));
    return kiln_proc_end(c);
}

/* Vectors made lane by lane: a rotation of a loaded vector, literal lanes, a u8 shuffle. */
static kiln_proc *build_swizzle(kiln_ctx *c)
{
    kiln_kernel_begin(c, "swizzle");
    kiln_var *n = kiln_arg_scalar(c, "n", KILN_T(I32));
    kiln_var *a = kiln_arg_array(c, "a", KILN_T(F32), KILN_IN, kiln_ref(c, n));
    kiln_var *b = kiln_arg_array(c, "b", KILN_T(F32), KILN_OUT, kiln_ref(c, n));
    kiln_var *px = kiln_arg_array(c, "px", KILN_T(U8), KILN_INOUT, kiln_ref(c, n));
    kiln_var *i = kiln_decl_const(c, "i", KILN_T(I64), kiln_mul(c, kiln_global_id(c, 0), kiln_int(c, 4)));
    kiln_var *v = kiln_decl_const(c, "v", KILN_V(F32, 4), kiln_vload(c, 4, a, kiln_ref(c, i)));
    kiln_node *rot = kiln_vec(c, KILN_V(F32, 4), kiln_lane(c, kiln_ref(c, v), 1), kiln_lane(c, kiln_ref(c, v), 2),
                              kiln_lane(c, kiln_ref(c, v), 3), kiln_lane(c, kiln_ref(c, v), 0));
    kiln_vstore(c, b, kiln_ref(c, i),
                kiln_add(c, rot, kiln_vec(c, KILN_V(F32, 4), kiln_int(c, 1), kiln_flt(c, 2), kiln_int(c, 3),
                                          kiln_flt(c, 0.5))));
    kiln_var *p = kiln_decl_const(c, "p", KILN_V(U8, 4), kiln_vload(c, 4, px, kiln_ref(c, i)));
    kiln_vstore(c, px, kiln_ref(c, i),
                kiln_vec(c, KILN_V(U8, 4), kiln_lane(c, kiln_ref(c, p), 3), kiln_lane(c, kiln_ref(c, p), 2),
                         kiln_lane(c, kiln_ref(c, p), 1), kiln_lane(c, kiln_ref(c, p), 0)));
    return kiln_proc_end(c);
}

/* Work-group reduction: shared memory, barriers inside a for loop, atomics. */
static kiln_proc *build_reduce(kiln_ctx *c)
{
    kiln_kernel_begin(c, "reduce");
    kiln_var *n = kiln_arg_scalar(c, "n", KILN_T(I32));
    kiln_var *x = kiln_arg_array(c, "x", KILN_T(F32), KILN_IN, kiln_ref(c, n));
    kiln_var *part = kiln_arg_array(c, "part", KILN_T(F32), KILN_OUT, kiln_ref(c, n));
    kiln_var *total = kiln_arg_array(c, "total", KILN_T(F32), KILN_INOUT, kiln_int(c, 1));
    kiln_var *count = kiln_arg_array(c, "count", KILN_T(I32), KILN_INOUT, kiln_int(c, 1));
    kiln_var *buf = kiln_decl_shared(c, "buf", KILN_T(F32), 64);
    kiln_var *lid = kiln_decl(c, "lid", KILN_T(I64), kiln_local_id(c, 0));
    kiln_var *gid = kiln_decl(c, "gid", KILN_T(I64), kiln_global_id(c, 0));
    kiln_assign(c, kiln_at(c, buf, kiln_ref(c, lid)),
                kiln_select(c, kiln_lt(c, kiln_ref(c, gid), kiln_cast(c, KILN_T(I64), kiln_ref(c, n))),
                            kiln_at(c, x, kiln_ref(c, gid)), kiln_flt(c, 0)));
    kiln_barrier(c, KILN_FENCE_LOCAL);
    kiln_var *step = kiln_for_begin(c, "step", kiln_int(c, 0), kiln_int(c, 6), kiln_int(c, 1));
    kiln_var *stride = kiln_decl(c, "stride", KILN_T(I32), kiln_bin(c, KILN_SHR, kiln_int(c, 32), kiln_ref(c, step)));
    kiln_if_begin(c, kiln_lt(c, kiln_ref(c, lid), kiln_cast(c, KILN_T(I64), kiln_ref(c, stride))));
    kiln_assign_op(c, KILN_ADD, kiln_at(c, buf, kiln_ref(c, lid)),
                   kiln_at(c, buf, kiln_add(c, kiln_ref(c, lid), kiln_cast(c, KILN_T(I64), kiln_ref(c, stride)))));
    kiln_if_end(c);
    kiln_barrier(c, KILN_FENCE_LOCAL);
    kiln_for_end(c);
    kiln_if_begin(c, kiln_bin(c, KILN_EQ, kiln_ref(c, lid), kiln_int(c, 0)));
    kiln_assign(c, kiln_at(c, part, kiln_group_id(c, 0)), kiln_at(c, buf, kiln_int(c, 0)));
    kiln_atomic_add(c, kiln_at(c, total, kiln_int(c, 0)), kiln_at(c, buf, kiln_int(c, 0)));
    kiln_atomic_add(c, kiln_at(c, count, kiln_int(c, 0)), kiln_int(c, 1));
    kiln_if_end(c);
    return kiln_proc_end(c);
}

/* Helper function call, unrolled loop, constant array, required work-group size. */
static kiln_proc *build_stencil(kiln_ctx *c)
{
    static const double taps[5] = {0.0625, 0.25, 0.375, 0.25, 0.0625};
    kiln_proc *sq = kiln_func_begin(c, "weight", KILN_T(F32));
    kiln_var *t = kiln_arg_scalar(c, "t", KILN_T(F32));
    kiln_return(c, kiln_mul(c, kiln_ref(c, t), kiln_ref(c, t)));
    sq = kiln_proc_end(c);
    kiln_proc *k = kiln_kernel_begin(c, "stencil");
    kiln_var *n = kiln_arg_scalar(c, "n", KILN_T(I32));
    kiln_var *a = kiln_arg_array(c, "a", KILN_T(F32), KILN_IN, kiln_ref(c, n));
    kiln_var *b = kiln_arg_array(c, "b", KILN_T(F32), KILN_OUT, kiln_ref(c, n));
    kiln_var *w = kiln_decl_const_array(c, "taps", KILN_T(F32), 5, taps);
    kiln_var *tmp = kiln_decl_array(c, "tmp", KILN_T(F32), 2, 3);
    kiln_var *i = kiln_decl(c, "i", KILN_T(I32), kiln_cast(c, KILN_T(I32), kiln_global_id(c, 0)));
    kiln_var *acc = kiln_decl(c, "acc", KILN_T(F32), kiln_flt(c, 0));
    kiln_var *r = kiln_for_begin(c, "r", kiln_int(c, 0), kiln_int(c, 5), kiln_int(c, 1));
    kiln_assign_op(c, KILN_ADD, kiln_ref(c, acc),
                   kiln_mul(c, kiln_at(c, w, kiln_ref(c, r)),
                            kiln_at(c, a, kiln_modp(c, kiln_add(c, kiln_ref(c, i), kiln_sub(c, kiln_ref(c, r), kiln_int(c, 2))),
                                                    kiln_ref(c, n)))));
    kiln_for_end_unroll(c, 0);
    kiln_assign(c, kiln_at(c, tmp, kiln_int(c, 1), kiln_int(c, 2)), kiln_call(c, sq, kiln_ref(c, acc)));
    kiln_assign(c, kiln_at(c, b, kiln_ref(c, i)), kiln_at(c, tmp, kiln_int(c, 1), kiln_int(c, 2)));
    kiln_proc_reqd_wg(k, 16, 1, 1);
    return kiln_proc_end(c);
}

/* A 2-D private array filled and read in different loop orders, and a constant
 * array read at a computed index: a wrong flattening mixes up elements. */
static kiln_proc *build_arrays(kiln_ctx *c)
{
    static const double w[12] = {1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12};
    kiln_kernel_begin(c, "arrays");
    kiln_var *n = kiln_arg_scalar(c, "n", KILN_T(I32));
    kiln_var *a = kiln_arg_array(c, "a", KILN_T(F32), KILN_IN, kiln_ref(c, n));
    kiln_var *b = kiln_arg_array(c, "b", KILN_T(F32), KILN_OUT, kiln_ref(c, n));
    kiln_var *wt = kiln_decl_const_array(c, "w", KILN_T(F32), 12, w);
    kiln_var *tmp = kiln_decl_array(c, "tmp", KILN_T(F32), 3, 4);
    kiln_var *i = kiln_decl(c, "i", KILN_T(I32), kiln_cast(c, KILN_T(I32), kiln_global_id(c, 0)));
    kiln_var *r = kiln_for_begin(c, "r", kiln_int(c, 0), kiln_int(c, 3), kiln_int(c, 1));
    kiln_var *q = kiln_for_begin(c, "q", kiln_int(c, 0), kiln_int(c, 4), kiln_int(c, 1));
    kiln_assign(c, kiln_at(c, tmp, kiln_ref(c, r), kiln_ref(c, q)),
                kiln_add(c, kiln_mul(c, kiln_at(c, a, kiln_ref(c, i)), kiln_cast(c, KILN_T(F32), kiln_ref(c, r))),
                         kiln_cast(c, KILN_T(F32), kiln_ref(c, q))));
    kiln_for_end(c);
    kiln_for_end(c);
    kiln_var *acc = kiln_decl(c, "acc", KILN_T(F32), kiln_flt(c, 0));
    q = kiln_for_begin(c, "q", kiln_int(c, 0), kiln_int(c, 4), kiln_int(c, 1));
    r = kiln_for_begin(c, "r", kiln_int(c, 0), kiln_int(c, 3), kiln_int(c, 1));
    kiln_assign_op(c, KILN_ADD, kiln_ref(c, acc),
                   kiln_mul(c, kiln_at(c, tmp, kiln_ref(c, r), kiln_ref(c, q)),
                            kiln_at(c, wt, kiln_add(c, kiln_muli(c, kiln_ref(c, r), 4), kiln_ref(c, q)))));
    kiln_for_end(c);
    kiln_for_end(c);
    kiln_assign(c, kiln_at(c, b, kiln_ref(c, i)), kiln_ref(c, acc));
    return kiln_proc_end(c);
}

/* Vector access by one index per dimension, and vectors of one lane (a plain element). */
static kiln_proc *build_vec1(kiln_ctx *c)
{
    kiln_kernel_begin(c, "vec1");
    kiln_var *nx = kiln_arg_scalar(c, "nx", KILN_T(I32));
    kiln_var *ny = kiln_arg_scalar(c, "ny", KILN_T(I32));
    kiln_var *img = kiln_arg_array(c, "img", KILN_T(F32), KILN_IN, kiln_ref(c, ny), kiln_ref(c, nx));
    kiln_var *out = kiln_arg_array(c, "out", KILN_T(F32), KILN_OUT, kiln_ref(c, ny), kiln_ref(c, nx));
    kiln_var *out1 = kiln_arg_array(c, "out1", KILN_T(F32), KILN_OUT, kiln_ref(c, ny), kiln_ref(c, nx));
    kiln_var *x = kiln_decl_const(c, "x", KILN_T(I32),
                                  kiln_muli(c, kiln_cast(c, KILN_T(I32), kiln_global_id(c, 0)), 4));
    kiln_var *y = kiln_decl_const(c, "y", KILN_T(I32), kiln_cast(c, KILN_T(I32), kiln_global_id(c, 1)));
    kiln_var *v = kiln_decl_const(c, "v", KILN_V(F32, 4), kiln_vload_nd(c, 4, img, kiln_ref(c, y), kiln_ref(c, x)));
    kiln_vstore_nd(c, out, kiln_ref(c, y), kiln_ref(c, x),
                   kiln_mul(c, kiln_ref(c, v), kiln_cast(c, KILN_V(F32, 4), kiln_flt(c, 2))));
    kiln_var *l = kiln_for_begin(c, "l", kiln_int(c, 0), kiln_int(c, 4), kiln_int(c, 1));
    kiln_var *xl = kiln_decl_const(c, "xl", KILN_T(I32), kiln_add(c, kiln_ref(c, x), kiln_ref(c, l)));
    kiln_var *s = kiln_decl_const(c, "s", KILN_T(F32), kiln_vload_nd(c, 1, img, kiln_ref(c, y), kiln_ref(c, xl)));
    kiln_vstore_nd(c, out1, kiln_ref(c, y), kiln_ref(c, xl), kiln_add(c, kiln_ref(c, s), kiln_int(c, 1)));
    kiln_for_end(c);
    return kiln_proc_end(c);
}

/* A 5-point stencil written as its formula with the short forms:
 * out(y, x) = in(y-1, x) + in(y+1, x) + in(y, x-1) + in(y, x+1) - 4 in(y, x) inside, in(y, x) on the border. */
static kiln_proc *build_five_point(kiln_ctx *c)
{
    kiln_kernel_begin(c, "five_point");
    kiln_var *nx = kiln_arg_scalar(c, "nx", KILN_T(I32));
    kiln_var *ny = kiln_arg_scalar(c, "ny", KILN_T(I32));
    kiln_var *in = kiln_arg_array(c, "in", KILN_T(F32), KILN_IN, kiln_ref(c, ny), kiln_ref(c, nx));
    kiln_var *out = kiln_arg_array(c, "out", KILN_T(F32), KILN_OUT, kiln_ref(c, ny), kiln_ref(c, nx));
    kiln_node *x = kiln_ref(c, kiln_decl_const(c, "x", KILN_T(I32), kiln_cast(c, KILN_T(I32), kiln_global_id(c, 0))));
    kiln_node *y = kiln_ref(c, kiln_decl_const(c, "y", KILN_T(I32), kiln_cast(c, KILN_T(I32), kiln_global_id(c, 1))));
    kiln_if_begin(c, kiln_all(c, kiln_ge(c, x, kiln_int(c, 1)), kiln_ge(c, y, kiln_int(c, 1)),
                              kiln_lt(c, x, kiln_addi(c, kiln_ref(c, nx), -1)),
                              kiln_lt(c, y, kiln_addi(c, kiln_ref(c, ny), -1))));
    kiln_assign(c, kiln_at(c, out, y, x),
                kiln_sub(c, kiln_sum(c, kiln_at(c, in, kiln_addi(c, y, -1), x), kiln_at(c, in, kiln_addi(c, y, 1), x),
                                     kiln_at(c, in, y, kiln_addi(c, x, -1)), kiln_at(c, in, y, kiln_addi(c, x, 1))),
                         kiln_mul(c, kiln_int(c, 4), kiln_at(c, in, y, x))));
    kiln_else(c);
    kiln_assign(c, kiln_at(c, out, y, x), kiln_at(c, in, y, x));
    kiln_if_end(c);
    return kiln_proc_end(c);
}

/* Vector accesses promised aligned: a global load into a shared tile, a
 * neighbour's slot read back, a global store (OpenCL: through vector pointers). */
static kiln_proc *build_aligned(kiln_ctx *c)
{
    kiln_kernel_begin(c, "aligned");
    kiln_var *n = kiln_arg_scalar(c, "n", KILN_T(I32));
    kiln_var *a = kiln_arg_array(c, "a", KILN_T(F32), KILN_IN, kiln_ref(c, n));
    kiln_var *b = kiln_arg_array(c, "b", KILN_T(F32), KILN_OUT, kiln_ref(c, n));
    kiln_var *t = kiln_decl_shared(c, "t", KILN_T(F32), 4, 4);
    kiln_vectors_aligned(c, a);
    kiln_vectors_aligned(c, b);
    kiln_vectors_aligned(c, t);
    kiln_var *l = kiln_decl_const(c, "l", KILN_T(I32), kiln_cast(c, KILN_T(I32), kiln_local_id(c, 0)));
    kiln_var *i = kiln_decl_const(c, "i", KILN_T(I32), kiln_muli(c, kiln_cast(c, KILN_T(I32), kiln_global_id(c, 0)), 4));
    kiln_vstore_nd(c, t, kiln_ref(c, l), kiln_int(c, 0),
                   kiln_mul(c, kiln_vload(c, 4, a, kiln_ref(c, i)), kiln_cast(c, KILN_V(F32, 4), kiln_flt(c, 2))));
    kiln_barrier(c, KILN_FENCE_LOCAL);
    kiln_node *slot = kiln_band(c, kiln_addi(c, kiln_ref(c, l), 1), kiln_int(c, 3));
    kiln_var *v = kiln_decl_const(c, "v", KILN_V(F32, 4), kiln_vload_nd(c, 4, t, slot, kiln_int(c, 0)));
    kiln_vstore(c, b, kiln_ref(c, i), kiln_add(c, kiln_ref(c, v), kiln_cast(c, KILN_V(F32, 4), kiln_flt(c, 1))));
    return kiln_proc_end(c);
}

/* Streaming stores of 2 f64 lanes: at a multiple of 2 (the non-temporal path where the
 * buffer is aligned) and one element past it (the fallback); a prefetch of what is
 * loaded (a hint: the results are the same). */
static kiln_proc *build_stream(kiln_ctx *c)
{
    kiln_kernel_begin(c, "stream");
    kiln_var *n = kiln_arg_scalar(c, "n", KILN_T(I32));
    kiln_var *a = kiln_arg_array(c, "a", KILN_T(F64), KILN_IN, kiln_ref(c, n));
    kiln_var *b = kiln_arg_array(c, "b", KILN_T(F64), KILN_OUT, kiln_ref(c, n));
    kiln_var *f = kiln_arg_array(c, "f", KILN_T(F64), KILN_OUT, kiln_addi(c, kiln_ref(c, n), 1));
    kiln_var *i = kiln_decl_const(c, "i", KILN_T(I32), kiln_muli(c, kiln_cast(c, KILN_T(I32), kiln_global_id(c, 0)), 2));
    kiln_prefetch(c, kiln_at(c, a, kiln_addi(c, kiln_ref(c, i), 1)));
    kiln_var *v = kiln_decl_const(c, "v", KILN_V(F64, 2), kiln_vload(c, 2, a, kiln_ref(c, i)));
    kiln_vstream(c, b, kiln_ref(c, i), kiln_mul(c, kiln_ref(c, v), kiln_cast(c, KILN_V(F64, 2), kiln_flt(c, 2))));
    kiln_vstream_nd(c, f, kiln_addi(c, kiln_ref(c, i), 1), kiln_add(c, kiln_ref(c, v), kiln_cast(c, KILN_V(F64, 2), kiln_flt(c, 1))));
    return kiln_proc_end(c);
}

typedef kiln_proc *(*build_fn)(kiln_ctx *);
static const struct {
    const char *name;
    build_fn build;
} cases[] = {
    {"arith", build_arith}, {"math64", build_math64}, {"vectors", build_vectors},
    {"reduce", build_reduce}, {"stencil", build_stencil}, {"swizzle", build_swizzle},
    {"arrays", build_arrays}, {"vec1", build_vec1}, {"five_point", build_five_point},
    {"aligned", build_aligned}, {"stream", build_stream},
};
#define NCASES ((int)(sizeof cases / sizeof cases[0]))

/* ---- helpers ------------------------------------------------------------ */

static int run_cc(const char *flags, const char *src, const char *out)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "cc -std=gnu99 -Wall -Werror %s -o '%s' '%s' -lm 2>&1", flags, out, src);
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "command failed: %s\n", cmd);
    return rc;
}

static cl_context cl_ctx;
static cl_device_id cl_dev;

static int cl_open(void)
{
    cl_platform_id plat;
    cl_uint np = 0;
    if (clGetPlatformIDs(1, &plat, &np) != CL_SUCCESS || np == 0)
        return -1;
    cl_uint nd = 0;
    if (clGetDeviceIDs(plat, CL_DEVICE_TYPE_ALL, 1, &cl_dev, &nd) != CL_SUCCESS || nd == 0)
        return -1;
    cl_int err;
    cl_ctx = clCreateContext(NULL, 1, &cl_dev, NULL, NULL, &err);
    return err == CL_SUCCESS ? 0 : -1;
}

static void check_cl_builds(const char *name, const char *src)
{
    cl_int err;
    cl_program prog = clCreateProgramWithSource(cl_ctx, 1, &src, NULL, &err);
    CHECK_MSG(err == CL_SUCCESS, "%s: clCreateProgramWithSource: %d", name, err);
    if (err != CL_SUCCESS)
        return;
    err = clBuildProgram(prog, 1, &cl_dev, "", NULL, NULL);
    if (err != CL_SUCCESS) {
        char log[8192] = "";
        clGetProgramBuildInfo(prog, cl_dev, CL_PROGRAM_BUILD_LOG, sizeof log, log, NULL);
        fprintf(stderr, "%s.cl build log:\n%s\n", name, log);
    }
    CHECK_MSG(err == CL_SUCCESS, "%s.cl does not build on the OpenCL device (%d)", name, err);
    if (err == CL_SUCCESS) {
        cl_kernel kern = clCreateKernel(prog, name, &err);
        CHECK_MSG(err == CL_SUCCESS, "%s: kernel not found in the program (%d)", name, err);
        if (err == CL_SUCCESS)
            clReleaseKernel(kern);
    }
    clReleaseProgram(prog);
}

/* ---- tests -------------------------------------------------------------- */

static char *generate(build_fn build, kiln_lang lang, const kiln_gen_opts *opts, char *err, size_t errlen)
{
    kiln_ctx *c = kiln_ctx_new();
    kiln_proc *k = build(c);
    if (!k) {
        snprintf(err, errlen, "description failed: %s", kiln_errmsg(c));
        kiln_ctx_free(c);
        return NULL;
    }
    char *text = kiln_generate(k, lang, opts, err, errlen);
    kiln_ctx_free(c);
    return text;
}

static void test_goldens_and_compile(int have_cl)
{
    for (int i = 0; i < NCASES; i++) {
        for (int lang = 0; lang < KILN_LANG_COUNT; lang++) {
            char err[512];
            char *text = generate(cases[i].build, (kiln_lang)lang, NULL, err, sizeof err);
            CHECK_MSG(text != NULL, "%s (%s): %s", cases[i].name, kiln_lang_name((kiln_lang)lang), err);
            if (!text)
                continue;
            char file[128];
            snprintf(file, sizeof file, "%s.%s", cases[i].name, lang == KILN_LANG_CL ? "cl" : "c");
            golden_check(GOLDEN_DIR, file, text);
            /* deterministic: a second build and print gives the same bytes */
            char *again = generate(cases[i].build, (kiln_lang)lang, NULL, err, sizeof err);
            CHECK_MSG(again && strcmp(again, text) == 0, "%s: output differs between two runs", cases[i].name);
            free(again);
            if (lang == KILN_LANG_C) {
                char src[512], obj[512];
                snprintf(src, sizeof src, "%s/%s.c", tmpdir, cases[i].name);
                snprintf(obj, sizeof obj, "%s/%s.o", tmpdir, cases[i].name);
                CHECK(write_file(src, text) == 0);
                CHECK_MSG(run_cc("-c", src, obj) == 0, "%s.c does not compile", cases[i].name);
                CHECK_STR_CONTAINS(text, "_entry(void *const *args, const size_t *global, const size_t *local)");
            } else if (have_cl) {
                check_cl_builds(cases[i].name, text);
            }
            free(text);
        }
        /* the OpenMP variant compiles too */
        kiln_gen_opts omp = {.openmp = 1};
        char err[512];
        char *text = generate(cases[i].build, KILN_LANG_C, &omp, err, sizeof err);
        CHECK_MSG(text != NULL, "%s (c, openmp): %s", cases[i].name, err);
        if (text) {
            char src[512], obj[512];
            snprintf(src, sizeof src, "%s/%s_omp.c", tmpdir, cases[i].name);
            snprintf(obj, sizeof obj, "%s/%s_omp.o", tmpdir, cases[i].name);
            CHECK_STR_CONTAINS(text, "#pragma omp parallel for collapse(3)");
            CHECK(write_file(src, text) == 0);
            CHECK_MSG(run_cc("-fopenmp -c", src, obj) == 0, "%s_omp.c does not compile", cases[i].name);
            free(text);
        }
    }
}

typedef void (*entry_fn)(void *const *args, const size_t *global, const size_t *local);

static void run_reduce(const char *so, const char *label)
{
    /* NODELETE: unloading an OpenMP object (and libgomp) under its live thread pool crashes */
    void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    CHECK_MSG(h != NULL, "dlopen %s: %s", so, dlerror());
    if (!h)
        return;
    entry_fn entry = (entry_fn)(uintptr_t)dlsym(h, "reduce" KILN_C_ENTRY_SUFFIX);
    CHECK_MSG(entry != NULL, "reduce_entry not exported");
    if (entry) {
        enum { GROUPS = 37, WG = 64 };
        int32_t n = GROUPS * WG - 11; /* a ragged tail: the last group reads zeros */
        float *x = malloc(sizeof(float) * GROUPS * WG), part[GROUPS], total = 0.5f;
        int32_t count = 0;
        for (int i = 0; i < n; i++)
            x[i] = (float)((i * 7919) % 1000) / 100.0f - 3.0f;
        for (int g = 0; g < GROUPS; g++)
            part[g] = -12345.0f;
        void *args[] = {&n, x, part, &total, &count};
        size_t global[3] = {GROUPS * WG, 1, 1}, local[3] = {WG, 1, 1};
        entry(args, global, local);
        double sum = 0.5;
        int bad = 0;
        for (int g = 0; g < GROUPS; g++) {
            double expect = 0;
            for (int i = g * WG; i < (g + 1) * WG && i < n; i++)
                expect += x[i];
            sum += expect;
            if (fabs(part[g] - expect) > 1e-3 * (1 + fabs(expect)))
                bad++;
        }
        CHECK_MSG(bad == 0, "%s: %d of %d group sums differ from the plain loop", label, bad, GROUPS);
        CHECK_MSG(count == GROUPS, "%s: atomic counter %d, expected %d", label, count, GROUPS);
        CHECK_MSG(fabs(total - sum) < 1e-3 * (1 + fabs(sum)), "%s: atomic total %g, expected %g", label, total, sum);
        free(x);
    }
    dlclose(h);
}

static void test_execute_reduce(void)
{
    for (int omp = 0; omp < 2; omp++) {
        kiln_gen_opts opts = {.openmp = omp};
        char err[512];
        char *text = generate(build_reduce, KILN_LANG_C, &opts, err, sizeof err);
        CHECK_MSG(text != NULL, "reduce: %s", err);
        if (!text)
            return;
        char src[512], so[512];
        snprintf(src, sizeof src, "%s/reduce_run%d.c", tmpdir, omp);
        snprintf(so, sizeof so, "%s/reduce_run%d.so", tmpdir, omp);
        CHECK(write_file(src, text) == 0);
        free(text);
        int rc = run_cc(omp ? "-O1 -shared -fPIC -fopenmp" : "-O1 -shared -fPIC", src, so);
        CHECK_MSG(rc == 0, "reduce .so does not build");
        if (rc == 0)
            run_reduce(so, omp ? "reduce (openmp)" : "reduce");
    }
}

/* A return before a barrier: legal OpenCL when the whole group returns, but the
 * C target's segments cannot skip the later ones. */
static kiln_proc *build_return_before_barrier(kiln_ctx *c)
{
    kiln_kernel_begin(c, "early");
    kiln_var *n = kiln_arg_scalar(c, "n", KILN_T(I32));
    kiln_var *a = kiln_arg_array(c, "a", KILN_T(F32), KILN_OUT, kiln_ref(c, n));
    kiln_if_begin(c, kiln_bin(c, KILN_GE, kiln_group_id(c, 0), kiln_cast(c, KILN_T(I64), kiln_ref(c, n))));
    kiln_return(c, NULL);
    kiln_if_end(c);
    kiln_barrier(c, KILN_FENCE_GLOBAL);
    kiln_assign(c, kiln_at(c, a, kiln_global_id(c, 0)), kiln_flt(c, 1));
    return kiln_proc_end(c);
}

/* A barrier loop bounded by a private variable that differs between work-items. */
static kiln_proc *build_varying_bound(kiln_ctx *c)
{
    kiln_kernel_begin(c, "varying");
    kiln_var *n = kiln_arg_scalar(c, "n", KILN_T(I32));
    kiln_var *a = kiln_arg_array(c, "a", KILN_T(F32), KILN_OUT, kiln_ref(c, n));
    kiln_var *lim = kiln_decl(c, "lim", KILN_T(I32), kiln_int(c, 4));
    kiln_assign(c, kiln_ref(c, lim), kiln_cast(c, KILN_T(I32), kiln_local_id(c, 0)));
    kiln_for_begin(c, "t", kiln_int(c, 0), kiln_ref(c, lim), kiln_int(c, 1));
    kiln_barrier(c, KILN_FENCE_LOCAL);
    kiln_for_end(c);
    kiln_assign(c, kiln_at(c, a, kiln_global_id(c, 0)), kiln_flt(c, 1));
    return kiln_proc_end(c);
}

/* A variable named like an OpenCL type. */
static kiln_proc *build_reserved_name(kiln_ctx *c)
{
    kiln_kernel_begin(c, "reserved");
    kiln_var *n = kiln_arg_scalar(c, "n", KILN_T(I32));
    kiln_var *a = kiln_arg_array(c, "a", KILN_T(F32), KILN_OUT, kiln_ref(c, n));
    kiln_var *h = kiln_decl(c, "half", KILN_T(F32), kiln_flt(c, 0.5));
    kiln_assign(c, kiln_at(c, a, kiln_global_id(c, 0)), kiln_ref(c, h));
    return kiln_proc_end(c);
}

/* A kernel named like an OpenCL builtin function (the program would lose the kernel). */
static kiln_proc *build_builtin_name(kiln_ctx *c)
{
    kiln_kernel_begin(c, "shuffle");
    kiln_var *n = kiln_arg_scalar(c, "n", KILN_T(I32));
    kiln_var *a = kiln_arg_array(c, "a", KILN_T(F32), KILN_OUT, kiln_ref(c, n));
    kiln_assign(c, kiln_at(c, a, kiln_global_id(c, 0)), kiln_flt(c, 1));
    return kiln_proc_end(c);
}

static void expect_failure(build_fn build, kiln_lang lang, const char *needle)
{
    char err[512];
    char *text = generate(build, lang, NULL, err, sizeof err);
    CHECK_MSG(text == NULL, "generation for %s should fail", kiln_lang_name(lang));
    const char *e = err;
    CHECK_STR_CONTAINS(e, needle);
    free(text);
}

static void expect_success(build_fn build, kiln_lang lang, const char *needle)
{
    char err[512];
    char *text = generate(build, lang, NULL, err, sizeof err);
    CHECK_MSG(text != NULL, "%s: %s", kiln_lang_name(lang), err);
    CHECK_STR_CONTAINS(text, needle);
    free(text);
}

static void test_errors(void)
{
    expect_failure(build_return_before_barrier, KILN_LANG_C, "return before a barrier");
    expect_success(build_return_before_barrier, KILN_LANG_CL, "barrier(CLK_GLOBAL_MEM_FENCE);");
    expect_failure(build_varying_bound, KILN_LANG_C, "end of the for loop over 't' depends on per-work-item values");
    expect_success(build_varying_bound, KILN_LANG_CL, "for (int t = 0; t < lim; t += 1) {");
    expect_failure(build_reserved_name, KILN_LANG_CL, "the name 'half' is reserved");
    expect_success(build_reserved_name, KILN_LANG_C, "float half = 0.5f;");
    expect_failure(build_builtin_name, KILN_LANG_CL, "the name 'shuffle' is reserved");
    expect_failure(build_builtin_name, KILN_LANG_C, "the name 'shuffle' is reserved");
    char err[512];
    CHECK(kiln_generate(NULL, KILN_LANG_C, NULL, err, sizeof err) == NULL);
    const char *e = err;
    CHECK_STR_CONTAINS(e, "NULL");
}

/* ---- execution against plain C ------------------------------------------ */

/* Every kernel above runs through kiln's runtime on the host C compiler and on
 * the OpenCL device (PoCL here), and its outputs are compared with what the
 * plain C in its check function computes from the same inputs. The expectations
 * never go through the generators: floored modulo is a - b * floor(a / b),
 * shifts, selects and loops are written out in C. */

enum { EXEC_MAX_ARGS = 6 };

typedef struct exec_arg {
    kiln_scalar type; /* element type */
    int count;        /* elements of an array argument; 0 for a scalar */
} exec_arg;

typedef struct exec_spec {
    const char *name; /* the kernel */
    build_fn build;
    int nargs;
    exec_arg args[EXEC_MAX_ARGS];
    kiln_geometry geo;
    /* fills the arguments (outputs get a poison the kernel must overwrite) */
    void (*init)(void *const *arg);
    /* CHECKs the kernel's outputs `got` against plain C over the inputs `in` */
    void (*check)(const char *label, void *const *in, void *const *got);
} exec_spec;

static double floored_mod(double a, double b)
{
    return a - b * floor(a / b);
}

static int close_to(double got, double want, double rel)
{
    return fabs(got - want) <= rel * (1.0 + fabs(want));
}

enum { ARITH_N = 61, ARITH_GLOBAL = 64 };

static void arith_init(void *const *arg)
{
    *(int32_t *)arg[0] = ARITH_N;
    float *a = arg[1], *b = arg[2];
    int32_t *m = arg[3];
    for (int i = 0; i < ARITH_GLOBAL; i++) {
        a[i] = (float)((i * 13) % 29) * 0.7f - 9.0f; /* both signs of y, never x == 3 */
        b[i] = -777.0f;
        m[i] = 100 * i - 50;
    }
}

static void arith_check(const char *label, void *const *in, void *const *got)
{
    const float *a = in[1], *b = got[2];
    const int32_t *m0 = in[3], *m = got[3];
    for (int i = 0; i < ARITH_GLOBAL; i++) {
        if (i >= ARITH_N) { /* past the guard nothing is written */
            CHECK_MSG(b[i] == -777.0f && m[i] == m0[i], "%s: arith wrote element %d past n", label, i);
            continue;
        }
        float x = a[i];
        float y = (x * 2.0f + 1.0f) / (x - 3.0f);
        y += x - (y - 0.5f);
        int w = (int)floored_mod(i - 5, 7);
        int s = (w < 3 && (i != 0 || ARITH_N == 1)) ? (w * 4) % 256 : w;
        s ^= i / 2;
        s = s - 1000 * (s / 1000); /* C remainder, truncating */
        int j = 4;
        float want = y >= 0 ? y + (float)s : -y;
        CHECK_MSG(close_to(b[i], want, 1e-5), "%s: arith b[%d] = %.9g, want %.9g", label, i, b[i], want);
        CHECK_MSG(m[i] == m0[i] + (j | 1), "%s: arith m[%d] = %d, want %d", label, i, m[i], m0[i] + (j | 1));
    }
}

enum { MATH64_N = 48 };

static void math64_init(void *const *arg)
{
    *(int64_t *)arg[0] = MATH64_N;
    double *a = arg[1], *b = arg[2];
    int64_t *q = arg[3];
    for (int i = 0; i < MATH64_N; i++) {
        a[i] = -1.5 + 0.09375 * i; /* log(x + 2) stays defined */
        b[i] = -777.0;
        q[i] = -777;
    }
}

static void math64_check(const char *label, void *const *in, void *const *got)
{
    const double *a = in[1], *b = got[2];
    const int64_t *q = got[3];
    for (int i = 0; i < MATH64_N; i++) {
        double x = a[i];
        double y = sqrt(fabs(x)) * exp(-0.25) + x * x * x;
        y = fmax(fmin(y, 1e30), floor(log(x + 2)));
        double want = y + sin(x) * cos(x);
        CHECK_MSG(close_to(b[i], want, 1e-12), "%s: math64 b[%d] = %.17g, want %.17g", label, i, b[i], want);
        CHECK_MSG(q[i] == i, "%s: math64 q[%d] = %lld, want %d", label, i, (long long)q[i], i);
    }
}

enum { VEC_N = 64 };

static void vectors_init(void *const *arg)
{
    *(int32_t *)arg[0] = VEC_N;
    float *a = arg[1], *b = arg[2];
    int32_t *k = arg[3];
    for (int i = 0; i < VEC_N; i++) {
        a[i] = 0.25f + (float)((i * 7) % 23) * 0.5f;
        b[i] = -777.0f;
        k[i] = -777;
    }
}

static void vectors_check(const char *label, void *const *in, void *const *got)
{
    const float *a = in[1], *b = got[2];
    const int32_t *k = got[3];
    for (int i = 0; i < VEC_N; i++) {
        int base = i / 4 * 4, lane = i % 4;
        float v = a[i];
        float u = lane == 3 ? a[base] + 1.0f : sqrtf(v * 2.0f);
        float want = fminf(u, v);
        CHECK_MSG(close_to(b[i], want, 1e-6), "%s: vectors b[%d] = %.9g, want %.9g", label, i, b[i], want);
        CHECK_MSG(k[i] == (int32_t)b[i], "%s: vectors k[%d] = %d, want (int)%.9g", label, i, k[i], b[i]);
    }
}

static void aligned_init(void *const *arg)
{
    *(int32_t *)arg[0] = VEC_N;
    float *a = arg[1], *b = arg[2];
    for (int i = 0; i < VEC_N; i++) {
        a[i] = (float)((i * 7) % 23) * 0.5f;
        b[i] = -777.0f;
    }
}

/* b[4 l + j] of group g is 2 a[4 ((l + 1) % 4) + j] + 1: the tile slot of the next work-item */
static void aligned_check(const char *label, void *const *in, void *const *got)
{
    const float *a = in[1], *b = got[2];
    for (int i = 0; i < VEC_N; i++) {
        int group = i / 16, l = i / 4 % 4, j = i % 4;
        float want = 2.0f * a[group * 16 + (l + 1) % 4 * 4 + j] + 1.0f;
        CHECK_MSG(b[i] == want, "%s: aligned b[%d] = %.9g, want %.9g", label, i, b[i], want);
    }
}

static void stream_init(void *const *arg)
{
    *(int32_t *)arg[0] = VEC_N;
    double *a = arg[1], *b = arg[2], *f = arg[3];
    for (int i = 0; i < VEC_N; i++) {
        a[i] = (double)((i * 11) % 19) * 0.25;
        b[i] = -777.0;
    }
    for (int i = 0; i <= VEC_N; i++)
        f[i] = -777.0;
}

/* b = 2 a; f[i + 1] = a[i] + 1, f[0] untouched */
static void stream_check(const char *label, void *const *in, void *const *got)
{
    const double *a = in[1], *b = got[2], *f = got[3];
    for (int i = 0; i < VEC_N; i++) {
        CHECK_MSG(b[i] == 2.0 * a[i], "%s: stream b[%d] = %.17g, want %.17g", label, i, b[i], 2.0 * a[i]);
        CHECK_MSG(f[i + 1] == a[i] + 1.0, "%s: stream f[%d] = %.17g, want %.17g", label, i + 1, f[i + 1], a[i] + 1.0);
    }
    CHECK_MSG(f[0] == -777.0, "%s: stream f[0] = %.17g, written", label, f[0]);
}

static void swizzle_init(void *const *arg)
{
    *(int32_t *)arg[0] = VEC_N;
    float *a = arg[1], *b = arg[2];
    uint8_t *px = arg[3];
    for (int i = 0; i < VEC_N; i++) {
        a[i] = (float)(i * 3 % 17) - 4.0f;
        b[i] = -777.0f;
        px[i] = (uint8_t)(i * 37 + 11);
    }
}

static void swizzle_check(const char *label, void *const *in, void *const *got)
{
    static const float add[4] = {1, 2, 3, 0.5f};
    const float *a = in[1], *b = got[2];
    const uint8_t *px_in = in[3], *px = got[3];
    for (int i = 0; i < VEC_N; i++) {
        int base = i / 4 * 4, lane = i % 4;
        float want = a[base + (lane + 1) % 4] + add[lane];
        CHECK_MSG(b[i] == want, "%s: swizzle b[%d] = %g, want %g", label, i, b[i], want);
        CHECK_MSG(px[i] == px_in[base + 3 - lane], "%s: swizzle px[%d] = %d, want %d", label, i, px[i],
                  px_in[base + 3 - lane]);
    }
}

enum { RED_GROUPS = 37, RED_WG = 64, RED_N = RED_GROUPS * RED_WG - 11 }; /* the last group reads zeros */

static void reduce_init(void *const *arg)
{
    *(int32_t *)arg[0] = RED_N;
    float *x = arg[1], *part = arg[2];
    for (int i = 0; i < RED_GROUPS * RED_WG; i++) {
        x[i] = i < RED_N ? (float)((i * 7919) % 1000) / 100.0f - 3.0f : 1e6f;
        part[i] = -12345.0f;
    }
    *(float *)arg[3] = 0.5f;
    *(int32_t *)arg[4] = 0;
}

static void reduce_check(const char *label, void *const *in, void *const *got)
{
    const float *x = in[1], *part = got[2];
    double sum = 0.5;
    for (int g = 0; g < RED_GROUPS; g++) {
        double want = 0;
        for (int i = g * RED_WG; i < (g + 1) * RED_WG && i < RED_N; i++)
            want += x[i];
        sum += want;
        CHECK_MSG(close_to(part[g], want, 1e-5), "%s: reduce part[%d] = %g, want %g", label, g, part[g], want);
    }
    float total = *(const float *)got[3];
    int32_t count = *(const int32_t *)got[4];
    CHECK_MSG(count == RED_GROUPS, "%s: reduce atomic counter %d, want %d", label, count, RED_GROUPS);
    CHECK_MSG(close_to(total, sum, 1e-5), "%s: reduce atomic total %g, want %g", label, total, sum);
}

enum { STENCIL_N = 48 };

static void stencil_init(void *const *arg)
{
    *(int32_t *)arg[0] = STENCIL_N;
    float *a = arg[1], *b = arg[2];
    for (int i = 0; i < STENCIL_N; i++) {
        a[i] = (float)((i * 11) % 13) - 5.0f + (float)i / 64.0f; /* no two alike: a wrong wrap shows */
        b[i] = -777.0f;
    }
}

static void stencil_check(const char *label, void *const *in, void *const *got)
{
    static const double taps[5] = {0.0625, 0.25, 0.375, 0.25, 0.0625};
    const float *a = in[1], *b = got[2];
    for (int i = 0; i < STENCIL_N; i++) {
        double acc = 0;
        for (int r = 0; r < 5; r++)
            acc += taps[r] * a[(int)floored_mod(i + r - 2, STENCIL_N)];
        double want = acc * acc;
        CHECK_MSG(close_to(b[i], want, 1e-5), "%s: stencil b[%d] = %.9g, want %.9g", label, i, b[i], want);
    }
}

enum { ARR_N = 32 };

static void arrays_init(void *const *arg)
{
    *(int32_t *)arg[0] = ARR_N;
    float *a = arg[1], *b = arg[2];
    for (int i = 0; i < ARR_N; i++) {
        a[i] = (float)(i % 9) * 0.5f - 2.0f;
        b[i] = -777.0f;
    }
}

static void arrays_check(const char *label, void *const *in, void *const *got)
{
    static const float w[12] = {1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12};
    const float *a = in[1], *b = got[2];
    for (int i = 0; i < ARR_N; i++) {
        float tmp[3][4], acc = 0;
        for (int r = 0; r < 3; r++)
            for (int q = 0; q < 4; q++)
                tmp[r][q] = a[i] * (float)r + (float)q;
        for (int q = 0; q < 4; q++)
            for (int r = 0; r < 3; r++)
                acc += tmp[r][q] * w[r * 4 + q];
        CHECK_MSG(close_to(b[i], acc, 1e-5), "%s: arrays b[%d] = %.9g, want %.9g", label, i, b[i], acc);
    }
}

enum { V1_NX = 16, V1_NY = 5 };

static void vec1_init(void *const *arg)
{
    *(int32_t *)arg[0] = V1_NX;
    *(int32_t *)arg[1] = V1_NY;
    float *img = arg[2], *out = arg[3], *out1 = arg[4];
    for (int i = 0; i < V1_NX * V1_NY; i++) {
        img[i] = (float)i * 0.25f - 3.0f;
        out[i] = out1[i] = -777.0f;
    }
}

static void vec1_check(const char *label, void *const *in, void *const *got)
{
    const float *img = in[2], *out = got[3], *out1 = got[4];
    for (int y = 0; y < V1_NY; y++)
        for (int x = 0; x < V1_NX; x++) {
            float p = img[y * V1_NX + x];
            CHECK_MSG(out[y * V1_NX + x] == 2 * p, "%s: vec1 out(%d, %d) = %g, want %g", label, y, x,
                      out[y * V1_NX + x], 2 * p);
            CHECK_MSG(out1[y * V1_NX + x] == p + 1, "%s: vec1 out1(%d, %d) = %g, want %g", label, y, x,
                      out1[y * V1_NX + x], p + 1);
        }
}

enum { FP_NX = 12, FP_NY = 7 };

static void five_point_init(void *const *arg)
{
    *(int32_t *)arg[0] = FP_NX;
    *(int32_t *)arg[1] = FP_NY;
    float *in = arg[2], *out = arg[3];
    for (int i = 0; i < FP_NX * FP_NY; i++) {
        in[i] = (float)((i * 29) % 31) * 0.125f; /* exact in f32: the sums compare exactly */
        out[i] = -777.0f;
    }
}

static void five_point_check(const char *label, void *const *in, void *const *got)
{
    const float *u = in[2], *out = got[3];
    for (int y = 0; y < FP_NY; y++)
        for (int x = 0; x < FP_NX; x++) {
            float want = u[y * FP_NX + x];
            if (x > 0 && y > 0 && x < FP_NX - 1 && y < FP_NY - 1)
                want = u[(y - 1) * FP_NX + x] + u[(y + 1) * FP_NX + x] + u[y * FP_NX + x - 1] + u[y * FP_NX + x + 1] -
                       4 * u[y * FP_NX + x];
            CHECK_MSG(out[y * FP_NX + x] == want, "%s: five_point out(%d, %d) = %g, want %g", label, y, x,
                      out[y * FP_NX + x], want);
        }
}

static const exec_spec exec_specs[] = {
    {"arith", build_arith, 4, {{KILN_I32, 0}, {KILN_F32, ARITH_GLOBAL}, {KILN_F32, ARITH_GLOBAL}, {KILN_I32, ARITH_GLOBAL}},
     {1, {ARITH_GLOBAL, 1, 1}, {16, 1, 1}}, arith_init, arith_check},
    {"math64", build_math64, 4, {{KILN_I64, 0}, {KILN_F64, MATH64_N}, {KILN_F64, MATH64_N}, {KILN_I64, MATH64_N}},
     {1, {MATH64_N, 1, 1}, {16, 1, 1}}, math64_init, math64_check},
    {"vectors", build_vectors, 4, {{KILN_I32, 0}, {KILN_F32, VEC_N}, {KILN_F32, VEC_N}, {KILN_I32, VEC_N}},
     {1, {VEC_N / 4, 1, 1}, {4, 1, 1}}, vectors_init, vectors_check},
    {"aligned", build_aligned, 3, {{KILN_I32, 0}, {KILN_F32, VEC_N}, {KILN_F32, VEC_N}},
     {1, {VEC_N / 4, 1, 1}, {4, 1, 1}}, aligned_init, aligned_check},
    {"stream", build_stream, 4, {{KILN_I32, 0}, {KILN_F64, VEC_N}, {KILN_F64, VEC_N}, {KILN_F64, VEC_N + 1}},
     {1, {VEC_N / 2, 1, 1}, {4, 1, 1}}, stream_init, stream_check},
    {"swizzle", build_swizzle, 4, {{KILN_I32, 0}, {KILN_F32, VEC_N}, {KILN_F32, VEC_N}, {KILN_U8, VEC_N}},
     {1, {VEC_N / 4, 1, 1}, {4, 1, 1}}, swizzle_init, swizzle_check},
    {"reduce", build_reduce, 5,
     {{KILN_I32, 0}, {KILN_F32, RED_GROUPS * RED_WG}, {KILN_F32, RED_GROUPS * RED_WG}, {KILN_F32, 1}, {KILN_I32, 1}},
     {1, {RED_GROUPS * RED_WG, 1, 1}, {RED_WG, 1, 1}}, reduce_init, reduce_check},
    {"stencil", build_stencil, 3, {{KILN_I32, 0}, {KILN_F32, STENCIL_N}, {KILN_F32, STENCIL_N}},
     {1, {STENCIL_N, 1, 1}, {16, 1, 1}}, stencil_init, stencil_check},
    {"arrays", build_arrays, 3, {{KILN_I32, 0}, {KILN_F32, ARR_N}, {KILN_F32, ARR_N}},
     {1, {ARR_N, 1, 1}, {8, 1, 1}}, arrays_init, arrays_check},
    {"vec1", build_vec1, 5,
     {{KILN_I32, 0}, {KILN_I32, 0}, {KILN_F32, V1_NX * V1_NY}, {KILN_F32, V1_NX * V1_NY}, {KILN_F32, V1_NX * V1_NY}},
     {2, {V1_NX / 4, V1_NY, 1}, {4, 1, 1}}, vec1_init, vec1_check},
    {"five_point", build_five_point, 4, {{KILN_I32, 0}, {KILN_I32, 0}, {KILN_F32, FP_NX * FP_NY}, {KILN_F32, FP_NX * FP_NY}},
     {2, {FP_NX, FP_NY, 1}, {4, 1, 1}}, five_point_init, five_point_check},
};

static size_t arg_bytes(const exec_arg *a)
{
    return kiln_scalar_bytes(a->type) * (size_t)(a->count ? a->count : 1);
}

/* Builds spec's kernel for rt's language, runs it once on copies of `in`, reads every array into `got`. */
static int exec_on(kiln_rt *rt, const exec_spec *spec, void *const *in, void *const *got)
{
    char err[512];
    char *src = generate(spec->build, kiln_rt_lang(rt), NULL, err, sizeof err);
    char *log = NULL;
    kiln_program *prog = src ? kiln_program_build(rt, src, spec->name, "", &log) : NULL;
    CHECK_MSG(prog != NULL, "%s: %s %s %s", spec->name, src ? "" : err, kiln_rt_errmsg(rt), log ? log : "");
    free(log);
    free(src);
    if (!prog)
        return -1;
    kiln_buf *bufs[EXEC_MAX_ARGS] = {NULL};
    int rc = 0;
    for (int a = 0; a < spec->nargs && rc == 0; a++) {
        size_t bytes = arg_bytes(&spec->args[a]);
        if (spec->args[a].count == 0) {
            rc = kiln_program_set_scalar(rt, prog, a, in[a], bytes);
            continue;
        }
        bufs[a] = kiln_buf_new(rt, bytes);
        rc = !bufs[a] || kiln_buf_write(rt, bufs[a], in[a], bytes) != 0 || kiln_program_set_buf(rt, prog, a, bufs[a]);
    }
    double ns;
    if (rc == 0)
        rc = kiln_program_run(rt, prog, &spec->geo, &ns);
    for (int a = 0; a < spec->nargs && rc == 0; a++)
        if (spec->args[a].count)
            rc = kiln_buf_read(rt, bufs[a], got[a], arg_bytes(&spec->args[a]));
    CHECK_MSG(rc == 0, "%s: %s", spec->name, kiln_rt_errmsg(rt));
    for (int a = 0; a < spec->nargs; a++)
        if (bufs[a])
            kiln_buf_free(rt, bufs[a]);
    kiln_program_free(rt, prog);
    return rc == 0 ? 0 : -1;
}

static void test_execute_all(int have_cl)
{
    for (int target = 0; target < 2; target++) {
        if (target == 1 && !have_cl)
            continue;
        char err[512];
        kiln_rt *rt = kiln_rt_open(target == 0 ? "host" : NULL, err, sizeof err);
        CHECK_MSG(rt != NULL, "%s", err);
        if (!rt)
            continue;
        for (size_t s = 0; s < sizeof exec_specs / sizeof exec_specs[0]; s++) {
            const exec_spec *spec = &exec_specs[s];
            void *in[EXEC_MAX_ARGS] = {NULL}, *got[EXEC_MAX_ARGS] = {NULL};
            for (int a = 0; a < spec->nargs; a++) {
                in[a] = calloc(1, arg_bytes(&spec->args[a]));
                got[a] = calloc(1, arg_bytes(&spec->args[a]));
            }
            spec->init(in);
            char label[64];
            snprintf(label, sizeof label, "%s (%s)", spec->name, kiln_lang_name(kiln_rt_lang(rt)));
            if (exec_on(rt, spec, in, got) == 0)
                spec->check(label, in, got);
            for (int a = 0; a < spec->nargs; a++) {
                free(in[a]);
                free(got[a]);
            }
        }
        kiln_rt_close(rt);
    }
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    int have_cl = cl_open() == 0;
    if (!have_cl) {
        /* the C target's half runs; the OpenCL half is a device test like any other */
        CHECK_MSG(!check_devices_required(), "FAIL (KILN_REQUIRE_DEVICES=1, no skipping): no OpenCL platform");
        fprintf(stderr, "no OpenCL platform: the .cl builds and runs are skipped\n");
    }
    test_goldens_and_compile(have_cl);
    test_execute_reduce();
    test_execute_all(have_cl);
    test_errors();
    if (have_cl)
        clReleaseContext(cl_ctx);
    if (check_failures == 0 && test_scratch_remove(tmpdir) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    CHECK_DONE();
}
