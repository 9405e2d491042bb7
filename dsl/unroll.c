/*
 * unroll.c: kiln_for_end's unrolling, by deep copy of the loop body with the
 * loop variable replaced.
 *
 * u == 1: the loop as built.
 * u > 1:  a main loop stepping u*step whose body is u BLOCKs, copy k seeing
 *         the loop variable as (i + k*step), then the original loop as the
 *         remainder, starting where the main loop stopped. With constant
 *         bounds the split point is a literal (and the remainder is left out
 *         when the trip count is a multiple of u); otherwise both loops sit
 *         in a BLOCK after `const T <i>_split = start + ((end-start+step-1)/(u*step))*(u*step)`.
 * u == 0: one BLOCK per iteration with the variable replaced by its value.
 * Variables declared in the body are copied too, so every copy has its own.
 */
#include <stdio.h>
#include <string.h>
#include "dsl/dsl_priv.h"

enum { FULL_UNROLL_LIMIT = 4096 };

typedef struct subst {
    const kiln_var *from;
    kiln_var *to;       /* a renamed copy, or */
    kiln_node *repl;    /* the expression that replaces its value */
    struct subst *next;
} subst;

static const subst *lookup(const subst *m, const kiln_var *v)
{
    for (; m; m = m->next)
        if (m->from == v)
            return m;
    return NULL;
}

static kiln_var *map_var(const subst *m, kiln_var *v)
{
    const subst *s = v ? lookup(m, v) : NULL;
    return s && s->to ? s->to : v;
}

static kiln_var *copy_var(kiln_ctx *ctx, subst **m, kiln_var *v)
{
    kiln_var *c = dsl_alloc(ctx, sizeof *c);
    *c = *v;
    c->id = ctx->next_id++;
    c->live = 0;
    c->scope_next = NULL;
    subst *s = dsl_alloc(ctx, sizeof *s);
    s->from = v;
    s->to = c;
    s->next = *m;
    *m = s;
    return c;
}

static kiln_node *clone_expr(kiln_ctx *ctx, const kiln_node *n, subst **m)
{
    if (!n)
        return NULL;
    if (n->kind == KILN_N_REF) {
        const subst *s = lookup(*m, n->var);
        if (s && s->repl)
            return s->repl;
    }
    kiln_node *c = dsl_node(ctx, n->kind, n->type, 0);
    kiln_node **kids = NULL;
    if (n->nkids) {
        kids = dsl_alloc(ctx, sizeof *kids * (size_t)n->nkids);
        if (!kids)
            return dsl_poison(ctx);
    }
    *c = *n;
    c->kids = kids;
    c->next = NULL;
    c->var = map_var(*m, n->var);
    for (int i = 0; i < n->nkids; i++)
        c->kids[i] = clone_expr(ctx, n->kids[i], m);
    /* fold what the substitution made constant: a[(0*4)+j] -> a[j] */
    if (c->kind == KILN_N_BIN && (c->op == KILN_ADD || c->op == KILN_SUB || c->op == KILN_MUL) &&
        c->type.lanes == 1 && dsl_is_int(c->type.scalar) && c->kids[0]->type.scalar == c->type.scalar &&
        c->kids[1]->type.scalar == c->type.scalar)
        return dsl_arith(ctx, (kiln_binop)c->op, c->kids[0], c->kids[1]);
    return c;
}

static kiln_node *clone_stmts(kiln_ctx *ctx, const kiln_node *list, subst **m);

static kiln_node *clone_stmt(kiln_ctx *ctx, const kiln_node *n, subst **m)
{
    kiln_node *c = dsl_node(ctx, n->kind, n->type, 0);
    kiln_node **kids = NULL;
    if (n->nkids) {
        kids = dsl_alloc(ctx, sizeof *kids * (size_t)n->nkids);
        if (!kids)
            return c;
    }
    *c = *n;
    c->kids = kids;
    c->next = NULL;
    for (int i = 0; i < n->nkids; i++)
        c->kids[i] = clone_expr(ctx, n->kids[i], m);
    /* declared variables get their copy after the initialiser/bounds are cloned */
    if (n->kind == KILN_N_DECL || n->kind == KILN_N_FOR)
        c->var = copy_var(ctx, m, n->var);
    else
        c->var = map_var(*m, n->var);
    c->body = clone_stmts(ctx, n->body, m);
    c->els = clone_stmts(ctx, n->els, m);
    return c;
}

static kiln_node *clone_stmts(kiln_ctx *ctx, const kiln_node *list, subst **m)
{
    kiln_node *head = NULL, **tail = &head;
    for (; list; list = list->next) {
        *tail = clone_stmt(ctx, list, m);
        tail = &(*tail)->next;
    }
    return head;
}

/* BLOCK { body with `var` replaced by `repl` } */
static kiln_node *copy_block(kiln_ctx *ctx, const kiln_node *loop, kiln_node *repl)
{
    subst *m = dsl_alloc(ctx, sizeof *m);
    m->from = loop->var;
    m->repl = repl;
    kiln_node *b = dsl_node(ctx, KILN_N_BLOCK, KILN_T(VOID), 0);
    b->loc = loop->loc;
    b->body = clone_stmts(ctx, loop->body, &m);
    return b;
}

static kiln_node *new_stmt(kiln_ctx *ctx, kiln_kind kind, kiln_loc loc, int nkids)
{
    kiln_node *n = dsl_node(ctx, kind, KILN_T(VOID), nkids);
    n->loc = loc;
    return n;
}

static long long trip_count(long long s, long long e, long long st)
{
    return e > s ? (e - s + st - 1) / st : 0;
}

static void full_unroll(kiln_ctx *ctx, kiln_loc loc, kiln_node *loop, int is_const)
{
    const char *name = loop->var->name;
    if (!is_const) {
        dsl_error(ctx, loc, "end of for loop '%s': full unroll needs constant start, end and step", name);
        return;
    }
    long long s = loop->kids[0]->ival, st = loop->kids[2]->ival;
    long long n = trip_count(s, loop->kids[1]->ival, st);
    if (n > FULL_UNROLL_LIMIT) {
        dsl_error(ctx, loc, "end of for loop '%s': full unroll would make %lld copies (limit %d)", name, n,
                  FULL_UNROLL_LIMIT);
        return;
    }
    kiln_node *head = NULL, **tail = &head;
    for (long long k = 0; k < n; k++) {
        *tail = copy_block(ctx, loop, dsl_lit_int(ctx, loop->var->type.scalar, s + k * st));
        tail = &(*tail)->next;
    }
    if (head)
        dsl_append(ctx, head);
}

/* The main loop: fresh variable of the same name, step u*step, u copies of the body. */
static kiln_node *main_loop(kiln_ctx *ctx, kiln_node *loop, int u, kiln_node *end)
{
    kiln_var *i = loop->var;
    subst *unused = NULL;
    kiln_var *mi = copy_var(ctx, &unused, i);
    kiln_type t = i->type;
    kiln_node *step = loop->kids[2];
    kiln_node *m = new_stmt(ctx, KILN_N_FOR, loop->loc, 3);
    m->var = mi;
    m->kids[0] = loop->kids[0];
    m->kids[1] = end;
    m->kids[2] = dsl_arith(ctx, KILN_MUL, dsl_lit_int(ctx, t.scalar, u), step);
    kiln_node **tail = &m->body;
    for (int k = 0; k < u; k++) {
        kiln_node *off = dsl_arith(ctx, KILN_MUL, dsl_lit_int(ctx, t.scalar, k), step);
        *tail = copy_block(ctx, loop, dsl_arith(ctx, KILN_ADD, dsl_ref(ctx, mi), off));
        tail = &(*tail)->next;
    }
    return m;
}

void dsl_finish_for(kiln_ctx *ctx, kiln_loc loc, kiln_node *loop, int unroll)
{
    kiln_node *start = loop->kids[0], *end = loop->kids[1], *step = loop->kids[2];
    int is_const = start->kind == KILN_N_LIT && end->kind == KILN_N_LIT && step->kind == KILN_N_LIT;
    if (unroll == 1) {
        dsl_append(ctx, loop);
        return;
    }
    if (unroll == 0) {
        full_unroll(ctx, loc, loop, is_const);
        return;
    }
    kiln_scalar t = loop->var->type.scalar;
    if (is_const) {
        long long n = trip_count(start->ival, end->ival, step->ival);
        long long chunks = n / unroll;
        if (n % unroll == 0) {
            dsl_append(ctx, main_loop(ctx, loop, unroll, end));
            return;
        }
        if (chunks == 0) { /* fewer iterations than copies: the remainder is the whole loop */
            dsl_append(ctx, loop);
            return;
        }
        kiln_node *split = dsl_lit_int(ctx, t, start->ival + chunks * unroll * step->ival);
        kiln_node *m = main_loop(ctx, loop, unroll, split);
        loop->kids[0] = split;
        m->next = loop;
        dsl_append(ctx, m);
        return;
    }
    char name[96];
    snprintf(name, sizeof name, "%s_split", loop->var->name);
    for (int k = 2; dsl_name_live(ctx, name); k++)
        snprintf(name, sizeof name, "%s_split%d", loop->var->name, k);
    kiln_var *sv = dsl_new_var(ctx, loc, name, loop->var->type, KILN_MEM_PRIVATE);
    sv->is_const = 1;
    kiln_node *chunk = dsl_arith(ctx, KILN_MUL, dsl_lit_int(ctx, t, unroll), step);
    kiln_node *span = dsl_arith(ctx, KILN_ADD, dsl_arith(ctx, KILN_SUB, end, start),
                                dsl_arith(ctx, KILN_SUB, step, dsl_lit_int(ctx, t, 1)));
    kiln_node *splitv = dsl_arith(ctx, KILN_ADD, start,
                                  dsl_arith(ctx, KILN_MUL, dsl_arith(ctx, KILN_DIV, span, chunk), chunk));
    kiln_node *decl = new_stmt(ctx, KILN_N_DECL, loc, 1);
    decl->var = sv;
    decl->kids[0] = splitv;
    kiln_node *m = main_loop(ctx, loop, unroll, dsl_ref(ctx, sv));
    loop->kids[0] = dsl_ref(ctx, sv);
    kiln_node *blk = new_stmt(ctx, KILN_N_BLOCK, loc, 0);
    blk->body = decl;
    decl->next = m;
    m->next = loop;
    dsl_append(ctx, blk);
}
