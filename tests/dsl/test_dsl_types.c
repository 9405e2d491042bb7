/*
 * test_dsl_types.c: the type of every kind of expression (promotion, weak
 * literals, broadcasting, comparisons), the procedure flags generators rely
 * on, helper functions and calls, and the order of kiln_ctx_procs.
 */
#include "check.h"
#include "dsl/dsl_int.h"

static int same(kiln_type a, kiln_type b)
{
    return a.scalar == b.scalar && a.lanes == b.lanes;
}

#define CHECK_TYPE(node, want)                                                                          \
    do {                                                                                                \
        kiln_type got_ = kiln_node_type(node), want_ = (want);                                          \
        CHECK_MSG(same(got_, want_), "%s: got %s x%d, want %s x%d (%s)", #node,                         \
                  kiln_scalar_name(got_.scalar), got_.lanes, kiln_scalar_name(want_.scalar), want_.lanes, \
                  kiln_errmsg(ctx));                                                                    \
    } while (0)

static void test_promotion(void)
{
    kiln_ctx *ctx = kiln_ctx_new();
    kiln_kernel_begin(ctx, "k");
    kiln_var *a = kiln_arg_array(ctx, "a", KILN_T(F32), KILN_INOUT, kiln_int(ctx, 64));
    kiln_node *i = kiln_ref(ctx, kiln_decl(ctx, "i", KILN_T(I32), kiln_int(ctx, 0)));
    kiln_node *u = kiln_ref(ctx, kiln_decl(ctx, "u", KILN_T(U32), kiln_int(ctx, 0)));
    kiln_node *b8 = kiln_ref(ctx, kiln_decl(ctx, "b8", KILN_T(U8), kiln_int(ctx, 0)));
    kiln_node *s16 = kiln_ref(ctx, kiln_decl(ctx, "s16", KILN_T(I16), kiln_int(ctx, 0)));
    kiln_node *x = kiln_ref(ctx, kiln_decl(ctx, "x", KILN_T(F32), kiln_int(ctx, 0)));
    kiln_node *d = kiln_ref(ctx, kiln_decl(ctx, "d", KILN_T(F64), kiln_flt(ctx, 0)));
    kiln_node *v4 = kiln_ref(ctx, kiln_decl(ctx, "v4", KILN_V(F32, 4), kiln_flt(ctx, 0)));
    kiln_node *w4 = kiln_ref(ctx, kiln_decl(ctx, "w4", KILN_V(I32, 4), kiln_int(ctx, 0)));
    kiln_node *d2 = kiln_ref(ctx, kiln_decl(ctx, "d2", KILN_V(F64, 2), kiln_dbl(ctx, 0)));
    kiln_node *t = kiln_ref(ctx, kiln_decl(ctx, "t", KILN_T(BOOL), kiln_lit(ctx, KILN_T(BOOL), 1)));
    CHECK_MSG(!kiln_ctx_failed(ctx), "%s", kiln_errmsg(ctx));

    /* literals */
    CHECK_TYPE(kiln_int(ctx, 7), KILN_T(I32));
    CHECK_TYPE(kiln_int(ctx, 1LL << 40), KILN_T(I64));
    CHECK_TYPE(kiln_flt(ctx, 1), KILN_T(F32));
    CHECK_TYPE(kiln_dbl(ctx, 1), KILN_T(F64));
    CHECK_TYPE(kiln_lit(ctx, KILN_T(U16), 3), KILN_T(U16));

    /* weak literals adapt to the other operand */
    kiln_node *xi = kiln_add(ctx, x, kiln_int(ctx, 2));
    CHECK_TYPE(xi, KILN_T(F32));
    CHECK(xi->kids[1]->kind == KILN_N_LIT && xi->kids[1]->type.scalar == KILN_F32 && xi->kids[1]->fval == 2.0);
    CHECK_TYPE(kiln_mul(ctx, kiln_flt(ctx, 0.5), d), KILN_T(F64));
    CHECK_TYPE(kiln_add(ctx, b8, kiln_int(ctx, 1)), KILN_T(U8));
    CHECK_TYPE(kiln_add(ctx, i, kiln_int(ctx, 1)), KILN_T(I32));
    CHECK_TYPE(kiln_mul(ctx, i, kiln_flt(ctx, 0.5)), KILN_T(F32));      /* float beats int */
    CHECK_TYPE(kiln_mul(ctx, kiln_int(ctx, 2), kiln_int(ctx, 1LL << 40)), KILN_T(I64));
    /* kiln_dbl is a strong f64 */
    CHECK_TYPE(kiln_mul(ctx, x, kiln_dbl(ctx, 2)), KILN_T(F64));

    /* strong operands promote */
    CHECK_TYPE(kiln_add(ctx, i, x), KILN_T(F32));
    CHECK_TYPE(kiln_add(ctx, x, d), KILN_T(F64));
    CHECK_TYPE(kiln_add(ctx, b8, s16), KILN_T(I16));
    CHECK_TYPE(kiln_add(ctx, i, u), KILN_T(U32));
    CHECK_TYPE(kiln_add(ctx, i, kiln_global_id(ctx, 0)), KILN_T(I64));
    CHECK_TYPE(kiln_global_id(ctx, 1), KILN_T(I64));
    CHECK_TYPE(kiln_local_size(ctx, 2), KILN_T(I64));
    CHECK_TYPE(kiln_modp(ctx, i, kiln_int(ctx, 4)), KILN_T(I32));
    CHECK_TYPE(kiln_bin(ctx, KILN_SHL, u, kiln_int(ctx, 2)), KILN_T(U32));
    CHECK_TYPE(kiln_min(ctx, x, i), KILN_T(F32));

    /* vectors */
    kiln_node *vs = kiln_mul(ctx, v4, x);
    CHECK_TYPE(vs, KILN_V(F32, 4));
    CHECK_TYPE(kiln_mul(ctx, kiln_int(ctx, 3), v4), KILN_V(F32, 4));
    kiln_node *vi = kiln_mul(ctx, v4, i); /* i is converted to f32 before the broadcast */
    CHECK_TYPE(vi, KILN_V(F32, 4));
    CHECK(vi->kids[1]->kind == KILN_N_CAST && same(vi->kids[1]->type, KILN_T(F32)));
    kiln_node *vw = kiln_add(ctx, v4, w4); /* the int vector is converted explicitly */
    CHECK_TYPE(vw, KILN_V(F32, 4));
    CHECK(vw->kids[1]->kind == KILN_N_CAST && same(vw->kids[1]->type, KILN_V(F32, 4)));
    CHECK_TYPE(kiln_lt(ctx, v4, v4), KILN_V(I32, 4));
    CHECK_TYPE(kiln_bin(ctx, KILN_EQ, d2, d2), KILN_V(I64, 2));
    CHECK_TYPE(kiln_lane(ctx, v4, 3), KILN_T(F32));
    CHECK_TYPE(kiln_vload(ctx, 8, a, kiln_int(ctx, 0)), KILN_V(F32, 8));
    CHECK_TYPE(kiln_cast(ctx, KILN_V(F32, 4), x), KILN_V(F32, 4));
    CHECK_TYPE(kiln_cast(ctx, KILN_V(I32, 4), v4), KILN_V(I32, 4));

    /* comparisons, logic, select, math */
    CHECK_TYPE(kiln_lt(ctx, i, x), KILN_T(BOOL));
    CHECK_TYPE(kiln_bin(ctx, KILN_AND, t, kiln_lt(ctx, i, kiln_int(ctx, 3))), KILN_T(BOOL));
    CHECK_TYPE(kiln_un(ctx, KILN_NOT, t), KILN_T(BOOL));
    CHECK_TYPE(kiln_un(ctx, KILN_NEG, x), KILN_T(F32));
    CHECK_TYPE(kiln_un(ctx, KILN_BNOT, u), KILN_T(U32));
    CHECK_TYPE(kiln_select(ctx, t, i, x), KILN_T(F32));
    CHECK_TYPE(kiln_math(ctx, KILN_SQRT, kiln_int(ctx, 2)), KILN_T(F32));
    CHECK_TYPE(kiln_math(ctx, KILN_SQRT, d), KILN_T(F64));
    CHECK_TYPE(kiln_math(ctx, KILN_FMA, v4, x, kiln_flt(ctx, 1)), KILN_V(F32, 4));
    CHECK_TYPE(kiln_math(ctx, KILN_POW, x, kiln_int(ctx, 2)), KILN_T(F32));
    CHECK_TYPE(kiln_at(ctx, a, i), KILN_T(F32));

    /* stores: implicit widening, literal narrowing, literal broadcast */
    kiln_var *lx = kiln_decl(ctx, "lx", KILN_T(I64), i);  /* i32 -> i64 */
    kiln_assign(ctx, x, i);                               /* int -> float */
    kiln_assign(ctx, d, x);                               /* f32 -> f64 */
    kiln_assign(ctx, x, kiln_dbl(ctx, 0.25));             /* f64 literal -> f32 */
    kiln_assign(ctx, v4, kiln_int(ctx, 0));               /* literal broadcast */
    kiln_assign(ctx, kiln_lane(ctx, v4, 1), x);
    kiln_assign_op(ctx, KILN_ADD, v4, x);
    kiln_assign_op(ctx, KILN_MUL, x, kiln_int(ctx, 3));
    CHECK_MSG(!kiln_ctx_failed(ctx), "%s", kiln_errmsg(ctx));
    CHECK(lx->type.scalar == KILN_I64);

    kiln_var *li = kiln_for_begin(ctx, "li", kiln_int(ctx, 0), kiln_int(ctx, 1LL << 40), kiln_int(ctx, 1));
    CHECK(li->type.scalar == KILN_I64);
    kiln_for_end(ctx);
    kiln_var *si = kiln_for_begin(ctx, "si", kiln_int(ctx, 0), kiln_int(ctx, 10), kiln_int(ctx, 1));
    CHECK(si->type.scalar == KILN_I32);
    kiln_for_end(ctx);
    kiln_proc *k = kiln_proc_end(ctx);
    CHECK_MSG(k != NULL, "%s", kiln_errmsg(ctx));
    CHECK(k && k->uses_witems && k->uses_f64 && !k->uses_barrier && !k->uses_atomics);
    kiln_ctx_free(ctx);
}

static void test_flags_and_helpers(void)
{
    kiln_ctx *ctx = kiln_ctx_new();
    /* helper using f64 internally */
    kiln_proc *h = kiln_func_begin(ctx, "mix", KILN_T(F32));
    kiln_var *p = kiln_arg_scalar(ctx, "p", KILN_T(F32));
    kiln_var *q = kiln_arg_scalar(ctx, "q", KILN_T(I32));
    kiln_var *tmp = kiln_decl(ctx, "tmp", KILN_T(F64), kiln_ref(ctx, p));
    kiln_return(ctx, kiln_cast(ctx, KILN_T(F32), kiln_mul(ctx, kiln_ref(ctx, tmp), kiln_ref(ctx, q))));
    CHECK(kiln_proc_end(ctx) == h);
    CHECK(h->uses_f64 && !h->is_kernel && h->nargs == 2 && h->complete);

    kiln_proc *vh = kiln_func_begin(ctx, "touch", KILN_T(VOID));
    kiln_arg_scalar(ctx, "z", KILN_T(I32));
    kiln_return(ctx, NULL);
    CHECK(kiln_proc_end(ctx) == vh);
    CHECK(!vh->uses_f64);

    kiln_proc *k = kiln_kernel_begin(ctx, "k");
    kiln_var *a = kiln_arg_array(ctx, "a", KILN_T(F32), KILN_INOUT, kiln_int(ctx, 64));
    kiln_var *tile = kiln_decl_shared(ctx, "tile", KILN_T(F32), 64);
    kiln_var *g = kiln_decl(ctx, "g", KILN_T(I32), kiln_cast(ctx, KILN_T(I32), kiln_local_id(ctx, 0)));
    kiln_node *c = kiln_call(ctx, h, kiln_at(ctx, a, kiln_ref(ctx, g)), kiln_int(ctx, 2));
    CHECK(kiln_node_type(c).scalar == KILN_F32);
    kiln_assign(ctx, kiln_at(ctx, tile, kiln_ref(ctx, g)), c);
    kiln_barrier(ctx, KILN_FENCE_LOCAL);
    kiln_var *i = kiln_for_begin(ctx, "i", kiln_int(ctx, 0), kiln_int(ctx, 4), kiln_int(ctx, 1));
    kiln_barrier(ctx, KILN_FENCE_LOCAL | KILN_FENCE_GLOBAL); /* a for loop with uniform bounds is fine */
    kiln_atomic_add(ctx, kiln_at(ctx, tile, kiln_ref(ctx, i)), kiln_flt(ctx, 1));
    kiln_for_end(ctx);
    kiln_expr_stmt(ctx, kiln_call(ctx, vh, kiln_ref(ctx, g)));
    kiln_proc_reqd_wg(k, 64, 1, 1);
    CHECK(kiln_proc_end(ctx) == k);
    CHECK_MSG(!kiln_ctx_failed(ctx), "%s", kiln_errmsg(ctx));
    CHECK(k->uses_witems && k->uses_barrier && k->uses_atomics);
    CHECK(k->uses_f64); /* through the helper */

    kiln_proc *order[3] = {h, vh, k}, *it = kiln_ctx_procs(ctx);
    for (int n = 0; n < 3; n++, it = it ? it->next : NULL)
        CHECK(it == order[n]);
    CHECK(it == NULL);

    char *dump = kiln_proc_dump(k);
    CHECK_STR_CONTAINS(dump, "(reqd_wg 64 1 1)");
    CHECK_STR_CONTAINS(dump, "(decl tile#");
    CHECK_STR_CONTAINS(dump, " f32 local [64])");
    CHECK_STR_CONTAINS(dump, "(call mix f32");
    CHECK_STR_CONTAINS(dump, "(expr");
    CHECK_STR_CONTAINS(dump, "(barrier local global)");
    CHECK_STR_CONTAINS(dump, "(atomic_add");
    free(dump);
    dump = kiln_proc_dump(h);
    CHECK_STR_CONTAINS(dump, "(function mix f32");
    CHECK_STR_CONTAINS(dump, "(return");
    free(dump);
    kiln_ctx_free(ctx);
}

/* A kernel without doubles, atomics or barriers says so. */
static void test_flags_off(void)
{
    kiln_ctx *ctx = kiln_ctx_new();
    kiln_kernel_begin(ctx, "plain");
    kiln_var *n = kiln_arg_scalar(ctx, "n", KILN_T(I32));
    kiln_var *c = kiln_decl_const_array(ctx, "taps", KILN_T(F32), 3, ((const double[]){0.25, 0.5, 0.25}));
    kiln_var *y = kiln_decl(ctx, "y", KILN_T(F32), kiln_at(ctx, c, kiln_int(ctx, 1)));
    kiln_assign_op(ctx, KILN_MUL, kiln_ref(ctx, y), kiln_ref(ctx, n));
    kiln_proc *k = kiln_proc_end(ctx);
    CHECK_MSG(k != NULL, "%s", kiln_errmsg(ctx));
    CHECK(k && !k->uses_f64 && !k->uses_witems && !k->uses_barrier && !k->uses_atomics);
    CHECK(c->mem == KILN_MEM_CONSTANT && c->is_const && c->const_count == 3 && c->const_values[1] == 0.5);
    char *dump = kiln_proc_dump(k);
    CHECK_STR_CONTAINS(dump, "f32 constant [3] {0.25 0.5 0.25}");
    free(dump);
    kiln_ctx_free(ctx);
}

int main(void)
{
    test_promotion();
    test_flags_and_helpers();
    test_flags_off();
    CHECK_DONE();
}
