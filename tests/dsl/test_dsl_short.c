/*
 * test_dsl_short.c: the short forms of kiln/dsl.h build exactly the nodes of
 * the long forms (kiln_le is KILN_LE, kiln_sum folds from the left, kiln_addi
 * prints a negative offset as a subtraction), a vector of one lane is a plain
 * element access, and the multi-index vector forms flatten as kiln_at does and
 * report a wrong number of indices at their call site, naming the array.
 */
#include "check.h"
#include "dsl/dsl_int.h"

/* Same shape: kind, op, type, variable, literal value, and the same children. */
static int same_tree(const kiln_node *a, const kiln_node *b)
{
    if (!a || !b)
        return a == b;
    if (a->kind != b->kind || a->op != b->op || a->type.scalar != b->type.scalar || a->type.lanes != b->type.lanes ||
        a->var != b->var || a->ival != b->ival || a->fval != b->fval || a->lanes != b->lanes || a->nkids != b->nkids)
        return 0;
    for (int i = 0; i < a->nkids; i++)
        if (!same_tree(a->kids[i], b->kids[i]))
            return 0;
    return 1;
}

#define CHECK_SAME(short_form, long_form) \
    CHECK_MSG(same_tree((short_form), (long_form)), "%s is not %s (%s)", #short_form, #long_form, kiln_errmsg(ctx))

static void test_operators(void)
{
    kiln_ctx *ctx = kiln_ctx_new();
    kiln_kernel_begin(ctx, "k");
    kiln_node *i = kiln_ref(ctx, kiln_decl(ctx, "i", KILN_T(I32), kiln_int(ctx, 3)));
    kiln_node *j = kiln_ref(ctx, kiln_decl(ctx, "j", KILN_T(I32), kiln_int(ctx, 5)));
    kiln_node *x = kiln_ref(ctx, kiln_decl(ctx, "x", KILN_T(F32), kiln_flt(ctx, 1)));
    static const struct {
        kiln_binop op;
        const char *name;
    } ops[] = {{KILN_LE, "le"}, {KILN_GT, "gt"}, {KILN_GE, "ge"}, {KILN_EQ, "eq"}, {KILN_NE, "ne"},
               {KILN_AND, "and"}, {KILN_OR, "or"}, {KILN_BAND, "band"}, {KILN_BOR, "bor"},
               {KILN_BXOR, "bxor"}, {KILN_SHL, "shl"}, {KILN_SHR, "shr"}, {KILN_LT, "lt"}};
    kiln_node *shorts[] = {kiln_le(ctx, i, j),   kiln_gt(ctx, i, j),   kiln_ge(ctx, i, j),  kiln_eq(ctx, i, j),
                           kiln_ne(ctx, i, j),   kiln_and(ctx, i, j),  kiln_or(ctx, i, j),  kiln_band(ctx, i, j),
                           kiln_bor(ctx, i, j),  kiln_bxor(ctx, i, j), kiln_shl(ctx, i, j), kiln_shr(ctx, i, j),
                           kiln_lt(ctx, i, j)};
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
        CHECK_MSG(same_tree(shorts[k], kiln_bin(ctx, ops[k].op, i, j)), "kiln_%s is not its operator",
                  ops[k].name);
    CHECK_SAME(kiln_neg(ctx, x), kiln_un(ctx, KILN_NEG, x));
    CHECK_SAME(kiln_not(ctx, i), kiln_un(ctx, KILN_NOT, i));
    CHECK_SAME(kiln_bnot(ctx, i), kiln_un(ctx, KILN_BNOT, i));

    /* n-ary forms fold from the left */
    CHECK_SAME(kiln_sum(ctx, i, j, kiln_int(ctx, 2)), kiln_add(ctx, kiln_add(ctx, i, j), kiln_int(ctx, 2)));
    CHECK_SAME(kiln_prod(ctx, x, x, x), kiln_mul(ctx, kiln_mul(ctx, x, x), x));
    CHECK_SAME(kiln_all(ctx, kiln_lt(ctx, i, j), kiln_ne(ctx, i, j), kiln_gt(ctx, j, i)),
               kiln_and(ctx, kiln_and(ctx, kiln_lt(ctx, i, j), kiln_ne(ctx, i, j)), kiln_gt(ctx, j, i)));
    CHECK_SAME(kiln_any(ctx, kiln_eq(ctx, i, j), kiln_eq(ctx, j, i)),
               kiln_or(ctx, kiln_eq(ctx, i, j), kiln_eq(ctx, j, i)));
    CHECK(kiln_sum(ctx, i) == i);
    /* a 5-point stencil's sum of four terms: a float and three weak literals adapt to f32 */
    kiln_node *s = kiln_sum(ctx, x, kiln_int(ctx, 1), kiln_int(ctx, 2), kiln_int(ctx, 3));
    CHECK(s->type.scalar == KILN_F32 && s->type.lanes == 1);

    /* integer shorthands */
    CHECK(kiln_addi(ctx, i, 0) == i);
    CHECK_SAME(kiln_addi(ctx, i, 4), kiln_add(ctx, i, kiln_int(ctx, 4)));
    CHECK_SAME(kiln_addi(ctx, i, -4), kiln_sub(ctx, i, kiln_int(ctx, 4)));
    CHECK(kiln_muli(ctx, i, 1) == i);
    CHECK_SAME(kiln_muli(ctx, i, 8), kiln_mul(ctx, i, kiln_int(ctx, 8)));
    CHECK(kiln_divi(ctx, i, 1) == i);
    CHECK_SAME(kiln_divi(ctx, i, 8), kiln_div(ctx, i, kiln_int(ctx, 8)));
    CHECK_MSG(!kiln_ctx_failed(ctx), "%s", kiln_errmsg(ctx));
    kiln_ctx_free(ctx);
}

/* A kernel with a 1-D array a(n) and a 2-D image img(ny, nx) for the vector forms. */
typedef struct fixture {
    kiln_ctx *ctx;
    kiln_var *n, *nx, *ny, *a, *img, *out;
} fixture;

static fixture setup(void)
{
    fixture f;
    kiln_ctx *ctx = f.ctx = kiln_ctx_new();
    kiln_kernel_begin(ctx, "k");
    f.n = kiln_arg_scalar(ctx, "n", KILN_T(I32));
    f.nx = kiln_arg_scalar(ctx, "nx", KILN_T(I32));
    f.ny = kiln_arg_scalar(ctx, "ny", KILN_T(I32));
    f.a = kiln_arg_array(ctx, "a", KILN_T(F32), KILN_IN, kiln_ref(ctx, f.n));
    f.img = kiln_arg_array(ctx, "img", KILN_T(F32), KILN_IN, kiln_ref(ctx, f.ny), kiln_ref(ctx, f.nx));
    f.out = kiln_arg_array(ctx, "out", KILN_T(F32), KILN_OUT, kiln_ref(ctx, f.ny), kiln_ref(ctx, f.nx));
    return f;
}

static void test_one_lane(void)
{
    fixture f = setup();
    kiln_ctx *ctx = f.ctx;
    kiln_node *i = kiln_ref(ctx, kiln_decl(ctx, "i", KILN_T(I32), kiln_int(ctx, 0)));
    kiln_node *one = kiln_vload(ctx, 1, f.a, i);
    CHECK_MSG(!kiln_ctx_failed(ctx), "vload of one lane refused: %s", kiln_errmsg(ctx));
    CHECK(one->kind == KILN_N_ELEM && one->var == f.a && one->type.scalar == KILN_F32 && one->type.lanes == 1);
    CHECK_SAME(one, kiln_at(ctx, f.a, i));
    /* lane 0 of a one-lane value is the value; lane 1 does not exist */
    CHECK(kiln_lane(ctx, one, 0) == one);
    /* a scalar stored through kiln_vstore is a plain element store */
    kiln_vstore(ctx, f.out, i, kiln_add(ctx, one, kiln_int(ctx, 1)));
    CHECK_MSG(!kiln_ctx_failed(ctx), "vstore of one lane refused: %s", kiln_errmsg(ctx));
    /* the multi-index forms with one lane */
    kiln_node *y = kiln_ref(ctx, kiln_decl(ctx, "y", KILN_T(I32), kiln_int(ctx, 2)));
    kiln_node *x = kiln_ref(ctx, kiln_decl(ctx, "x", KILN_T(I32), kiln_int(ctx, 3)));
    CHECK_SAME(kiln_vload_nd(ctx, 1, f.img, y, x), kiln_at(ctx, f.img, y, x));
    kiln_vstore_nd(ctx, f.out, y, x, kiln_vload_nd(ctx, 1, f.img, y, x));
    CHECK_MSG(!kiln_ctx_failed(ctx), "%s", kiln_errmsg(ctx));
    kiln_proc *k = kiln_proc_end(ctx);
    CHECK_MSG(k != NULL, "%s", kiln_errmsg(ctx));
    if (k) {
        /* decl i, assign out[i], decl y, decl x, assign out[y*nx+x]: no vstore node is left */
        int assigns = 0, vstores = 0;
        for (const kiln_node *st = k->body; st; st = st->next) {
            assigns += st->kind == KILN_N_ASSIGN && st->kids[0]->kind == KILN_N_ELEM && st->kids[0]->var == f.out;
            vstores += st->kind == KILN_N_VSTORE;
        }
        CHECK_MSG(assigns == 2 && vstores == 0, "%d element stores, %d vector stores", assigns, vstores);
    }
    kiln_ctx_free(ctx);
}

/* The context's error is located at this file's `line` and contains `needle`; frees ctx. */
static void expect_at(kiln_ctx *ctx, int line, const char *needle)
{
    char where[64];
    snprintf(where, sizeof where, "test_dsl_short.c:%d: ", line);
    CHECK_MSG(strncmp(kiln_errmsg(ctx), where, strlen(where)) == 0, "\"%s\" is not located at %s",
              kiln_errmsg(ctx), where);
    CHECK_STR_CONTAINS(kiln_errmsg(ctx), needle);
    kiln_ctx_free(ctx);
}

static void test_multi_index(void)
{
    fixture f = setup();
    kiln_ctx *ctx = f.ctx;
    kiln_node *y = kiln_ref(ctx, kiln_decl(ctx, "y", KILN_T(I32), kiln_int(ctx, 2)));
    kiln_node *x = kiln_ref(ctx, kiln_decl(ctx, "x", KILN_T(I32), kiln_int(ctx, 4)));
    kiln_node *flat = kiln_add(ctx, kiln_mul(ctx, y, kiln_ref(ctx, f.nx)), x);
    kiln_node *v = kiln_vload_nd(ctx, 4, f.img, y, x);
    CHECK(v->kind == KILN_N_VLOAD && v->type.lanes == 4 && v->var == f.img);
    CHECK_SAME(v, kiln_vload(ctx, 4, f.img, flat));
    kiln_vstore_nd(ctx, f.out, y, x, v);
    CHECK_MSG(!kiln_ctx_failed(ctx), "%s", kiln_errmsg(ctx));
    CHECK(kiln_proc_end(ctx) != NULL);
    kiln_ctx_free(ctx);

    /* a wrong number of indices: the message names the array and this line */
    f = setup();
    ctx = f.ctx;
    int line = __LINE__; kiln_vload_nd(ctx, 4, f.img, kiln_int(ctx, 0));
    expect_at(ctx, line, "vector load from 'img': 'img' has 2 dimensions, 1 index given");

    f = setup();
    ctx = f.ctx;
    line = __LINE__; kiln_vstore_nd(ctx, f.out, kiln_int(ctx, 0), kiln_int(ctx, 1), kiln_int(ctx, 2),
                                    kiln_flt(ctx, 1));
    expect_at(ctx, line, "vector store to 'out': 'out' has 2 dimensions, 3 indices given");

    f = setup();
    ctx = f.ctx;
    kiln_lane(ctx, kiln_ref(ctx, f.n), 1);
    CHECK_STR_CONTAINS(kiln_errmsg(ctx), "lane 1 out of range for i32 (0..0)");
    kiln_ctx_free(ctx);

    /* lanes other than 1, 2, 4, 8, 16 are still refused */
    f = setup();
    ctx = f.ctx;
    kiln_vload(ctx, 3, f.a, kiln_int(ctx, 0));
    CHECK_STR_CONTAINS(kiln_errmsg(ctx), "vector load of 3 lanes from 'a' (lanes must be 1, 2, 4, 8 or 16)");
    kiln_ctx_free(ctx);
}

int main(void)
{
    test_operators();
    test_one_lane();
    test_multi_index();
    CHECK_DONE();
}
