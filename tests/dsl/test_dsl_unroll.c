/*
 * test_dsl_unroll.c: the shapes kiln_for_end_unroll produces (copies, main
 * loop step, remainder present or absent, full unroll constants), that they
 * visit exactly the iterations of the plain loop (a small interpreter runs
 * the AST), row-major index flattening, and the dump.
 */
#include "check.h"
#include "dsl/dsl_int.h"

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* The dump on one line (indentation collapsed), for matching whole subtrees. */
static char *flat_dump(const kiln_proc *p)
{
    char *d = kiln_proc_dump(p), *w = d;
    for (const char *r = d; *r; r++) {
        if (*r == '\n') {
            while (r[1] == ' ')
                r++;
            *w++ = ' ';
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    return d;
}

/* ---- a tiny interpreter for integer loops ---- */

typedef struct env {
    const kiln_var *var[64];
    long long val[64];
    int n;
} env;

static long long *slot(env *e, const kiln_var *v)
{
    for (int i = 0; i < e->n; i++)
        if (e->var[i] == v)
            return &e->val[i];
    e->var[e->n] = v;
    e->val[e->n] = 0;
    return &e->val[e->n++];
}

static long long eval(env *e, const kiln_node *n)
{
    switch (n->kind) {
    case KILN_N_LIT: return n->ival;
    case KILN_N_REF: return *slot(e, n->var);
    case KILN_N_BIN: {
        long long a = eval(e, n->kids[0]), b = eval(e, n->kids[1]);
        switch (n->op) {
        case KILN_ADD: return a + b;
        case KILN_SUB: return a - b;
        case KILN_MUL: return a * b;
        case KILN_DIV: return a / b;
        case KILN_LT: return a < b;
        default: break;
        }
    }
    /* fallthrough */
    default:
        CHECK_MSG(0, "interpreter: unexpected %s", kiln_kind_names[n->kind]);
        return 0;
    }
}

static void run(env *e, const kiln_node *s)
{
    for (; s; s = s->next) {
        switch (s->kind) {
        case KILN_N_DECL: *slot(e, s->var) = s->nkids ? eval(e, s->kids[0]) : 0; break;
        case KILN_N_ASSIGN: {
            long long v = eval(e, s->kids[1]), *dst = slot(e, s->kids[0]->var);
            *dst = s->op == KILN_ADD ? *dst + v : v;
            break;
        }
        case KILN_N_BLOCK: run(e, s->body); break;
        case KILN_N_FOR: {
            long long *i = slot(e, s->var);
            for (*i = eval(e, s->kids[0]); *i < eval(e, s->kids[1]); *i += eval(e, s->kids[2]))
                run(e, s->body);
            break;
        }
        default: CHECK_MSG(0, "interpreter: unexpected %s", kiln_kind_names[s->kind]);
        }
    }
}

/* for (i = start; i < end; i += step) { t = i*i; cnt += 1; sum += i; sq += t; } with bounds as
 * arguments (constant = 0) or literals (constant = 1). */
typedef struct loopk {
    kiln_proc *proc;
    kiln_var *args[3], *cnt, *sum, *sq;
} loopk;

static loopk build_loop(kiln_ctx *ctx, int constant, long long s, long long e, long long st, int unroll)
{
    loopk k = {0};
    k.proc = kiln_kernel_begin(ctx, "loop");
    const char *names[3] = {"s", "e", "st"};
    long long vals[3] = {s, e, st};
    kiln_node *b[3];
    for (int i = 0; i < 3; i++) {
        k.args[i] = kiln_arg_scalar(ctx, names[i], KILN_T(I32));
        b[i] = constant ? kiln_int(ctx, vals[i]) : kiln_ref(ctx, k.args[i]);
    }
    k.cnt = kiln_decl(ctx, "cnt", KILN_T(I32), kiln_int(ctx, 0));
    k.sum = kiln_decl(ctx, "sum", KILN_T(I32), kiln_int(ctx, 0));
    k.sq = kiln_decl(ctx, "sq", KILN_T(I32), kiln_int(ctx, 0));
    kiln_var *i = kiln_for_begin(ctx, "i", b[0], b[1], b[2]);
    kiln_var *t = kiln_decl(ctx, "t", KILN_T(I32), kiln_mul(ctx, kiln_ref(ctx, i), kiln_ref(ctx, i)));
    kiln_assign_op(ctx, KILN_ADD, kiln_ref(ctx, k.cnt), kiln_int(ctx, 1));
    kiln_assign_op(ctx, KILN_ADD, kiln_ref(ctx, k.sum), kiln_ref(ctx, i));
    kiln_assign_op(ctx, KILN_ADD, kiln_ref(ctx, k.sq), kiln_ref(ctx, t));
    kiln_for_end_unroll(ctx, unroll);
    CHECK_MSG(kiln_proc_end(ctx) == k.proc, "%s", kiln_errmsg(ctx));
    return k;
}

static void check_semantics(void)
{
    kiln_ctx *ctx = kiln_ctx_new();
    const long long cases[][3] = {{0, 16, 1}, {0, 10, 1}, {3, 10, 1}, {0, 10, 3}, {5, 4, 1},
                                  {10, 3, 2}, {0, 0, 1}, {-7, 9, 2}, {0, 3, 1}, {1, 100, 7}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (int constant = 0; constant <= 1; constant++)
            for (int u = 0; u <= 5; u++) {
                long long s = cases[c][0], e = cases[c][1], st = cases[c][2];
                if (u == 0 && !constant)
                    continue;
                kiln_ctx_reset(ctx);
                loopk k = build_loop(ctx, constant, s, e, st, u);
                if (kiln_ctx_failed(ctx))
                    continue;
                env en = {.n = 0};
                *slot(&en, k.args[0]) = s;
                *slot(&en, k.args[1]) = e;
                *slot(&en, k.args[2]) = st;
                run(&en, k.proc->body);
                long long cnt = 0, sum = 0, sq = 0;
                for (long long i = s; i < e; i += st)
                    cnt++, sum += i, sq += i * i;
                CHECK_MSG(*slot(&en, k.cnt) == cnt && *slot(&en, k.sum) == sum && *slot(&en, k.sq) == sq,
                          "loop %lld..%lld step %lld unroll %d %s: cnt %lld sum %lld sq %lld, want %lld %lld %lld",
                          s, e, st, u, constant ? "const" : "var", *slot(&en, k.cnt), *slot(&en, k.sum),
                          *slot(&en, k.sq), cnt, sum, sq);
            }
    kiln_ctx_free(ctx);
}

/* for i in [0, n) unrolled ui { for j in [i, n) step 2 unrolled uj { sum += i*j; cnt += 1 } } */
static void check_nested(void)
{
    kiln_ctx *ctx = kiln_ctx_new();
    for (int ui = 0; ui <= 3; ui++)
        for (int uj = 1; uj <= 3; uj++)
            for (int n = 0; n <= 7; n++) {
                kiln_ctx_reset(ctx);
                kiln_proc *p = kiln_kernel_begin(ctx, "nest");
                kiln_var *na = kiln_arg_scalar(ctx, "n", KILN_T(I32));
                kiln_var *cnt = kiln_decl(ctx, "cnt", KILN_T(I32), kiln_int(ctx, 0));
                kiln_var *sum = kiln_decl(ctx, "sum", KILN_T(I32), kiln_int(ctx, 0));
                /* a full unroll needs constant bounds: then the outer bound is the literal n */
                kiln_var *i = kiln_for_begin(ctx, "i", kiln_int(ctx, 0), ui == 0 ? kiln_int(ctx, n) : kiln_ref(ctx, na),
                                             kiln_int(ctx, 1));
                kiln_var *j = kiln_for_begin(ctx, "j", kiln_ref(ctx, i), kiln_ref(ctx, na), kiln_int(ctx, 2));
                kiln_assign_op(ctx, KILN_ADD, kiln_ref(ctx, sum), kiln_mul(ctx, kiln_ref(ctx, i), kiln_ref(ctx, j)));
                kiln_assign_op(ctx, KILN_ADD, kiln_ref(ctx, cnt), kiln_int(ctx, 1));
                kiln_for_end_unroll(ctx, uj);
                kiln_for_end_unroll(ctx, ui);
                CHECK_MSG(kiln_proc_end(ctx) == p, "%s", kiln_errmsg(ctx));
                env en = {.n = 0};
                *slot(&en, na) = n;
                run(&en, p->body);
                long long want_cnt = 0, want_sum = 0;
                for (int a = 0; a < n; a++)
                    for (int b = a; b < n; b += 2)
                        want_cnt++, want_sum += a * b;
                CHECK_MSG(*slot(&en, cnt) == want_cnt && *slot(&en, sum) == want_sum,
                          "nested n=%d ui=%d uj=%d: cnt %lld sum %lld, want %lld %lld", n, ui, uj, *slot(&en, cnt),
                          *slot(&en, sum), want_cnt, want_sum);
            }
    kiln_ctx_free(ctx);
}

static void check_shapes(void)
{
    kiln_ctx *ctx = kiln_ctx_new();

    /* constant trip count divisible by u: one loop, u copies, no remainder */
    loopk k = build_loop(ctx, 1, 0, 16, 1, 4);
    char *d = flat_dump(k.proc);
    CHECK_MSG(count(d, "(for ") == 1, "%s", d);
    CHECK(count(d, "(block") == 4);
    CHECK(count(d, "(decl t#") == 4);
    CHECK_STR_CONTAINS(d, "(lit 0 i32) (lit 16 i32) (lit 4 i32)"); /* start, end, step*u */
    CHECK_STR_CONTAINS(d, "(bin + i32 (ref i#");                      /* copies see i + k */
    CHECK_STR_CONTAINS(d, ") (lit 3 i32))");
    /* each copy declares its own t */
    const kiln_node *main_loop = k.proc->body->next->next->next;
    CHECK(main_loop->kind == KILN_N_FOR && main_loop->next == NULL);
    const kiln_var *seen[4];
    int ncopies = 0;
    for (const kiln_node *b = main_loop->body; b; b = b->next, ncopies++) {
        CHECK(b->kind == KILN_N_BLOCK && b->body->kind == KILN_N_DECL);
        seen[ncopies < 4 ? ncopies : 3] = b->body->var;
    }
    CHECK(ncopies == 4 && seen[0] != seen[1] && seen[1] != seen[2] && seen[2] != seen[3]);
    free(d);

    /* constant, not divisible: main loop to the literal split, remainder from it */
    kiln_ctx_reset(ctx);
    k = build_loop(ctx, 1, 0, 10, 1, 4);
    d = flat_dump(k.proc);
    CHECK(count(d, "(for ") == 2);
    CHECK(count(d, "(block") == 4);
    CHECK_STR_CONTAINS(d, "(lit 0 i32) (lit 8 i32) (lit 4 i32)");
    CHECK_STR_CONTAINS(d, "(lit 8 i32) (lit 10 i32) (lit 1 i32)");
    free(d);

    /* bounds unknown: BLOCK { const i_split = ...; main; remainder } */
    kiln_ctx_reset(ctx);
    k = build_loop(ctx, 0, 0, 0, 0, 2);
    d = flat_dump(k.proc);
    CHECK(count(d, "(for ") == 2);
    CHECK(count(d, "(block") == 3);
    CHECK_STR_CONTAINS(d, "(block (decl i_split#");
    CHECK_STR_CONTAINS(d, " const i32 (bin + i32 (ref s#");
    const kiln_node *blk = k.proc->body->next->next->next;
    CHECK(blk->kind == KILN_N_BLOCK && blk->body->kind == KILN_N_DECL && blk->body->var->is_const);
    const kiln_node *m = blk->body->next, *rem = m ? m->next : NULL;
    CHECK(m && m->kind == KILN_N_FOR && m->kids[1]->kind == KILN_N_REF && m->kids[1]->var == blk->body->var);
    CHECK(rem && rem->kind == KILN_N_FOR && rem->kids[0]->var == blk->body->var && rem->next == NULL);
    CHECK(m && rem && m->var != rem->var && strcmp(m->var->name, rem->var->name) == 0);
    CHECK(rem && rem->body->kind == KILN_N_DECL); /* the remainder keeps the body as built */
    free(d);

    /* full unroll: one block per iteration, the variable replaced by its value */
    kiln_ctx_reset(ctx);
    k = build_loop(ctx, 1, 2, 8, 2, 0);
    d = flat_dump(k.proc);
    CHECK(count(d, "(for ") == 0);
    CHECK(count(d, "(block") == 3);
    /* i = 2, 4, 6; i*i folds to a literal */
    CHECK_STR_CONTAINS(d, "(block (decl t#8 i32 (lit 4 i32)) (assign += (ref cnt#3 i32) (lit 1 i32)) "
                          "(assign += (ref sum#4 i32) (lit 2 i32)) (assign += (ref sq#5 i32) (ref t#8 i32)))");
    CHECK_STR_CONTAINS(d, "(decl t#9 i32 (lit 16 i32))");
    CHECK_STR_CONTAINS(d, "(decl t#10 i32 (lit 36 i32))");
    CHECK_STR_CONTAINS(d, "(assign += (ref sum#4 i32) (lit 6 i32))");
    CHECK(count(d, "(ref i#") == 0);
    free(d);

    /* a full unroll of zero iterations leaves nothing */
    kiln_ctx_reset(ctx);
    k = build_loop(ctx, 1, 5, 5, 1, 0);
    d = flat_dump(k.proc);
    CHECK(count(d, "(block") == 0 && count(d, "(for ") == 0);
    free(d);
    kiln_ctx_free(ctx);
}

static void check_flattening(void)
{
    kiln_ctx *ctx = kiln_ctx_new();
    kiln_proc *p = kiln_kernel_begin(ctx, "flat");
    kiln_var *n = kiln_arg_scalar(ctx, "n", KILN_T(I32));
    kiln_var *m = kiln_arg_scalar(ctx, "m", KILN_T(I32));
    kiln_var *a = kiln_arg_array(ctx, "a", KILN_T(F32), KILN_INOUT, kiln_ref(ctx, n), kiln_ref(ctx, m),
                                 kiln_int(ctx, 5));
    kiln_var *acc = kiln_decl_array(ctx, "acc", KILN_T(F32), 4, 4);
    kiln_var *i = kiln_decl(ctx, "i", KILN_T(I32), kiln_int(ctx, 1));
    kiln_var *j = kiln_decl(ctx, "j", KILN_T(I32), kiln_int(ctx, 2));
    kiln_node *e = kiln_at(ctx, a, kiln_ref(ctx, i), kiln_ref(ctx, j), kiln_int(ctx, 3));
    CHECK(e->kind == KILN_N_ELEM && e->nkids == 1);
    kiln_assign(ctx, e, kiln_flt(ctx, 1));
    kiln_var *r = kiln_for_begin(ctx, "r", kiln_int(ctx, 0), kiln_int(ctx, 4), kiln_int(ctx, 1));
    kiln_assign(ctx, kiln_at(ctx, acc, kiln_ref(ctx, r), kiln_ref(ctx, j)), kiln_flt(ctx, 0));
    kiln_for_end_unroll(ctx, 0);
    CHECK_MSG(kiln_proc_end(ctx) == p, "%s", kiln_errmsg(ctx));
    CHECK(acc->ndims == 2 && acc->dims[0]->kind == KILN_N_LIT && acc->dims[1]->ival == 4);
    char *d = flat_dump(p);
    /* ((i*m)+j)*5+3 */
    CHECK_STR_CONTAINS(d, "(assign (elem a#2 f32 (bin + i32 (bin * i32 (bin + i32 (bin * i32 (ref i#4 i32) "
                          "(ref m#1 i32)) (ref j#5 i32)) (lit 5 i32)) (lit 3 i32))) (lit 1 f32))");
    CHECK_STR_CONTAINS(d, "(decl acc#3 f32 private [4 4])");
    /* full unroll folds the constant part of the index: acc[2][j] -> 8 + j */
    CHECK_STR_CONTAINS(d, "(elem acc#3 f32 (bin + i32 (lit 8 i32) (ref j#5 i32)))");
    CHECK_STR_CONTAINS(d, "(elem acc#3 f32 (ref j#5 i32))");
    CHECK_STR_CONTAINS(d, "(arg a#2 f32 global inout (dims (ref n#0 i32) (ref m#1 i32) (lit 5 i32)))");
    free(d);

    /* the dump is deterministic: same build, same text */
    char *d1 = kiln_proc_dump(p), *d2 = kiln_proc_dump(p);
    CHECK(strcmp(d1, d2) == 0);
    CHECK(d1[0] == '(' && strchr(d1, '\n') != NULL);
    free(d1);
    free(d2);
    kiln_ctx_free(ctx);
}

int main(void)
{
    check_semantics();
    check_nested();
    check_shapes();
    check_flattening();
    CHECK_DONE();
}
