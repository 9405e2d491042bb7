/*
 * expr.c: expression builders and the node constructors shared with the
 * statement builders and the unroller.
 *
 * Expression builders have no source location: a failed check records its
 * message and returns the poison node; the next statement builder adds its
 * own FILE:LINE and says which statement it was (see dsl_stmt_enter).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "dsl/dsl_priv.h"

static kiln_node null_ctx_poison = {.kind = KILN_N_LIT, .op = -1};

static const char *const binop_names[] = {
    [KILN_ADD] = "+",   [KILN_SUB] = "-",   [KILN_MUL] = "*",   [KILN_DIV] = "/",    [KILN_MOD] = "%",
    [KILN_MODP] = "modp", [KILN_LT] = "<",  [KILN_LE] = "<=",   [KILN_GT] = ">",     [KILN_GE] = ">=",
    [KILN_EQ] = "==",   [KILN_NE] = "!=",   [KILN_AND] = "&&",  [KILN_OR] = "||",    [KILN_BAND] = "&",
    [KILN_BOR] = "|",   [KILN_BXOR] = "^",  [KILN_SHL] = "<<",  [KILN_SHR] = ">>",   [KILN_MIN] = "min",
    [KILN_MAX] = "max",
};

const char *binop_name(int op)
{
    return op >= 0 && op <= KILN_MAX ? binop_names[op] : "?";
}

static const char *const math_names[] = {"sqrt", "exp", "log", "sin", "cos", "pow", "fabs", "fma", "floor"};
static const char *const unop_names[] = {"-", "!", "~"};

kiln_node *dsl_node(kiln_ctx *ctx, kiln_kind kind, kiln_type type, int nkids)
{
    kiln_node *n = dsl_alloc(ctx, sizeof *n);
    n->kind = kind;
    n->type = type;
    n->op = -1;
    if (nkids > 0) {
        n->kids = dsl_alloc(ctx, sizeof *n->kids * (size_t)nkids);
        if (!n->kids) {
            n->kids = &n->next; /* out of memory: the error is set; keep writes in bounds */
            nkids = 1;
        }
    }
    n->nkids = nkids;
    return n;
}

kiln_node *dsl_lit_int(kiln_ctx *ctx, kiln_scalar s, long long v)
{
    kiln_node *n = dsl_node(ctx, KILN_N_LIT, (kiln_type){s, 1}, 0);
    n->ival = v;
    n->fval = (double)v;
    return n;
}

kiln_node *dsl_ref(kiln_ctx *ctx, kiln_var *v)
{
    kiln_node *n = dsl_node(ctx, KILN_N_REF, v->type, 0);
    n->var = v;
    return n;
}

kiln_node *dsl_cast(kiln_ctx *ctx, kiln_type to, kiln_node *a)
{
    kiln_node *n = dsl_node(ctx, KILN_N_CAST, to, 1);
    n->kids[0] = a;
    return n;
}

static int is_int_lit(const kiln_node *n, long long v)
{
    return n->kind == KILN_N_LIT && dsl_is_int(n->type.scalar) && n->ival == v;
}

static int fits(kiln_scalar s, long long v)
{
    switch (s) {
    case KILN_I32: return v >= INT_MIN && v <= INT_MAX;
    case KILN_U32: return v >= 0 && v <= (long long)UINT_MAX;
    case KILN_I64: return 1;
    case KILN_U64: return v >= 0;
    default: return 0; /* narrow types are not folded */
    }
}

kiln_node *dsl_arith(kiln_ctx *ctx, kiln_binop op, kiln_node *a, kiln_node *b)
{
    kiln_type t;
    char err[128];
    if (!dsl_unify(ctx, binop_name(op), &a, &b, &t, err, sizeof err))
        return dsl_expr_error(ctx, "%s", err);
    if ((op == KILN_ADD && is_int_lit(a, 0)) || (op == KILN_MUL && is_int_lit(a, 1)))
        return b;
    if (((op == KILN_ADD || op == KILN_SUB) && is_int_lit(b, 0)) || (op == KILN_MUL && is_int_lit(b, 1)))
        return a;
    if (a->kind == KILN_N_LIT && b->kind == KILN_N_LIT && dsl_is_int(t.scalar) && t.lanes == 1) {
        long long x = a->ival, y = b->ival, r = 0;
        int ok = 1;
        switch (op) {
        case KILN_ADD: ok = !__builtin_add_overflow(x, y, &r); break;
        case KILN_SUB: ok = !__builtin_sub_overflow(x, y, &r); break;
        case KILN_MUL: ok = !__builtin_mul_overflow(x, y, &r); break;
        case KILN_DIV: ok = y > 0 && x >= 0; r = ok ? x / y : 0; break;
        default: ok = 0;
        }
        if (ok && fits(t.scalar, r)) {
            kiln_node *n = dsl_lit_int(ctx, t.scalar, r);
            n->weak = a->weak && b->weak;
            return n;
        }
    }
    kiln_node *n = dsl_node(ctx, KILN_N_BIN, t, 2);
    n->op = op;
    n->kids[0] = a;
    n->kids[1] = b;
    return n;
}

/* ---- operand checks ---- */

/* 1 if n can be used as a value; otherwise the error is recorded. */
static int operand_ok(kiln_ctx *ctx, const kiln_node *n, const char *where)
{
    if (!n) {
        dsl_expr_error(ctx, "missing operand (NULL) of %s", where);
        return 0;
    }
    if (n->type.scalar == KILN_VOID) {
        if (n->kind == KILN_N_CALL)
            dsl_expr_error(ctx, "void value of '%s' used in %s", n->callee->name, where);
        else
            dsl_expr_error(ctx, "invalid operand of %s (a node from an earlier error or another context)", where);
        return 0;
    }
    return 1;
}

/* Why v cannot be used here, or NULL. */
const char *dsl_var_problem(kiln_ctx *ctx, const kiln_var *v, char *buf, size_t len)
{
    if (!v)
        return "missing variable (NULL)";
    if (v == &ctx->poison_var || v->id < 0)
        return "invalid variable (from an earlier error)";
    if (!ctx->cur_proc) {
        snprintf(buf, len, "variable '%s' used outside a procedure", v->name);
        return buf;
    }
    if (v->owner != ctx->cur_proc) {
        snprintf(buf, len, "undeclared variable '%s' (it belongs to %s '%s')", v->name,
                 v->owner && v->owner->is_kernel ? "kernel" : "function", v->owner ? v->owner->name : "?");
        return buf;
    }
    if (!v->live) {
        snprintf(buf, len, "undeclared variable '%s' (declared in a block that has ended)", v->name);
        return buf;
    }
    return NULL;
}

static int var_ok(kiln_ctx *ctx, const kiln_var *v)
{
    char buf[160];
    const char *why = dsl_var_problem(ctx, v, buf, sizeof buf);
    if (why)
        dsl_expr_error(ctx, "%s", why);
    return why == NULL;
}

#define GUARD(ctx)                     \
    do {                               \
        if (!(ctx))                    \
            return &null_ctx_poison;   \
        if ((ctx)->failed)             \
            return &(ctx)->poison_node; \
    } while (0)

/* After an error, variable-like builders still say which variable they name, so
 * that the statement the error is reported on can name its target whatever
 * order C evaluated the arguments in. */
static kiln_node *named_poison(kiln_ctx *ctx, kiln_kind kind, kiln_var *var, kiln_node *kid)
{
    kiln_node *n = dsl_node(ctx, kind, KILN_T(VOID), kid ? 1 : 0);
    n->var = var;
    if (kid)
        n->kids[0] = kid;
    return n;
}

/* ---- literals and variables ---- */

kiln_node *kiln_int(kiln_ctx *ctx, long long v)
{
    GUARD(ctx);
    kiln_node *n = dsl_lit_int(ctx, v >= INT_MIN && v <= INT_MAX ? KILN_I32 : KILN_I64, v);
    n->weak = 1;
    return n;
}

static kiln_node *lit_float(kiln_ctx *ctx, kiln_scalar s, double v, int weak)
{
    kiln_node *n = dsl_node(ctx, KILN_N_LIT, (kiln_type){s, 1}, 0);
    if (s == KILN_F32)
        v = (float)v;
    n->fval = v;
    n->ival = (long long)v;
    n->weak = weak;
    return n;
}

kiln_node *kiln_flt(kiln_ctx *ctx, double v)
{
    GUARD(ctx);
    return lit_float(ctx, KILN_F32, v, 1);
}

kiln_node *kiln_dbl(kiln_ctx *ctx, double v)
{
    GUARD(ctx);
    return lit_float(ctx, KILN_F64, v, 0);
}

kiln_node *kiln_lit(kiln_ctx *ctx, kiln_type type, double v)
{
    GUARD(ctx);
    char ts[24];
    if (type.lanes != 1 || type.scalar <= KILN_VOID || type.scalar >= KILN_SCALAR_COUNT)
        return dsl_expr_error(ctx, "kiln_lit needs a scalar type, got %s", dsl_type_str(type, ts));
    if (kiln_scalar_is_float(type.scalar))
        return lit_float(ctx, type.scalar, v, 0);
    return dsl_lit_int(ctx, type.scalar, type.scalar == KILN_BOOL ? v != 0 : (long long)v);
}

kiln_node *kiln_ref(kiln_ctx *ctx, kiln_var *var)
{
    if (ctx && ctx->failed)
        return named_poison(ctx, KILN_N_REF, var, NULL);
    GUARD(ctx);
    if (!var_ok(ctx, var))
        return dsl_poison(ctx);
    if (var->is_array)
        return dsl_expr_error(ctx, "'%s' is an array: use kiln_at or kiln_vload", var->name);
    return dsl_ref(ctx, var);
}

static int index_ok(kiln_ctx *ctx, const kiln_node *idx, const char *what, const char *name)
{
    char ts[24];
    if (!operand_ok(ctx, idx, what))
        return 0;
    if (idx->type.lanes != 1 || !dsl_is_int(idx->type.scalar)) {
        dsl_expr_error(ctx, "%s of '%s' is %s, not an integer", what, name, dsl_type_str(idx->type, ts));
        return 0;
    }
    return 1;
}

kiln_node *dsl_flatten(kiln_ctx *ctx, kiln_var *array, int nidx, kiln_node *const *idx)
{
    if (!var_ok(ctx, array))
        return dsl_poison(ctx);
    if (!array->is_array)
        return dsl_expr_error(ctx, "'%s' is not an array: use kiln_ref", array->name);
    if (nidx != array->ndims)
        return dsl_expr_error(ctx, "'%s' has %d dimension%s, %d ind%s given", array->name, array->ndims,
                              array->ndims == 1 ? "" : "s", nidx, nidx == 1 ? "ex" : "ices");
    for (int i = 0; i < nidx; i++)
        if (!index_ok(ctx, idx[i], "an index", array->name))
            return dsl_poison(ctx);
    /* row-major: ((i0*d1)+i1)*d2+i2 */
    kiln_node *flat = idx[0];
    for (int i = 1; i < nidx; i++)
        flat = dsl_arith(ctx, KILN_ADD, dsl_arith(ctx, KILN_MUL, flat, array->dims[i]), idx[i]);
    return ctx->failed ? dsl_poison(ctx) : flat;
}

kiln_node *dsl_elem(kiln_ctx *ctx, kiln_var *array, kiln_node *flat)
{
    kiln_node *n = dsl_node(ctx, KILN_N_ELEM, array->type, 1);
    n->var = array;
    n->kids[0] = flat;
    return n;
}

kiln_node *kiln_elem(kiln_ctx *ctx, kiln_var *array, int nidx, kiln_node *const *idx)
{
    if (ctx && ctx->failed)
        return named_poison(ctx, KILN_N_ELEM, array, NULL);
    GUARD(ctx);
    kiln_node *flat = dsl_flatten(ctx, array, nidx, idx);
    return ctx->failed ? dsl_poison(ctx) : dsl_elem(ctx, array, flat);
}

/* ---- operators ---- */

kiln_node *kiln_bin(kiln_ctx *ctx, kiln_binop op, kiln_node *a, kiln_node *b)
{
    GUARD(ctx);
    char where[32], sa[24], sb[24], err[128];
    if ((unsigned)op > KILN_MAX)
        return dsl_expr_error(ctx, "unknown binary operator %d", (int)op);
    snprintf(where, sizeof where, "'%s'", binop_name(op));
    if (!operand_ok(ctx, a, where) || !operand_ok(ctx, b, where))
        return dsl_poison(ctx);
    kiln_scalar x = a->type.scalar, y = b->type.scalar;
    int cmp = op >= KILN_LT && op <= KILN_NE, logical = op == KILN_AND || op == KILN_OR;
    int intonly = op == KILN_MOD || op == KILN_MODP || (op >= KILN_BAND && op <= KILN_SHR);
    int ok;
    if (logical)
        ok = (x == KILN_BOOL || dsl_is_int(x)) && (y == KILN_BOOL || dsl_is_int(y));
    else if (op == KILN_EQ || op == KILN_NE)
        ok = (x == KILN_BOOL && y == KILN_BOOL) || (dsl_is_numeric(x) && dsl_is_numeric(y));
    else if (intonly)
        ok = dsl_is_int(x) && dsl_is_int(y);
    else
        ok = dsl_is_numeric(x) && dsl_is_numeric(y);
    if (!ok)
        return dsl_expr_error(ctx, "%s needs %s operands, got %s and %s", where,
                              logical ? "bool or integer" : intonly ? "integer" : "numeric",
                              dsl_type_str(a->type, sa), dsl_type_str(b->type, sb));
    kiln_type t;
    if (!dsl_unify(ctx, binop_name(op), &a, &b, &t, err, sizeof err))
        return dsl_expr_error(ctx, "%s", err);
    if (cmp || logical) {
        if (t.lanes > 1)
            t.scalar = dsl_int_of_bytes(kiln_scalar_bytes(t.scalar));
        else
            t.scalar = KILN_BOOL;
    }
    kiln_node *n = dsl_node(ctx, KILN_N_BIN, t, 2);
    n->op = op;
    n->kids[0] = a;
    n->kids[1] = b;
    return n;
}

kiln_node *kiln_un(kiln_ctx *ctx, kiln_unop op, kiln_node *a)
{
    GUARD(ctx);
    char where[32], ts[24];
    if ((unsigned)op > KILN_BNOT)
        return dsl_expr_error(ctx, "unknown unary operator %d", (int)op);
    snprintf(where, sizeof where, "unary '%s'", unop_names[op]);
    if (!operand_ok(ctx, a, where))
        return dsl_poison(ctx);
    kiln_type t = a->type;
    kiln_scalar s = t.scalar;
    if ((op == KILN_NEG && !dsl_is_numeric(s)) || (op == KILN_BNOT && !dsl_is_int(s)) ||
        (op == KILN_NOT && s != KILN_BOOL && !dsl_is_int(s)))
        return dsl_expr_error(ctx, "%s needs %s operand, got %s", where,
                              op == KILN_NEG ? "a numeric" : op == KILN_BNOT ? "an integer" : "a bool or integer",
                              dsl_type_str(t, ts));
    if (op == KILN_NOT)
        t.scalar = t.lanes > 1 ? dsl_int_of_bytes(kiln_scalar_bytes(s)) : KILN_BOOL;
    kiln_node *n = dsl_node(ctx, KILN_N_UN, t, 1);
    n->op = op;
    n->kids[0] = a;
    return n;
}

kiln_node *kiln_fold(kiln_ctx *ctx, kiln_binop op, int n, kiln_node *const *terms)
{
    GUARD(ctx);
    if (n < 1 || !terms)
        return dsl_expr_error(ctx, "'%s' of no operands", binop_name(op));
    kiln_node *acc = terms[0];
    for (int i = 1; i < n; i++)
        acc = kiln_bin(ctx, op, acc, terms[i]);
    if (n == 1 && !operand_ok(ctx, acc, binop_name(op)))
        return dsl_poison(ctx);
    return acc;
}

kiln_node *kiln_addi(kiln_ctx *ctx, kiln_node *a, long long k)
{
    GUARD(ctx);
    if (k == 0)
        return a;
    if (k < 0 && k != LLONG_MIN)
        return kiln_bin(ctx, KILN_SUB, a, kiln_int(ctx, -k));
    return kiln_bin(ctx, KILN_ADD, a, kiln_int(ctx, k));
}

kiln_node *kiln_muli(kiln_ctx *ctx, kiln_node *a, long long k)
{
    GUARD(ctx);
    return k == 1 ? a : kiln_bin(ctx, KILN_MUL, a, kiln_int(ctx, k));
}

kiln_node *kiln_divi(kiln_ctx *ctx, kiln_node *a, long long k)
{
    GUARD(ctx);
    return k == 1 ? a : kiln_bin(ctx, KILN_DIV, a, kiln_int(ctx, k));
}

kiln_node *kiln_select(kiln_ctx *ctx, kiln_node *cond, kiln_node *a, kiln_node *b)
{
    GUARD(ctx);
    char ts[24], err[128];
    if (!operand_ok(ctx, cond, "kiln_select") || !operand_ok(ctx, a, "kiln_select") ||
        !operand_ok(ctx, b, "kiln_select"))
        return dsl_poison(ctx);
    if (cond->type.lanes != 1 || (cond->type.scalar != KILN_BOOL && !dsl_is_int(cond->type.scalar)))
        return dsl_expr_error(ctx, "kiln_select condition must be a scalar bool or integer, got %s",
                              dsl_type_str(cond->type, ts));
    kiln_type t;
    if (!dsl_unify(ctx, "?:", &a, &b, &t, err, sizeof err))
        return dsl_expr_error(ctx, "%s", err);
    kiln_node *n = dsl_node(ctx, KILN_N_SELECT, t, 3);
    n->kids[0] = cond;
    n->kids[1] = a;
    n->kids[2] = b;
    return n;
}

static int lanes_valid(int lanes)
{
    return lanes == 2 || lanes == 4 || lanes == 8 || lanes == 16;
}

int dsl_type_valid(kiln_type t, int allow_void)
{
    if (t.scalar == KILN_VOID)
        return allow_void && t.lanes == 1;
    if (t.scalar < KILN_VOID || t.scalar >= KILN_SCALAR_COUNT)
        return 0;
    if (t.lanes == 1)
        return 1;
    return t.scalar != KILN_BOOL && lanes_valid(t.lanes);
}

kiln_node *kiln_cast(kiln_ctx *ctx, kiln_type to, kiln_node *a)
{
    GUARD(ctx);
    char st[24], sf[24];
    if (!operand_ok(ctx, a, "kiln_cast"))
        return dsl_poison(ctx);
    if (!dsl_type_valid(to, 0))
        return dsl_expr_error(ctx, "kiln_cast to invalid type %s", dsl_type_str(to, st));
    if (a->type.lanes > 1 && to.lanes != a->type.lanes)
        return dsl_expr_error(ctx, "cannot cast %s to %s%s", dsl_type_str(a->type, sf), dsl_type_str(to, st),
                              to.lanes == 1 ? " (use kiln_lane)" : "");
    if (dsl_type_eq(a->type, to))
        return a;
    return dsl_cast(ctx, to, a);
}

kiln_node *kiln_math_call(kiln_ctx *ctx, kiln_math fn, int nargs, kiln_node *const *args)
{
    GUARD(ctx);
    char ts[24], where[32];
    if ((unsigned)fn > KILN_FLOOR)
        return dsl_expr_error(ctx, "unknown math function %d", (int)fn);
    const char *name = math_names[fn];
    int want = fn == KILN_FMA ? 3 : fn == KILN_POW ? 2 : 1;
    if (nargs != want)
        return dsl_expr_error(ctx, "%s takes %d argument%s, %d given", name, want, want == 1 ? "" : "s", nargs);
    snprintf(where, sizeof where, "%s", name);
    int lanes = 1, any_strong = 0;
    kiln_scalar s = KILN_VOID;
    for (int i = 0; i < nargs; i++) {
        if (!operand_ok(ctx, args[i], where))
            return dsl_poison(ctx);
        kiln_type t = args[i]->type;
        if (!dsl_is_numeric(t.scalar))
            return dsl_expr_error(ctx, "%s needs floating-point arguments, got %s", name, dsl_type_str(t, ts));
        if (dsl_is_int(t.scalar) && !(args[i]->kind == KILN_N_LIT && args[i]->weak))
            return dsl_expr_error(ctx, "%s needs floating-point arguments, got %s (use kiln_cast)", name,
                                  dsl_type_str(t, ts));
        if (t.lanes > 1) {
            if (lanes > 1 && lanes != t.lanes)
                return dsl_expr_error(ctx, "vector width mismatch in %s: %d and %d lanes", name, lanes, t.lanes);
            lanes = t.lanes;
        }
        if (!args[i]->weak || args[i]->kind != KILN_N_LIT) {
            s = any_strong ? dsl_promote(s, t.scalar) : t.scalar;
            any_strong = 1;
        }
    }
    if (!any_strong)
        for (int i = 0; i < nargs; i++)
            s = dsl_promote(s == KILN_VOID ? KILN_F32 : s, args[i]->type.scalar);
    if (!kiln_scalar_is_float(s))
        s = KILN_F32;
    kiln_type t = {s, lanes};
    kiln_node *n = dsl_node(ctx, KILN_N_MATH, t, nargs);
    n->op = fn;
    for (int i = 0; i < nargs; i++) {
        kiln_node *x = args[i];
        if (x->kind == KILN_N_LIT && x->type.scalar != s)
            x = kiln_lit(ctx, (kiln_type){s, 1}, kiln_scalar_is_float(x->type.scalar) ? x->fval : (double)x->ival);
        if (!dsl_type_eq(x->type, t))
            x = dsl_cast(ctx, t, x);
        n->kids[i] = x;
    }
    return n;
}

kiln_node *kiln_call_proc(kiln_ctx *ctx, kiln_proc *fn, int nargs, kiln_node *const *args)
{
    GUARD(ctx);
    char err[128];
    if (!fn || fn == &ctx->poison_proc || fn->ctx != ctx)
        return dsl_expr_error(ctx, "kiln_call of an invalid procedure");
    if (fn->is_kernel)
        return dsl_expr_error(ctx, "call to '%s': a kernel cannot be called", fn->name);
    if (!fn->complete)
        return dsl_expr_error(ctx, "call to '%s' before its kiln_proc_end (recursion is not supported)", fn->name);
    if (nargs != fn->nargs)
        return dsl_expr_error(ctx, "call to '%s': %d argument%s given, %d expected", fn->name, nargs,
                              nargs == 1 ? "" : "s", fn->nargs);
    kiln_node *n = dsl_node(ctx, KILN_N_CALL, fn->ret, nargs);
    n->callee = fn;
    for (int i = 0; i < nargs; i++) {
        kiln_node *x = args[i];
        char where[96];
        snprintf(where, sizeof where, "argument %d of '%s'", i + 1, fn->name);
        if (!operand_ok(ctx, x, where))
            return dsl_poison(ctx);
        if (!dsl_convert_for_store(ctx, fn->args[i]->type, &x, err, sizeof err))
            return dsl_expr_error(ctx, "call to '%s': argument %d ('%s'): %s (use kiln_cast)", fn->name, i + 1,
                                  fn->args[i]->name, err);
        n->kids[i] = x;
    }
    return n;
}

kiln_node *kiln_workitem(kiln_ctx *ctx, kiln_witem what, int dim)
{
    GUARD(ctx);
    if ((unsigned)what > KILN_NUM_GROUPS)
        return dsl_expr_error(ctx, "unknown work-item query %d", (int)what);
    if (dim < 0 || dim > 2)
        return dsl_expr_error(ctx, "work-item dimension %d out of range 0..2", dim);
    if (!ctx->cur_proc)
        return dsl_expr_error(ctx, "work-item query outside a procedure");
    if (!ctx->cur_proc->is_kernel)
        return dsl_expr_error(ctx, "work-item query in function '%s' (pass the index as an argument)",
                              ctx->cur_proc->name);
    ctx->cur_proc->uses_witems = 1;
    kiln_node *n = dsl_node(ctx, KILN_N_WITEM, KILN_T(I64), 0);
    n->op = what;
    n->dim = dim;
    return n;
}

kiln_node *kiln_vload(kiln_ctx *ctx, int lanes, kiln_var *array, kiln_node *flat_index)
{
    GUARD(ctx);
    if (!var_ok(ctx, array))
        return dsl_poison(ctx);
    if (!array->is_array)
        return dsl_expr_error(ctx, "vector load from '%s', which is not an array", array->name);
    if (lanes != 1 && !lanes_valid(lanes))
        return dsl_expr_error(ctx, "vector load of %d lanes from '%s' (lanes must be 1, 2, 4, 8 or 16)", lanes,
                              array->name);
    if (!index_ok(ctx, flat_index, "the vector load index", array->name))
        return dsl_poison(ctx);
    if (lanes == 1)
        return dsl_elem(ctx, array, flat_index);
    kiln_node *n = dsl_node(ctx, KILN_N_VLOAD, (kiln_type){array->type.scalar, lanes}, 1);
    n->var = array;
    n->lanes = lanes;
    n->kids[0] = flat_index;
    return n;
}

kiln_node *kiln_vload_nd_at(kiln_ctx *ctx, kiln_loc loc, int lanes, kiln_var *array, int nidx,
                            kiln_node *const *idx)
{
    GUARD(ctx);
    kiln_node *n = kiln_vload(ctx, lanes, array, dsl_flatten(ctx, array, nidx, idx));
    if (ctx->failed) {
        char what[96];
        snprintf(what, sizeof what, "vector load from '%s'", array && array->name ? array->name : "(null)");
        dsl_stmt_enter(ctx, loc, what);
    }
    return n;
}

kiln_node *kiln_lane(kiln_ctx *ctx, kiln_node *vec, int lane)
{
    if (ctx && ctx->failed)
        return named_poison(ctx, KILN_N_LANE, NULL, vec);
    GUARD(ctx);
    char ts[24];
    if (!operand_ok(ctx, vec, "kiln_lane"))
        return dsl_poison(ctx);
    if (lane < 0 || lane >= vec->type.lanes)
        return dsl_expr_error(ctx, "lane %d out of range for %s (0..%d)", lane, dsl_type_str(vec->type, ts),
                              vec->type.lanes - 1);
    if (vec->type.lanes == 1)
        return vec; /* lane 0 of a vector of one lane */
    kiln_node *n = dsl_node(ctx, KILN_N_LANE, (kiln_type){vec->type.scalar, 1}, 1);
    n->lanes = lane;
    n->kids[0] = vec;
    return n;
}

kiln_node *kiln_vec_of(kiln_ctx *ctx, kiln_type type, int nlanes, kiln_node *const *lanes)
{
    GUARD(ctx);
    char ts[24], err[128];
    if (!lanes_valid(type.lanes) || !dsl_type_valid(type, 0))
        return dsl_expr_error(ctx, "kiln_vec of type %s (a vector of 2, 4, 8 or 16 lanes is needed)",
                              dsl_type_str(type, ts));
    if (nlanes != type.lanes)
        return dsl_expr_error(ctx, "kiln_vec of %s given %d value%s (one per lane)", dsl_type_str(type, ts), nlanes,
                              nlanes == 1 ? "" : "s");
    kiln_node *n = dsl_node(ctx, KILN_N_VEC, type, nlanes);
    for (int i = 0; i < nlanes; i++) {
        kiln_node *x = lanes[i];
        char where[48];
        snprintf(where, sizeof where, "lane %d of kiln_vec", i);
        if (!operand_ok(ctx, x, where))
            return dsl_poison(ctx);
        if (x->type.lanes != 1)
            return dsl_expr_error(ctx, "kiln_vec: lane %d is a %s, not a scalar", i, dsl_type_str(x->type, ts));
        if (!dsl_convert_for_store(ctx, (kiln_type){type.scalar, 1}, &x, err, sizeof err))
            return dsl_expr_error(ctx, "kiln_vec: lane %d: %s (use kiln_cast)", i, err);
        n->kids[i] = x;
    }
    return n;
}

kiln_type kiln_node_type(const kiln_node *n)
{
    return n ? n->type : KILN_T(VOID);
}
