/*
 * check.c: kiln's type rules.
 *
 * Binary operators: a literal from kiln_int/kiln_flt is "weak" and takes the
 * other operand's type; otherwise float beats integer and wider beats
 * narrower. A vector and a scalar broadcast; two vectors need equal lanes.
 * Stores (assignment, initialisation, arguments, return): int -> float and
 * narrower -> wider within a class are implicit; anything else needs
 * kiln_cast. Vector conversions are made explicit CAST nodes because OpenCL C
 * converts vectors only explicitly; scalar conversions are left to C.
 */
#include <stdio.h>
#include <string.h>
#include "dsl/dsl_priv.h"

const char *dsl_type_str(kiln_type t, char buf[24])
{
    if (t.lanes > 1)
        snprintf(buf, 24, "%sx%d", kiln_scalar_name(t.scalar), t.lanes);
    else
        snprintf(buf, 24, "%s", kiln_scalar_name(t.scalar));
    return buf;
}

int dsl_type_eq(kiln_type a, kiln_type b)
{
    return a.scalar == b.scalar && a.lanes == b.lanes;
}

int dsl_is_int(kiln_scalar s)
{
    return s >= KILN_I8 && s <= KILN_U64;
}

int dsl_is_numeric(kiln_scalar s)
{
    return s >= KILN_I8 && s <= KILN_F64;
}

kiln_scalar dsl_int_of_bytes(size_t bytes)
{
    switch (bytes) {
    case 1: return KILN_I8;
    case 2: return KILN_I16;
    case 8: return KILN_I64;
    default: return KILN_I32;
    }
}

/* bool counts as the narrowest integer */
static size_t width(kiln_scalar s)
{
    return s == KILN_BOOL ? 0 : kiln_scalar_bytes(s);
}

kiln_scalar dsl_promote(kiln_scalar a, kiln_scalar b)
{
    if (a == b)
        return a;
    int fa = kiln_scalar_is_float(a), fb = kiln_scalar_is_float(b);
    if (fa != fb)
        return fa ? a : b;
    if (width(a) != width(b))
        return width(a) > width(b) ? a : b;
    /* same width, different signedness: unsigned wins, as in C */
    return kiln_scalar_is_signed(a) ? b : a;
}

static int is_lit(const kiln_node *n)
{
    return n->kind == KILN_N_LIT && n->type.scalar != KILN_VOID;
}

/* A copy of literal n with scalar type s (the value converted). */
static kiln_node *relit(kiln_ctx *ctx, kiln_node *n, kiln_scalar s)
{
    kiln_node *c = dsl_node(ctx, KILN_N_LIT, (kiln_type){s, 1}, 0);
    int from_float = kiln_scalar_is_float(n->type.scalar);
    if (kiln_scalar_is_float(s)) {
        c->fval = from_float ? n->fval : (double)n->ival;
        c->ival = (long long)c->fval;
    } else {
        c->ival = from_float ? (long long)n->fval : n->ival;
        c->fval = (double)c->ival;
    }
    c->weak = n->weak;
    return c;
}

/* n converted to element type s, keeping its lanes; `vector_result` says a scalar will be broadcast. */
static kiln_node *to_elem(kiln_ctx *ctx, kiln_node *n, kiln_scalar s, int vector_result)
{
    if (n->type.scalar == s)
        return n;
    if (is_lit(n))
        return relit(ctx, n, s);
    if (n->type.lanes > 1)
        return dsl_cast(ctx, (kiln_type){s, n->type.lanes}, n);
    /* a scalar broadcast into a vector operation converts explicitly (GCC vectors and OpenCL insist) */
    return vector_result ? dsl_cast(ctx, (kiln_type){s, 1}, n) : n;
}

int dsl_unify(kiln_ctx *ctx, const char *opname, kiln_node **a, kiln_node **b, kiln_type *out, char *err,
              size_t errlen)
{
    kiln_type ta = (*a)->type, tb = (*b)->type;
    char sa[24], sb[24];
    if (ta.lanes > 1 && tb.lanes > 1 && ta.lanes != tb.lanes) {
        snprintf(err, errlen, "vector width mismatch: %s %s %s", dsl_type_str(ta, sa), opname,
                 dsl_type_str(tb, sb));
        return 0;
    }
    int lanes = ta.lanes > tb.lanes ? ta.lanes : tb.lanes;
    int wa = (*a)->weak && is_lit(*a), wb = (*b)->weak && is_lit(*b);
    kiln_scalar s;
    if (wa && !wb)
        s = kiln_scalar_is_float(ta.scalar) && !kiln_scalar_is_float(tb.scalar) ? ta.scalar : tb.scalar;
    else if (wb && !wa)
        s = kiln_scalar_is_float(tb.scalar) && !kiln_scalar_is_float(ta.scalar) ? tb.scalar : ta.scalar;
    else
        s = dsl_promote(ta.scalar, tb.scalar);
    *a = to_elem(ctx, *a, s, lanes > 1);
    *b = to_elem(ctx, *b, s, lanes > 1);
    *out = (kiln_type){s, lanes};
    return 1;
}

/* Implicit store conversion between scalars: int -> float, narrower -> wider within a class. */
static int implicit_ok(kiln_scalar to, kiln_scalar from)
{
    if (to == from)
        return 1;
    if (from == KILN_BOOL)
        return dsl_is_int(to);
    if (dsl_is_int(from) && kiln_scalar_is_float(to))
        return 1;
    if (kiln_scalar_is_float(from) && kiln_scalar_is_float(to))
        return kiln_scalar_bytes(to) > kiln_scalar_bytes(from);
    if (dsl_is_int(from) && dsl_is_int(to)) {
        if (kiln_scalar_bytes(to) <= kiln_scalar_bytes(from))
            return 0;
        /* signed into a wider unsigned could change the value */
        return !(kiln_scalar_is_signed(from) && !kiln_scalar_is_signed(to));
    }
    return 0;
}

/* Literals also narrow within a class (f64 literal into f32, 300 into i16) but never float -> int. */
static int literal_ok(kiln_scalar to, kiln_scalar from)
{
    if (to == KILN_BOOL || from == KILN_BOOL)
        return to == from;
    if (kiln_scalar_is_float(from) && !kiln_scalar_is_float(to))
        return 0;
    return dsl_is_numeric(to);
}

int dsl_convert_for_store(kiln_ctx *ctx, kiln_type to, kiln_node **n, char *err, size_t errlen)
{
    kiln_type from = (*n)->type;
    char st[24], sf[24];
    if (dsl_type_eq(to, from))
        return 1;
    int lit = is_lit(*n);
    if (from.lanes == to.lanes || (lit && from.lanes == 1)) {
        int ok = lit ? literal_ok(to.scalar, from.scalar) : implicit_ok(to.scalar, from.scalar);
        if (ok) {
            kiln_node *v = *n;
            if (lit) {
                v = relit(ctx, v, to.scalar);
                if (to.lanes > 1)
                    v = dsl_cast(ctx, to, v); /* broadcast of a literal: acc = 0 */
            } else if (to.lanes > 1) {
                v = dsl_cast(ctx, to, v);
            }
            *n = v;
            return 1;
        }
    }
    snprintf(err, errlen, "cannot assign %s to %s", dsl_type_str(from, sf), dsl_type_str(to, st));
    return 0;
}
