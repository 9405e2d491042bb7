/*
 * test_dsl_errors.c: every semantic check of the DSL leaves its message,
 * located at the builder call ("test_dsl_errors.c:LINE: ...") and naming the
 * variable; after the first error every builder is a harmless no-op.
 */
#include "check.h"
#include "kiln/dsl.h"

/* A kernel with a few arguments, ready for a faulty statement. */
typedef struct fixture {
    kiln_ctx *ctx;
    kiln_var *n, *a, *b, *x, *v4, *v8, *k;
} fixture;

static fixture setup(void)
{
    fixture f;
    f.ctx = kiln_ctx_new();
    kiln_ctx *ctx = f.ctx;
    kiln_kernel_begin(ctx, "k");
    f.n = kiln_arg_scalar(ctx, "n", KILN_T(I32));
    f.a = kiln_arg_array(ctx, "a", KILN_T(F32), KILN_IN, kiln_ref(ctx, f.n));
    f.b = kiln_arg_array(ctx, "b", KILN_T(F32), KILN_OUT, kiln_ref(ctx, f.n));
    f.x = kiln_decl(ctx, "x", KILN_T(F32), NULL);
    f.v4 = kiln_decl(ctx, "v4", KILN_V(F32, 4), NULL);
    f.v8 = kiln_decl(ctx, "v8", KILN_V(F32, 8), NULL);
    f.k = kiln_decl(ctx, "kk", KILN_T(I32), kiln_int(ctx, 0));
    CHECK_MSG(!kiln_ctx_failed(ctx), "fixture failed: %s", kiln_errmsg(ctx));
    return f;
}

/* The error starts with this file's name and `line`, contains `needle`, and ends the kernel with NULL. */
static void expect(fixture *f, int line, const char *needle)
{
    char where[64];
    snprintf(where, sizeof where, "test_dsl_errors.c:%d: ", line);
    const char *msg = kiln_errmsg(f->ctx);
    CHECK(kiln_ctx_failed(f->ctx));
    CHECK_MSG(strncmp(msg, where, strlen(where)) == 0, "\"%s\" does not start with \"%s\"", msg, where);
    CHECK_STR_CONTAINS(msg, needle);
    CHECK(kiln_proc_end(f->ctx) == NULL);
    CHECK_MSG(strncmp(kiln_errmsg(f->ctx), where, strlen(where)) == 0, "error changed after proc_end: %s",
              kiln_errmsg(f->ctx));
    kiln_ctx_free(f->ctx);
}

#define X(f) kiln_ref((f).ctx, (f).x)

static void test_assign_errors(void)
{
    fixture f = setup();
    int line = __LINE__; kiln_assign(f.ctx, X(f), kiln_ref(f.ctx, f.v4));
    expect(&f, line, "assignment to 'x': cannot assign f32x4 to f32 'x'");

    f = setup();
    kiln_block_begin(f.ctx);
    kiln_var *tmp = kiln_decl(f.ctx, "tmp", KILN_T(F32), kiln_flt(f.ctx, 1));
    kiln_block_end(f.ctx);
    line = __LINE__; kiln_assign(f.ctx, X(f), kiln_ref(f.ctx, tmp));
    expect(&f, line, "assignment to 'x': undeclared variable 'tmp' (declared in a block that has ended)");

    /* a node built inside the block, used after it ended */
    f = setup();
    kiln_block_begin(f.ctx);
    tmp = kiln_decl(f.ctx, "tmp", KILN_T(F32), NULL);
    kiln_node *early = kiln_add(f.ctx, kiln_ref(f.ctx, tmp), kiln_flt(f.ctx, 1));
    kiln_block_end(f.ctx);
    line = __LINE__; kiln_assign(f.ctx, X(f), early);
    expect(&f, line, "undeclared variable 'tmp' (declared in a block that has ended)");

    f = setup();
    line = __LINE__; kiln_assign(f.ctx, kiln_at(f.ctx, f.a, kiln_int(f.ctx, 0)), kiln_flt(f.ctx, 1));
    expect(&f, line, "write to 'a', an `in` argument");

    f = setup();
    line = __LINE__; kiln_assign_op(f.ctx, KILN_ADD, kiln_ref(f.ctx, f.n), kiln_int(f.ctx, 1));
    expect(&f, line, "write to 'n', an `in` argument");

    f = setup();
    kiln_var *c = kiln_decl_const(f.ctx, "c", KILN_T(F32), kiln_flt(f.ctx, 2));
    line = __LINE__; kiln_assign(f.ctx, kiln_ref(f.ctx, c), kiln_flt(f.ctx, 1));
    expect(&f, line, "write to 'c', a constant");

    f = setup();
    line = __LINE__; kiln_assign(f.ctx, kiln_ref(f.ctx, f.k), X(f));
    expect(&f, line, "assignment to 'kk': cannot assign f32 to i32 'kk'");

    f = setup();
    line = __LINE__; kiln_assign(f.ctx, kiln_ref(f.ctx, f.k), kiln_flt(f.ctx, 1.5));
    expect(&f, line, "cannot assign f32 to i32");

    f = setup();
    kiln_var *d = kiln_decl(f.ctx, "d", KILN_T(F64), kiln_dbl(f.ctx, 1));
    line = __LINE__; kiln_assign(f.ctx, X(f), kiln_ref(f.ctx, d));
    expect(&f, line, "cannot assign f64 to f32 'x' (use kiln_cast)");

    f = setup();
    line = __LINE__; kiln_assign(f.ctx, kiln_ref(f.ctx, f.v4), X(f));
    expect(&f, line, "cannot assign f32 to f32x4 'v4'");

    f = setup();
    line = __LINE__; kiln_assign(f.ctx, kiln_ref(f.ctx, f.v8), kiln_ref(f.ctx, f.v4));
    expect(&f, line, "cannot assign f32x4 to f32x8 'v8'");

    f = setup();
    line = __LINE__; kiln_assign_op(f.ctx, KILN_ADD, kiln_ref(f.ctx, f.k), X(f));
    expect(&f, line, "assignment to 'kk': += gives f32, which cannot be stored in i32 'kk'");

    f = setup();
    line = __LINE__; kiln_assign_op(f.ctx, KILN_LT, X(f), X(f));
    expect(&f, line, "'<' is not a compound assignment operator");

    f = setup();
    line = __LINE__; kiln_assign(f.ctx, kiln_add(f.ctx, X(f), X(f)), X(f));
    expect(&f, line, "the left side is not a variable");
}

static void test_expression_errors(void)
{
    fixture f = setup();
    int line = __LINE__; kiln_decl(f.ctx, "s", KILN_V(F32, 4), kiln_add(f.ctx, kiln_ref(f.ctx, f.v4), kiln_ref(f.ctx, f.v8)));
    expect(&f, line, "declaration of 's': vector width mismatch: f32x4 + f32x8");

    /* kiln_vec: one scalar per lane, each storable in the element type */
    f = setup();
    line = __LINE__; kiln_assign(f.ctx, kiln_ref(f.ctx, f.v4), kiln_vec(f.ctx, KILN_V(F32, 4), X(f), X(f), X(f)));
    expect(&f, line, "kiln_vec of f32x4 given 3 values (one per lane)");

    f = setup();
    line = __LINE__; kiln_assign(f.ctx, kiln_ref(f.ctx, f.v4),
                                 kiln_vec(f.ctx, KILN_V(F32, 4), X(f), kiln_ref(f.ctx, f.v4), X(f), X(f)));
    expect(&f, line, "kiln_vec: lane 1 is a f32x4, not a scalar");

    f = setup();
    kiln_var *dd = kiln_decl(f.ctx, "dd", KILN_T(F64), kiln_dbl(f.ctx, 1));
    line = __LINE__; kiln_assign(f.ctx, kiln_ref(f.ctx, f.v4),
                                 kiln_vec(f.ctx, KILN_V(F32, 4), X(f), X(f), kiln_ref(f.ctx, dd), X(f)));
    expect(&f, line, "kiln_vec: lane 2: cannot assign f64");

    f = setup();
    line = __LINE__; kiln_assign(f.ctx, X(f), kiln_vec(f.ctx, KILN_T(F32), X(f)));
    expect(&f, line, "kiln_vec of type f32");

    f = setup();
    kiln_node *bad = kiln_modp(f.ctx, X(f), X(f));
    line = __LINE__; kiln_assign(f.ctx, X(f), bad);
    expect(&f, line, "assignment to 'x': 'modp' needs integer operands, got f32 and f32");

    f = setup();
    line = __LINE__; kiln_assign(f.ctx, X(f), kiln_bin(f.ctx, KILN_BXOR, X(f), kiln_int(f.ctx, 1)));
    expect(&f, line, "'^' needs integer operands");

    f = setup();
    line = __LINE__; kiln_if_begin(f.ctx, kiln_bin(f.ctx, KILN_AND, X(f), kiln_int(f.ctx, 1)));
    expect(&f, line, "if condition: '&&' needs bool or integer operands, got f32");

    f = setup();
    line = __LINE__; kiln_if_begin(f.ctx, X(f));
    expect(&f, line, "if condition: condition must be a scalar bool or integer, not f32");

    f = setup();
    line = __LINE__; kiln_assign(f.ctx, X(f), kiln_lane(f.ctx, kiln_ref(f.ctx, f.v4), 4));
    expect(&f, line, "lane 4 out of range for f32x4");

    f = setup();
    line = __LINE__; kiln_assign(f.ctx, kiln_ref(f.ctx, f.v4), kiln_vload(f.ctx, 3, f.a, kiln_int(f.ctx, 0)));
    expect(&f, line, "vector load of 3 lanes from 'a' (lanes must be 1, 2, 4, 8 or 16)");

    f = setup();
    /* one lane is an element store, with the element's conversion rules */
    line = __LINE__; kiln_vstore(f.ctx, f.b, kiln_int(f.ctx, 0), kiln_cast(f.ctx, KILN_T(F64), X(f)));
    expect(&f, line, "vector store to 'b':");

    f = setup();
    line = __LINE__; kiln_vstore(f.ctx, f.a, kiln_int(f.ctx, 0), kiln_ref(f.ctx, f.v4));
    expect(&f, line, "vector store to 'a': write to 'a', an `in` argument");

    f = setup();
    line = __LINE__; kiln_assign(f.ctx, X(f), kiln_at(f.ctx, f.a, kiln_int(f.ctx, 0), kiln_int(f.ctx, 1)));
    expect(&f, line, "'a' has 1 dimension, 2 indices given");

    f = setup();
    line = __LINE__; kiln_assign(f.ctx, X(f), kiln_at(f.ctx, f.a, X(f)));
    expect(&f, line, "an index of 'a' is f32, not an integer");

    f = setup();
    line = __LINE__; kiln_assign(f.ctx, X(f), kiln_math(f.ctx, KILN_POW, X(f)));
    expect(&f, line, "pow takes 2 arguments, 1 given");

    f = setup();
    line = __LINE__; kiln_assign(f.ctx, X(f), kiln_math(f.ctx, KILN_SQRT, kiln_ref(f.ctx, f.k)));
    expect(&f, line, "sqrt needs floating-point arguments, got i32 (use kiln_cast)");

    f = setup();
    line = __LINE__; kiln_assign(f.ctx, X(f), kiln_cast(f.ctx, KILN_T(F32), kiln_ref(f.ctx, f.v4)));
    expect(&f, line, "cannot cast f32x4 to f32 (use kiln_lane)");

    f = setup();
    line = __LINE__; kiln_assign(f.ctx, kiln_ref(f.ctx, f.k), kiln_cast(f.ctx, KILN_T(I32), kiln_global_id(f.ctx, 3)));
    expect(&f, line, "work-item dimension 3 out of range 0..2");

    f = setup();
    line = __LINE__; kiln_atomic_add(f.ctx, kiln_at(f.ctx, f.a, kiln_int(f.ctx, 0)), kiln_flt(f.ctx, 1));
    expect(&f, line, "atomic add to 'a': write to 'a', an `in` argument");

    f = setup();
    kiln_var *priv = kiln_decl_array(f.ctx, "priv", KILN_T(F32), 4);
    line = __LINE__; kiln_atomic_add(f.ctx, kiln_at(f.ctx, priv, kiln_int(f.ctx, 0)), kiln_flt(f.ctx, 1));
    expect(&f, line, "atomic add to 'priv': 'priv' must be a global or shared array");

    f = setup();
    kiln_var *kept = kiln_decl_array(f.ctx, "kept", KILN_T(F32), 4);
    line = __LINE__; kiln_prefetch(f.ctx, kiln_at(f.ctx, kept, kiln_int(f.ctx, 0)));
    expect(&f, line, "prefetch of 'kept': 'kept' must be an array argument (global memory)");

    f = setup();
    line = __LINE__; kiln_prefetch(f.ctx, kiln_ref(f.ctx, f.k));
    expect(&f, line, "prefetch of '?': the target must be an array element (kiln_at)");

    f = setup();
    line = __LINE__; kiln_expr_stmt(f.ctx, X(f));
    expect(&f, line, "only a call can be a statement");
}

static void test_structure_errors(void)
{
    fixture f = setup();
    kiln_if_begin(f.ctx, kiln_lt(f.ctx, X(f), kiln_flt(f.ctx, 1)));
    int line = __LINE__; kiln_barrier(f.ctx, KILN_FENCE_LOCAL);
    expect(&f, line, "barrier inside the if of line");

    f = setup();
    kiln_for_begin(f.ctx, "i", kiln_int(f.ctx, 0), kiln_global_id(f.ctx, 0), kiln_int(f.ctx, 1));
    line = __LINE__; kiln_barrier(f.ctx, KILN_FENCE_LOCAL);
    expect(&f, line, "barrier inside the for loop 'i' of line");

    f = setup();
    kiln_for_begin(f.ctx, "i", kiln_int(f.ctx, 0), kiln_ref(f.ctx, f.n), kiln_int(f.ctx, 1));
    line = __LINE__; kiln_decl_shared(f.ctx, "tile", KILN_T(F32), 16, 16);
    expect(&f, line, "declaration of shared array 'tile': shared arrays are declared at a kernel's top level");

    f = setup();
    kiln_for_begin(f.ctx, "i", kiln_int(f.ctx, 0), kiln_ref(f.ctx, f.n), kiln_int(f.ctx, 1));
    line = __LINE__; kiln_for_end_unroll(f.ctx, 0);
    expect(&f, line, "end of for loop 'i': full unroll needs constant start, end and step");

    f = setup();
    int open_line = __LINE__; kiln_for_begin(f.ctx, "i", kiln_int(f.ctx, 0), kiln_int(f.ctx, 4), kiln_int(f.ctx, 1));
    line = __LINE__; kiln_proc_end(f.ctx);
    char open_msg[96];
    snprintf(open_msg, sizeof open_msg, "end of kernel 'k': the for loop 'i' of line %d is still open", open_line);
    expect(&f, line, open_msg);

    f = setup();
    kiln_if_begin(f.ctx, kiln_lt(f.ctx, X(f), kiln_flt(f.ctx, 1)));
    line = __LINE__; kiln_for_end(f.ctx);
    expect(&f, line, "kiln_for_end: the innermost open construct is the if of line");

    f = setup();
    line = __LINE__; kiln_for_begin(f.ctx, "i", kiln_int(f.ctx, 0), kiln_int(f.ctx, 4), kiln_int(f.ctx, 0));
    expect(&f, line, "for loop 'i': step 0 must be positive");

    f = setup();
    line = __LINE__; kiln_arg_scalar(f.ctx, "late", KILN_T(I32));
    expect(&f, line, "argument 'late': arguments must come before the first statement of 'k'");

    f = setup();
    line = __LINE__; kiln_decl(f.ctx, "x", KILN_T(F32), NULL);
    expect(&f, line, "declaration of 'x': 'x' is already declared in this block");

    f = setup();
    line = __LINE__; kiln_decl(f.ctx, "2x", KILN_T(F32), NULL);
    expect(&f, line, "invalid name '2x'");

    f = setup();
    line = __LINE__; kiln_vectors_aligned(f.ctx, f.x);
    expect(&f, line, "aligned vectors of 'x': not an argument or shared array");

    f = setup();
    kiln_var *priv = kiln_decl_array(f.ctx, "priv", KILN_T(F32), 8);
    line = __LINE__; kiln_vectors_aligned(f.ctx, priv);
    expect(&f, line, "aligned vectors of 'priv': not an argument or shared array");

    f = setup();
    line = __LINE__; kiln_fail(f.ctx, "tile %d does not divide %d", 3, 64);
    expect(&f, line, "tile 3 does not divide 64");
}

static void test_procedure_errors(void)
{
    /* a variable of another procedure */
    kiln_ctx *ctx = kiln_ctx_new();
    kiln_func_begin(ctx, "sq", KILN_T(F32));
    kiln_var *p = kiln_arg_scalar(ctx, "p", KILN_T(F32));
    kiln_return(ctx, kiln_mul(ctx, kiln_ref(ctx, p), kiln_ref(ctx, p)));
    kiln_proc *sq = kiln_proc_end(ctx);
    CHECK(sq != NULL);
    kiln_kernel_begin(ctx, "k");
    kiln_var *y = kiln_decl(ctx, "y", KILN_T(F32), NULL);
    int line = __LINE__; kiln_assign(ctx, kiln_ref(ctx, y), kiln_ref(ctx, p));
    fixture f = {.ctx = ctx};
    expect(&f, line, "assignment to 'y': undeclared variable 'p' (it belongs to function 'sq')");

    /* call checks */
    ctx = kiln_ctx_new();
    kiln_func_begin(ctx, "axpy", KILN_T(F32));
    kiln_var *pa = kiln_arg_scalar(ctx, "pa", KILN_T(F32));
    kiln_var *q = kiln_arg_scalar(ctx, "q", KILN_T(F32));
    kiln_return(ctx, kiln_add(ctx, kiln_ref(ctx, pa), kiln_ref(ctx, q)));
    kiln_proc *axpy = kiln_proc_end(ctx);
    kiln_kernel_begin(ctx, "k");
    y = kiln_decl(ctx, "y", KILN_T(F32), NULL);
    kiln_var *v = kiln_decl(ctx, "v", KILN_V(F32, 4), NULL);
    line = __LINE__; kiln_assign(ctx, kiln_ref(ctx, y), kiln_call(ctx, axpy, kiln_flt(ctx, 1)));
    f.ctx = ctx;
    expect(&f, line, "call to 'axpy': 1 argument given, 2 expected");

    ctx = kiln_ctx_new();
    kiln_func_begin(ctx, "axpy", KILN_T(F32));
    pa = kiln_arg_scalar(ctx, "pa", KILN_T(F32));
    q = kiln_arg_scalar(ctx, "q", KILN_T(F32));
    kiln_return(ctx, kiln_add(ctx, kiln_ref(ctx, pa), kiln_ref(ctx, q)));
    axpy = kiln_proc_end(ctx);
    kiln_kernel_begin(ctx, "k");
    y = kiln_decl(ctx, "y", KILN_T(F32), NULL);
    v = kiln_decl(ctx, "v", KILN_V(F32, 4), NULL);
    line = __LINE__; kiln_assign(ctx, kiln_ref(ctx, y), kiln_call(ctx, axpy, kiln_flt(ctx, 1), kiln_ref(ctx, v)));
    f.ctx = ctx;
    expect(&f, line, "call to 'axpy': argument 2 ('q'): cannot assign f32x4 to f32");

    /* a non-void helper must end with a return; a void one returns nothing */
    ctx = kiln_ctx_new();
    kiln_func_begin(ctx, "noret", KILN_T(F32));
    kiln_arg_scalar(ctx, "z", KILN_T(F32));
    line = __LINE__; kiln_proc_end(ctx);
    f.ctx = ctx;
    expect(&f, line, "end of function 'noret': function returning f32 must end with kiln_return");

    ctx = kiln_ctx_new();
    kiln_func_begin(ctx, "vd", KILN_T(VOID));
    line = __LINE__; kiln_return(ctx, kiln_flt(ctx, 1));
    f.ctx = ctx;
    expect(&f, line, "return from 'vd': function 'vd' returns no value");

    /* shared arrays belong to kernels */
    ctx = kiln_ctx_new();
    kiln_func_begin(ctx, "h", KILN_T(VOID));
    line = __LINE__; kiln_decl_shared(ctx, "tile", KILN_T(F32), 8);
    f.ctx = ctx;
    expect(&f, line, "shared arrays are declared at a kernel's top level");

    /* a void call used as a value */
    ctx = kiln_ctx_new();
    kiln_func_begin(ctx, "vd", KILN_T(VOID));
    kiln_proc *vd = kiln_proc_end(ctx);
    kiln_kernel_begin(ctx, "k");
    y = kiln_decl(ctx, "y", KILN_T(F32), NULL);
    line = __LINE__; kiln_assign(ctx, kiln_ref(ctx, y), kiln_add(ctx, kiln_call(ctx, vd), kiln_flt(ctx, 1)));
    f.ctx = ctx;
    expect(&f, line, "void value of 'vd' used in '+'");

    /* a kernel begun inside another */
    ctx = kiln_ctx_new();
    kiln_kernel_begin(ctx, "outer");
    line = __LINE__; kiln_kernel_begin(ctx, "inner");
    f.ctx = ctx;
    expect(&f, line, "kernel 'inner' begun while 'outer' is still open");
}

/* After the first error: the message stays, builders return valid poison, nothing crashes. */
static void test_poison(void)
{
    fixture f = setup();
    kiln_ctx *ctx = f.ctx;
    int line = __LINE__; kiln_assign(ctx, X(f), kiln_ref(ctx, f.v4));
    char first[512];
    snprintf(first, sizeof first, "%s", kiln_errmsg(ctx));

    kiln_node *e = kiln_add(ctx, kiln_ref(ctx, f.n), kiln_int(ctx, 1));
    CHECK(e != NULL);
    CHECK(kiln_node_type(e).scalar == KILN_VOID);
    kiln_var *v = kiln_decl(ctx, "later", KILN_T(F32), e);
    CHECK(v != NULL);
    CHECK(strcmp(kiln_var_name(v), "later") != 0);
    kiln_var *arr = kiln_decl_array(ctx, "arr", KILN_T(F32), 4, 4);
    kiln_var *i = kiln_for_begin(ctx, "i", kiln_int(ctx, 0), kiln_ref(ctx, f.n), kiln_int(ctx, 1));
    kiln_assign(ctx, kiln_at(ctx, arr, kiln_ref(ctx, i), kiln_int(ctx, 1)), kiln_lane(ctx, kiln_ref(ctx, v), 7));
    kiln_vstore(ctx, arr, kiln_ref(ctx, i), kiln_vload(ctx, 4, arr, kiln_ref(ctx, i)));
    kiln_atomic_add(ctx, kiln_at(ctx, arr, kiln_ref(ctx, i)), kiln_math(ctx, KILN_SQRT, e));
    kiln_if_begin(ctx, kiln_select(ctx, e, e, e));
    kiln_else(ctx);
    kiln_barrier(ctx, KILN_FENCE_LOCAL);
    kiln_if_end(ctx);
    kiln_for_end_unroll(ctx, 0);
    kiln_comment(ctx, "x %d", 1);
    kiln_expr_stmt(ctx, kiln_call(ctx, NULL, 0, NULL));
    kiln_return(ctx, NULL);
    kiln_proc *p = kiln_kernel_begin(ctx, "another");
    CHECK(p != NULL);
    kiln_proc_reqd_wg(p, 1, 2, 3);
    CHECK(kiln_fail(ctx, "later failure") == -1);
    CHECK(strcmp(kiln_errmsg(ctx), first) == 0);
    char where[64];
    snprintf(where, sizeof where, "test_dsl_errors.c:%d: ", line);
    CHECK_STR_CONTAINS(kiln_errmsg(ctx), where);
    CHECK(kiln_proc_end(ctx) == NULL);
    kiln_ctx_free(ctx);

    /* a NULL context is survivable too */
    CHECK(kiln_int(NULL, 1) != NULL);
    CHECK(kiln_kernel_begin(NULL, "k") != NULL);
    CHECK(kiln_decl(NULL, "x", KILN_T(F32), NULL) != NULL);
    CHECK(kiln_proc_end(NULL) == NULL);
    CHECK(strcmp(kiln_errmsg(NULL), "") == 0);
    kiln_assign(NULL, NULL, NULL);
}

int main(void)
{
    test_assign_errors();
    test_expression_errors();
    test_structure_errors();
    test_procedure_errors();
    test_poison();
    CHECK_DONE();
}
