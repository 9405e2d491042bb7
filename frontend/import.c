/*
 * import.c: OpenCL C and C99 kernels into kiln's tree, through libclang.
 *
 * libclang parses (and preprocesses, with the -D definitions); this file walks
 * the kernel's cursors and calls the DSL's builders, one walker for
 * statements and one for expressions, each a switch on the cursor kind. Every
 * statement is built at the cursor's file:line:column; anything without a
 * builder is refused there with the construct named. clang's implicit
 * conversions become explicit casts where kiln's types would differ, so the
 * tree computes what the C semantics say.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dsl/dsl_int.h"
#include "frontend/libclang.h"
#include "kiln/frontend.h"

struct kiln_importer {
    CXIndex index;       /* NULL when libclang could not be loaded (error says why) */
    char error[512];
};

kiln_importer *kiln_importer_new(void)
{
    kiln_importer *imp = calloc(1, sizeof *imp);
    if (imp && kiln_libclang_load(imp->error, sizeof imp->error))
        imp->index = clang_createIndex(0, 0);
    return imp;
}

void kiln_importer_free(kiln_importer *imp)
{
    if (!imp)
        return;
    if (imp->index)
        clang_disposeIndex(imp->index);
    free(imp);
}

/* What kiln reads from the text beside clang's tree, evaluated by clang:
 * a `#pragma kiln unroll(U)` or a reqd_work_group_size(X, Y, Z), by line. */
typedef enum eval_what { EVAL_UNROLL, EVAL_WG } eval_what;
/* A line of the text that is only a // comment: kept in the tree as a comment. */
typedef struct source_comment {
    unsigned line;
    char text[200];
} source_comment;
typedef struct source_eval {
    eval_what what;
    unsigned line;
    int nvalues;
    long long values[3];
} source_eval;

/* A declaration of the kernel and the kiln variable that stands for it. */
typedef struct binding {
    CXCursor decl;
    kiln_var *var;
} binding;

/* A function of the file that the kernel calls: a kiln helper. */
typedef struct helper {
    CXCursor decl;          /* its definition */
    kiln_proc *proc;        /* NULL while it is being imported (a recursive call) */
} helper;

typedef struct importer {
    kiln_ctx *ctx;
    CXTranslationUnit tu;
    CXFile main_file;
    const char *file;       /* arena copy of the main file's name */
    binding *vars;
    int nvars, cap;
    source_eval *evals;
    int nevals;
    source_comment *comments; /* whole-line // comments of the text, in order */
    int ncomments, next_comment;
    unsigned text_lines;    /* lines of the text: diagnostics past them are about a pragma */
    const kiln_import_opts *opts;
    CXCursor kernel;        /* the function being imported */
    int failed;
    int storing;            /* coerce() converts bool to int: the value is stored */
    helper *helpers;        /* the file's functions the kernel calls, imported before it */
    int nhelpers;
    kiln_proc *cur;         /* the procedure being built */
    kiln_type ret;          /* its return type (void for the kernel) */
} importer;

/* ---- positions and errors ---- */

static kiln_loc loc_of(importer *im, CXCursor c)
{
    CXFile file;
    unsigned line, col;
    clang_getSpellingLocation(clang_getCursorLocation(c), &file, &line, &col, NULL);
    kiln_loc loc = {im->file, (int)line, (int)col};
    if (file) {
        CXString name = clang_getFileName(file);
        const char *s = clang_getCString(name);
        const char *base = im->opts->path ? im->opts->path : "";
        if (s && strcmp(s, base) != 0)
            loc.file = kiln_ctx_strdup(im->ctx, s);
        clang_disposeString(name);
    }
    return loc;
}

static void refuse(importer *im, CXCursor c, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void refuse(importer *im, CXCursor c, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!im->failed)
        kiln_fail_at(im->ctx, loc_of(im, c), "%s", msg);
    im->failed = 1;
}

static int failed(importer *im)
{
    return im->failed || kiln_ctx_failed(im->ctx);
}

/* ---- cursor helpers ---- */

/* The children of a cursor, the first 40 of them (an expression has fewer;
 * blocks, which may have more, are walked with for_each_kid). */
typedef struct kid_list {
    CXCursor c[40];
    int n;
} kid_list;

static enum CXChildVisitResult collect_kid(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    kid_list *k = data;
    if (c.kind == CXCursor_UnexposedAttr || clang_isAttribute(c.kind))
        return CXChildVisit_Continue;
    if (k->n == (int)(sizeof k->c / sizeof k->c[0]))
        return CXChildVisit_Break;
    k->c[k->n++] = c;
    return CXChildVisit_Continue;
}

static kid_list kids_of(CXCursor c)
{
    kid_list k = {.n = 0};
    clang_visitChildren(c, collect_kid, &k);
    return k;
}

/* Children beyond the first 16 (a block of many statements) are walked with this. */
typedef struct kid_walk {
    importer *im;
    void (*fn)(importer *im, CXCursor c);
} kid_walk;

static enum CXChildVisitResult walk_kid(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    kid_walk *w = data;
    if (clang_isAttribute(c.kind))
        return CXChildVisit_Continue;
    if (failed(w->im))
        return CXChildVisit_Break;
    w->fn(w->im, c);
    return CXChildVisit_Continue;
}

static void for_each_kid(importer *im, CXCursor c, void (*fn)(importer *im, CXCursor c))
{
    kid_walk w = {im, fn};
    clang_visitChildren(c, walk_kid, &w);
}

static void spelling(CXCursor c, char *buf, size_t len)
{
    CXString s = clang_getCursorSpelling(c);
    snprintf(buf, len, "%s", clang_getCString(s) ? clang_getCString(s) : "");
    clang_disposeString(s);
}

static void kind_spelling(CXCursor c, char *buf, size_t len)
{
    CXString s = clang_getCursorKindSpelling(c.kind);
    snprintf(buf, len, "%s", clang_getCString(s));
    clang_disposeString(s);
}

/* The offset in the main file where l is expanded (a macro's tokens count at its use). */
static unsigned offset_of(CXSourceLocation l)
{
    unsigned off;
    clang_getExpansionLocation(l, NULL, NULL, NULL, &off);
    return off;
}

/* The operator of a binary, compound-assignment or unary operator cursor:
 * the one token between its operands in the source (libclang 14 has no
 * opcode query). "" when the operator is not written there, as when it
 * comes from a macro's body; the caller then refuses the expression. */
static void operator_of(importer *im, CXCursor c, char *op, size_t len)
{
    op[0] = '\0';
    kid_list k = kids_of(c);
    if (k.n < 1)
        return;
    CXSourceRange whole = clang_getCursorExtent(c), first = clang_getCursorExtent(k.c[0]);
    unsigned lo, hi;
    if (c.kind == CXCursor_UnaryOperator) {
        unsigned start = offset_of(clang_getRangeStart(whole)), end = offset_of(clang_getRangeEnd(whole));
        unsigned kstart = offset_of(clang_getRangeStart(first)), kend = offset_of(clang_getRangeEnd(first));
        if (kstart > start) { /* prefix */
            lo = start;
            hi = kstart;
        } else {
            lo = kend;
            hi = end;
        }
    } else {
        if (k.n != 2)
            return;
        lo = offset_of(clang_getRangeEnd(first));
        hi = offset_of(clang_getRangeStart(clang_getCursorExtent(k.c[1])));
    }
    CXToken *toks = NULL;
    unsigned n = 0, found = 0;
    /* the tokens of the main file between the operands (an extent that starts
     * in a -D macro is not in the file and would tokenize to nothing) */
    if (hi <= lo || !im->main_file)
        return;
    CXSourceRange between = clang_getRange(clang_getLocationForOffset(im->tu, im->main_file, lo),
                                           clang_getLocationForOffset(im->tu, im->main_file, hi));
    clang_tokenize(im->tu, between, &toks, &n);
    for (unsigned i = 0; i < n; i++) {
        CXSourceRange tr = clang_getTokenExtent(im->tu, toks[i]);
        unsigned ts = offset_of(clang_getRangeStart(tr)), te = offset_of(clang_getRangeEnd(tr));
        if (ts < lo || te > hi)
            continue;
        CXString sp = clang_getTokenSpelling(im->tu, toks[i]);
        const char *t = clang_getCString(sp);
        /* parentheses around an operand may fall outside its extent */
        if (strcmp(t, "(") != 0 && strcmp(t, ")") != 0) {
            found++;
            if (clang_getTokenKind(toks[i]) == CXToken_Punctuation)
                snprintf(op, len, "%s", t);
        }
        clang_disposeString(sp);
    }
    if (found != 1)
        op[0] = '\0';
    clang_disposeTokens(im->tu, toks, n);
}

static int eval_int(CXCursor c, long long *out)
{
    CXEvalResult r = clang_Cursor_Evaluate(c);
    if (!r)
        return -1;
    int ok = clang_EvalResult_getKind(r) == CXEval_Int;
    if (ok)
        *out = clang_EvalResult_getAsLongLong(r);
    clang_EvalResult_dispose(r);
    return ok ? 0 : -1;
}

static double eval_float(CXCursor c)
{
    CXEvalResult r = clang_Cursor_Evaluate(c);
    double v = 0;
    if (r) {
        if (clang_EvalResult_getKind(r) == CXEval_Float)
            v = clang_EvalResult_getAsDouble(r);
        clang_EvalResult_dispose(r);
    }
    return v;
}

/* Strips parentheses and implicit conversions. */
static CXCursor bare(CXCursor c)
{
    while (c.kind == CXCursor_ParenExpr || c.kind == CXCursor_UnexposedExpr) {
        kid_list k = kids_of(c);
        if (k.n != 1)
            break;
        c = k.c[0];
    }
    return c;
}

/* ---- types ---- */

static kiln_scalar scalar_of(CXType t)
{
    switch (clang_getCanonicalType(t).kind) {
    case CXType_Bool: return KILN_BOOL;
    case CXType_Char_S: case CXType_SChar: return KILN_I8;
    case CXType_Char_U: case CXType_UChar: return KILN_U8;
    case CXType_Short: return KILN_I16;
    case CXType_UShort: return KILN_U16;
    case CXType_Int: return KILN_I32;
    case CXType_UInt: return KILN_U32;
    case CXType_Long: case CXType_LongLong: return KILN_I64;
    case CXType_ULong: case CXType_ULongLong: return KILN_U64;
    case CXType_Float: return KILN_F32;
    case CXType_Double: return KILN_F64;
    case CXType_Void: return KILN_VOID;
    default: return KILN_SCALAR_COUNT;
    }
}

/* A scalar or vector type as kiln's; 0 when kiln has none. */
static int type_of(CXType t, kiln_type *out)
{
    CXType ct = clang_getCanonicalType(t);
    if (ct.kind == CXType_Vector || ct.kind == CXType_ExtVector) {
        long long lanes = clang_getNumElements(ct);
        kiln_scalar s = scalar_of(clang_getElementType(ct));
        if (s == KILN_SCALAR_COUNT || s == KILN_VOID || (lanes != 2 && lanes != 4 && lanes != 8 && lanes != 16))
            return 0;
        *out = (kiln_type){s, (int)lanes};
        return 1;
    }
    kiln_scalar s = scalar_of(ct);
    if (s == KILN_SCALAR_COUNT)
        return 0;
    *out = (kiln_type){s, 1};
    return 1;
}

static void type_name(CXType t, char *buf, size_t len)
{
    CXString s = clang_getTypeSpelling(t);
    snprintf(buf, len, "%s", clang_getCString(s));
    clang_disposeString(s);
}

static int same_type(kiln_type a, kiln_type b)
{
    return a.scalar == b.scalar && a.lanes == b.lanes;
}

static kiln_node *coerce(importer *im, kiln_node *n, kiln_type to);

/* `n` converted for a store into a variable of type `to`. */
static kiln_node *coerce_store(importer *im, kiln_node *n, kiln_type to)
{
    im->storing = 1;
    n = coerce(im, n, to);
    im->storing = 0;
    return n;
}

/* `n` converted to `to` as C would: a cast where kiln's type differs, none
 * for a literal of the right kind (kiln adapts it) nor for a work-item
 * query read as size_t. */
static kiln_node *coerce(importer *im, kiln_node *n, kiln_type to)
{
    kiln_type have = kiln_node_type(n);
    if (failed(im) || to.scalar == KILN_VOID || same_type(have, to))
        return n;
    /* C's comparisons and logical operators give int; kiln's give bool, which
     * conditions and logical operators take as they are (stores convert) */
    if (have.scalar == KILN_BOOL && have.lanes == 1 && to.scalar == KILN_I32 && to.lanes == 1 && !im->storing)
        return n;
    if (n->kind == KILN_N_WITEM && (to.scalar == KILN_U64 || to.scalar == KILN_I64) && to.lanes == 1)
        return n;
    if (n->kind == KILN_N_LIT && n->weak && have.lanes == 1 && to.lanes == 1 &&
        kiln_scalar_is_float(have.scalar) == kiln_scalar_is_float(to.scalar) && to.scalar != KILN_BOOL)
        return n;
    return kiln_cast(im->ctx, to, n);
}

/* ---- variables ---- */

static void bind(importer *im, CXCursor decl, kiln_var *var)
{
    if (im->nvars == im->cap) {
        int cap = im->cap ? im->cap * 2 : 32;
        binding *v = realloc(im->vars, sizeof *v * (size_t)cap);
        if (!v) {
            refuse(im, decl, "out of memory");
            return;
        }
        im->vars = v;
        im->cap = cap;
    }
    im->vars[im->nvars++] = (binding){decl, var};
}

static kiln_var *lookup(importer *im, CXCursor decl)
{
    for (int i = im->nvars - 1; i >= 0; i--)
        if (clang_equalCursors(im->vars[i].decl, decl))
            return im->vars[i].var;
    return NULL;
}

/* The variable a DeclRefExpr names; NULL (refused) when it is not one of the kernel's. */
static kiln_var *var_of(importer *im, CXCursor ref)
{
    CXCursor d = clang_getCursorReferenced(ref);
    kiln_var *v = lookup(im, d);
    if (!v) {
        char name[128];
        spelling(ref, name, sizeof name);
        refuse(im, ref, "'%s' is declared outside the kernel (file-scope variables and constants are not "
                        "imported: pass a value with -D)", name);
    }
    return v;
}

/* ---- expressions ---- */

static kiln_node *expr(importer *im, CXCursor c);

static kiln_node *expr_as(importer *im, CXCursor c, kiln_type to)
{
    return coerce(im, expr(im, c), to);
}

static const struct {
    const char *op;
    kiln_binop bin;
} binops[] = {
    {"+", KILN_ADD}, {"-", KILN_SUB}, {"*", KILN_MUL}, {"/", KILN_DIV}, {"%", KILN_MOD},
    {"<", KILN_LT}, {"<=", KILN_LE}, {">", KILN_GT}, {">=", KILN_GE}, {"==", KILN_EQ}, {"!=", KILN_NE},
    {"&&", KILN_AND}, {"||", KILN_OR}, {"&", KILN_BAND}, {"|", KILN_BOR}, {"^", KILN_BXOR},
    {"<<", KILN_SHL}, {">>", KILN_SHR},
};

static int binop_of(const char *op, kiln_binop *out)
{
    for (size_t i = 0; i < sizeof binops / sizeof binops[0]; i++)
        if (strcmp(binops[i].op, op) == 0) {
            *out = binops[i].bin;
            return 1;
        }
    return 0;
}

/* The array and its indices of a[i] or t[i][j] (outermost first). */
static kiln_var *subscript(importer *im, CXCursor c, kiln_node **idx, int *nidx)
{
    CXCursor chain[8];
    int n = 0;
    CXCursor base = c;
    while (base.kind == CXCursor_ArraySubscriptExpr) {
        kid_list k = kids_of(base);
        if (k.n != 2 || n == 8) {
            refuse(im, c, "array subscript of an unexpected shape");
            return NULL;
        }
        chain[n++] = k.c[1];
        base = bare(k.c[0]);
    }
    if (base.kind != CXCursor_DeclRefExpr) {
        char ks[64];
        kind_spelling(base, ks, sizeof ks);
        refuse(im, base, "subscript of a computed pointer (%s): kiln indexes named arrays only", ks);
        return NULL;
    }
    kiln_var *v = var_of(im, base);
    if (!v)
        return NULL;
    if (!v->is_array) {
        refuse(im, base, "'%s' is subscripted but is not an array", v->name);
        return NULL;
    }
    for (int i = 0; i < n; i++)
        idx[n - 1 - i] = expr(im, chain[i]);
    *nidx = n;
    return v;
}

/* vloadN(offset, pointer): the pointer is `a` or `a + e`; returns the
 * flattened element index offset * N + e. */
static kiln_var *pointer_base(importer *im, CXCursor p, kiln_node **offset)
{
    p = bare(p);
    *offset = NULL;
    if (p.kind == CXCursor_BinaryOperator) {
        char op[4];
        operator_of(im, p, op, sizeof op);
        kid_list k = kids_of(p);
        if (strcmp(op, "+") == 0 && k.n == 2 && bare(k.c[0]).kind == CXCursor_DeclRefExpr) {
            *offset = expr(im, k.c[1]);
            p = bare(k.c[0]);
        }
    }
    if (p.kind != CXCursor_DeclRefExpr) {
        refuse(im, p, "pointer arithmetic beyond 'array + offset'");
        return NULL;
    }
    kiln_var *v = var_of(im, p);
    if (v && !v->is_array) {
        refuse(im, p, "'%s' is not an array", v->name);
        return NULL;
    }
    return v;
}

static int vector_width(const char *name, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(name, prefix, n) != 0)
        return 0;
    int w = atoi(name + n);
    return w == 2 || w == 4 || w == 8 || w == 16 ? w : 0;
}

static kiln_node *vload_expr(importer *im, int lanes, kid_list *k)
{
    kiln_node *off = NULL;
    kiln_node *first = expr(im, k->c[1]);
    kiln_var *v = pointer_base(im, k->c[2], &off);
    if (!v)
        return NULL;
    kiln_node *flat = kiln_muli(im->ctx, first, lanes);
    if (first->kind == KILN_N_LIT && first->ival == 0)
        flat = off ? off : kiln_int(im->ctx, 0);
    else if (off)
        flat = kiln_add(im->ctx, flat, off);
    return kiln_vload(im->ctx, lanes, v, flat);
}

static const struct {
    const char *name;
    kiln_math fn;
    int nargs;
} math_names[] = {
    {"sqrt", KILN_SQRT, 1}, {"sqrtf", KILN_SQRT, 1}, {"native_sqrt", KILN_SQRT, 1},
    {"exp", KILN_EXP, 1}, {"expf", KILN_EXP, 1}, {"native_exp", KILN_EXP, 1},
    {"log", KILN_LOG, 1}, {"logf", KILN_LOG, 1}, {"native_log", KILN_LOG, 1},
    {"sin", KILN_SIN, 1}, {"sinf", KILN_SIN, 1}, {"native_sin", KILN_SIN, 1},
    {"cos", KILN_COS, 1}, {"cosf", KILN_COS, 1}, {"native_cos", KILN_COS, 1},
    {"pow", KILN_POW, 2}, {"powf", KILN_POW, 2},
    {"fabs", KILN_FABS, 1}, {"fabsf", KILN_FABS, 1},
    {"fma", KILN_FMA, 3}, {"fmaf", KILN_FMA, 3}, {"mad", KILN_FMA, 3},
    {"floor", KILN_FLOOR, 1}, {"floorf", KILN_FLOOR, 1},
};

static const struct {
    const char *name;
    kiln_witem what;
} witem_names[] = {
    {"get_global_id", KILN_GLOBAL_ID}, {"get_local_id", KILN_LOCAL_ID}, {"get_group_id", KILN_GROUP_ID},
    {"get_global_size", KILN_GLOBAL_SIZE}, {"get_local_size", KILN_LOCAL_SIZE},
    {"get_num_groups", KILN_NUM_GROUPS},
};

static kiln_node *call_expr(importer *im, CXCursor c)
{
    char name[128];
    spelling(c, name, sizeof name);
    kid_list k = kids_of(c); /* k.c[0] is the callee */
    int nargs = k.n - 1;
    kiln_type t;
    int has_type = type_of(clang_getCursorType(c), &t);
    for (size_t i = 0; i < sizeof witem_names / sizeof witem_names[0]; i++) {
        if (strcmp(name, witem_names[i].name) != 0)
            continue;
        long long dim;
        if (nargs != 1 || eval_int(k.c[1], &dim) != 0 || dim < 0 || dim > 2) {
            refuse(im, c, "%s: the dimension must be a constant 0, 1 or 2", name);
            return NULL;
        }
        return kiln_workitem(im->ctx, witem_names[i].what, (int)dim);
    }
    for (size_t i = 0; i < sizeof math_names / sizeof math_names[0]; i++) {
        if (strcmp(name, math_names[i].name) != 0 || nargs != math_names[i].nargs)
            continue;
        kiln_node *args[3];
        for (int a = 0; a < nargs; a++)
            args[a] = has_type ? expr_as(im, k.c[1 + a], t) : expr(im, k.c[1 + a]);
        return kiln_math_call(im->ctx, math_names[i].fn, nargs, args);
    }
    if ((strcmp(name, "min") == 0 || strcmp(name, "max") == 0 || strcmp(name, "fmin") == 0 ||
         strcmp(name, "fmax") == 0 || strcmp(name, "fminf") == 0 || strcmp(name, "fmaxf") == 0) &&
        nargs == 2 && has_type) {
        kiln_binop op = strstr(name, "min") ? KILN_MIN : KILN_MAX;
        return kiln_bin(im->ctx, op, expr_as(im, k.c[1], t), expr_as(im, k.c[2], t));
    }
    int lanes = vector_width(name, "vload");
    if (lanes && nargs == 2)
        return vload_expr(im, lanes, &k);
    if (strncmp(name, "convert_", 8) == 0 && nargs == 1 && has_type)
        return kiln_cast(im->ctx, t, expr(im, k.c[1]));
    CXCursor def = clang_getCursorDefinition(clang_getCursorReferenced(c));
    for (int i = 0; i < im->nhelpers; i++)
        if (im->helpers[i].proc && clang_equalCursors(im->helpers[i].decl, def) && nargs <= 16) {
            kiln_node *args[16];
            for (int a = 0; a < nargs; a++) {
                kiln_type pt;
                CXCursor pc = clang_Cursor_getArgument(def, (unsigned)a);
                args[a] = type_of(clang_getCursorType(pc), &pt) ? coerce_store(im, expr(im, k.c[1 + a]), pt)
                                                                : expr(im, k.c[1 + a]);
            }
            return kiln_call_proc(im->ctx, im->helpers[i].proc, nargs, args);
        }
    refuse(im, c, "call to '%s': kiln imports the work-item queries, math builtins, min/max, vloadN/vstoreN, "
                  "convert_T, barrier and the functions of the file with scalar arguments, not others", name);
    return NULL;
}

/* (float4)(x) and (float4)(a, b, c, d) in OpenCL C. */
static kiln_node *vector_literal(importer *im, CXCursor c, kiln_type t, CXCursor init)
{
    kid_list all = kids_of(init), k = {.n = 0};
    for (int i = 0; i < all.n && k.n < 16; i++)
        if (clang_isExpression(all.c[i].kind))
            k.c[k.n++] = all.c[i];
    kiln_type lane = {t.scalar, 1};
    if (k.n == 1)
        return kiln_cast(im->ctx, t, expr_as(im, k.c[0], lane));
    if (k.n != t.lanes || k.n > 16) {
        refuse(im, c, "vector literal with %d values for %d lanes", k.n, t.lanes);
        return NULL;
    }
    kiln_node *lanes[16];
    for (int i = 0; i < k.n; i++)
        lanes[i] = expr_as(im, k.c[i], lane);
    return kiln_vec_of(im->ctx, t, k.n, lanes);
}

static kiln_node *cast_expr(importer *im, CXCursor c)
{
    kiln_type t;
    char tn[96];
    if (!type_of(clang_getCursorType(c), &t)) {
        type_name(clang_getCursorType(c), tn, sizeof tn);
        refuse(im, c, "cast to '%s': kiln has scalar and vector types only", tn);
        return NULL;
    }
    kid_list k = kids_of(c);
    int nvalues = 0;
    for (int i = 0; i < k.n; i++)
        nvalues += clang_isExpression(k.c[i].kind) != 0;
    CXCursor sub = k.c[k.n - 1];
    if (t.lanes > 1 && (nvalues > 1 || bare(sub).kind == CXCursor_InitListExpr))
        return vector_literal(im, c, t, nvalues > 1 ? c : bare(sub));
    return kiln_cast(im->ctx, t, expr(im, sub));
}

/* The accessor after the '.' of vector component access c of vector v, from the tokens. */
static void component_name(importer *im, CXCursor c, CXCursor v, char *name, size_t len)
{
    unsigned lo = offset_of(clang_getRangeEnd(clang_getCursorExtent(v)));
    unsigned hi = offset_of(clang_getRangeEnd(clang_getCursorExtent(c)));
    name[0] = '\0';
    if (hi <= lo || !im->main_file)
        return;
    CXToken *toks = NULL;
    unsigned n = 0;
    clang_tokenize(im->tu, clang_getRange(clang_getLocationForOffset(im->tu, im->main_file, lo),
                                          clang_getLocationForOffset(im->tu, im->main_file, hi)), &toks, &n);
    if (n == 2) {
        CXString dot = clang_getTokenSpelling(im->tu, toks[0]), acc = clang_getTokenSpelling(im->tu, toks[1]);
        if (strcmp(clang_getCString(dot), ".") == 0)
            snprintf(name, len, "%s", clang_getCString(acc));
        clang_disposeString(dot);
        clang_disposeString(acc);
    }
    clang_disposeTokens(im->tu, toks, n);
}

/* v.s3, v.x: one lane of a vector (swizzles of several lanes are refused). */
static kiln_node *lane_expr(importer *im, CXCursor c)
{
    char name[32];
    spelling(c, name, sizeof name);
    kid_list k = kids_of(c);
    if (!name[0] && k.n == 1)
        component_name(im, c, k.c[0], name, sizeof name);
    kiln_type vt;
    static const char xyzw[] = "xyzw";
    int lane = -1;
    if ((name[0] == 's' || name[0] == 'S') && name[1] && !name[2] && isxdigit((unsigned char)name[1]))
        lane = isdigit((unsigned char)name[1]) ? name[1] - '0' : tolower((unsigned char)name[1]) - 'a' + 10;
    else if (name[0] && !name[1] && strchr(xyzw, name[0]))
        lane = (int)(strchr(xyzw, name[0]) - xyzw);
    if (k.n != 1 || !type_of(clang_getCursorType(k.c[0]), &vt) || vt.lanes == 1) {
        refuse(im, c, "member access '.%s': kiln has no structs", name);
        return NULL;
    }
    if (lane < 0 || lane >= vt.lanes) {
        refuse(im, c, "vector component '.%s': kiln reads one lane at a time (.s0 .. .sF, .x .. .w)", name);
        return NULL;
    }
    return kiln_lane(im->ctx, expr(im, k.c[0]), lane);
}

static kiln_node *decl_ref(importer *im, CXCursor c)
{
    CXCursor d = clang_getCursorReferenced(c);
    if (d.kind == CXCursor_EnumConstantDecl)
        return kiln_int(im->ctx, clang_getEnumConstantDeclValue(d));
    kiln_var *v = var_of(im, c);
    if (!v)
        return NULL;
    if (v->is_array) {
        refuse(im, c, "'%s' used as a pointer value: kiln reads arrays through subscripts", v->name);
        return NULL;
    }
    return kiln_ref(im->ctx, v);
}

/* An operator written in a macro's body, whose tokens are not in the text:
 * kiln takes its value when it is a constant (#define RTS (TS / WPT)). */
static kiln_node *macro_constant(importer *im, CXCursor c)
{
    kiln_type t;
    long long v;
    if (type_of(clang_getCursorType(c), &t) && t.lanes == 1) {
        if (!kiln_scalar_is_float(t.scalar) && eval_int(c, &v) == 0)
            return t.scalar == KILN_I32 ? kiln_int(im->ctx, v) : kiln_lit(im->ctx, t, (double)v);
        CXEvalResult r = clang_Cursor_Evaluate(c);
        int is_float = r && clang_EvalResult_getKind(r) == CXEval_Float;
        if (r)
            clang_EvalResult_dispose(r);
        if (is_float && kiln_scalar_is_float(t.scalar))
            return t.scalar == KILN_F32 ? kiln_flt(im->ctx, eval_float(c)) : kiln_dbl(im->ctx, eval_float(c));
    }
    refuse(im, c, "an operator written in a macro's body, whose value is not a constant: kiln reads operators "
                  "from the source text (write the expression out, or make the macro a constant)");
    return NULL;
}

static kiln_node *unary_expr(importer *im, CXCursor c)
{
    char op[4];
    operator_of(im, c, op, sizeof op);
    if (!op[0])
        return macro_constant(im, c);
    kid_list k = kids_of(c);
    kiln_type t;
    int has_type = type_of(clang_getCursorType(c), &t);
    if (k.n != 1 || !has_type) {
        refuse(im, c, "unary operator '%s' on a value kiln has no type for", op);
        return NULL;
    }
    if (strcmp(op, "-") == 0)
        return kiln_neg(im->ctx, expr_as(im, k.c[0], t));
    if (strcmp(op, "+") == 0)
        return expr_as(im, k.c[0], t);
    if (strcmp(op, "~") == 0)
        return kiln_bnot(im->ctx, expr_as(im, k.c[0], t));
    if (strcmp(op, "!") == 0)
        return kiln_not(im->ctx, expr(im, k.c[0]));
    if (strcmp(op, "&") == 0 || strcmp(op, "*") == 0) {
        refuse(im, c, "pointer %s ('%s'): kiln has arrays and subscripts, not pointers",
               op[0] == '&' ? "address-of" : "dereference", op);
        return NULL;
    }
    refuse(im, c, "'%s' inside an expression: write the increment as its own statement", op);
    return NULL;
}

static kiln_node *binary_expr(importer *im, CXCursor c)
{
    char op[4];
    operator_of(im, c, op, sizeof op);
    kid_list k = kids_of(c);
    kiln_binop b;
    if (!op[0])
        return macro_constant(im, c);
    if (k.n != 2 || !binop_of(op, &b)) {
        refuse(im, c, strcmp(op, "=") == 0 ? "assignment used as a value" : "operator '%s' in an expression", op);
        return NULL;
    }
    kiln_node *l = expr(im, k.c[0]), *r = expr(im, k.c[1]);
    if (failed(im))
        return NULL;
    /* the operands as clang converted them (usual arithmetic conversions) */
    kiln_type lt, rt;
    if (type_of(clang_getCursorType(k.c[0]), &lt))
        l = coerce(im, l, lt);
    if (type_of(clang_getCursorType(k.c[1]), &rt) && b != KILN_SHL && b != KILN_SHR)
        r = coerce(im, r, rt);
    return kiln_bin(im->ctx, b, l, r);
}

static kiln_node *expr_inner(importer *im, CXCursor c)
{
    char ks[64];
    switch (c.kind) {
    case CXCursor_IntegerLiteral: {
        long long v = 0;
        eval_int(c, &v);
        kiln_type t;
        if (type_of(clang_getCursorType(c), &t) && t.scalar != KILN_I32)
            return kiln_lit(im->ctx, t, (double)v);
        return kiln_int(im->ctx, v);
    }
    case CXCursor_FloatingLiteral: {
        kiln_type t;
        type_of(clang_getCursorType(c), &t);
        return t.scalar == KILN_F32 ? kiln_flt(im->ctx, eval_float(c)) : kiln_dbl(im->ctx, eval_float(c));
    }
    case CXCursor_CharacterLiteral: {
        long long v = 0;
        eval_int(c, &v);
        return kiln_int(im->ctx, v);
    }
    case CXCursor_ParenExpr: case CXCursor_UnexposedExpr: {
        kid_list k = kids_of(c);
        if (k.n != 1)
            break;
        kiln_type t, kt;
        if (c.kind == CXCursor_UnexposedExpr && type_of(clang_getCursorType(c), &t) &&
            type_of(clang_getCursorType(k.c[0]), &kt) && kt.lanes > 1 && t.lanes != kt.lanes)
            return lane_expr(im, c); /* v.s0, which libclang does not expose */
        kiln_node *n = expr(im, k.c[0]);
        if (n && type_of(clang_getCursorType(c), &t) && !(t.scalar == KILN_I32 && kiln_node_type(n).scalar == KILN_BOOL))
            n = coerce(im, n, t);
        return n;
    }
    case CXCursor_DeclRefExpr: return decl_ref(im, c);
    case CXCursor_ArraySubscriptExpr: {
        kiln_node *idx[8];
        int nidx = 0;
        kiln_var *v = subscript(im, c, idx, &nidx);
        return v ? kiln_elem(im->ctx, v, nidx, idx) : NULL;
    }
    case CXCursor_BinaryOperator: return binary_expr(im, c);
    case CXCursor_UnaryOperator: return unary_expr(im, c);
    case CXCursor_ConditionalOperator: {
        kid_list k = kids_of(c);
        kiln_type t;
        if (k.n != 3 || !type_of(clang_getCursorType(c), &t))
            break;
        return kiln_select(im->ctx, expr(im, k.c[0]), expr_as(im, k.c[1], t), expr_as(im, k.c[2], t));
    }
    case CXCursor_CStyleCastExpr: return cast_expr(im, c);
    case CXCursor_CallExpr: return call_expr(im, c);
    case CXCursor_CompoundAssignOperator:
        refuse(im, c, "compound assignment used as a value");
        return NULL;
    case CXCursor_MemberRefExpr: return lane_expr(im, c);
    case CXCursor_CompoundLiteralExpr: {
        kiln_type t;
        kid_list k = kids_of(c);
        CXCursor init = k.n > 0 ? k.c[k.n - 1] : c;
        if (type_of(clang_getCursorType(c), &t) && t.lanes > 1 && init.kind == CXCursor_InitListExpr)
            return vector_literal(im, c, t, init);
        break;
    }
    default: break;
    }
    kind_spelling(c, ks, sizeof ks);
    refuse(im, c, "%s: not expressible in kiln", ks);
    return NULL;
}

static kiln_node *expr(importer *im, CXCursor c)
{
    if (failed(im))
        return kiln_int(im->ctx, 0);
    kiln_node *n = expr_inner(im, c);
    if (!n || failed(im))
        return kiln_int(im->ctx, 0);
    if (!n->loc.file)
        n->loc = loc_of(im, c);
    return n;
}

/* ---- statements ---- */

static void stmt(importer *im, CXCursor c);

static void stmts_of(importer *im, CXCursor c)
{
    if (c.kind == CXCursor_CompoundStmt)
        for_each_kid(im, c, stmt);
    else
        stmt(im, c);
}

/* An assignment's target: a scalar variable or an array element. */
static kiln_node *lvalue(importer *im, CXCursor c)
{
    kiln_type t, kt;
    if (c.kind == CXCursor_UnexposedExpr && kids_of(c).n == 1 && type_of(clang_getCursorType(c), &t) &&
        type_of(clang_getCursorType(kids_of(c).c[0]), &kt) && kt.lanes > 1 && t.lanes != kt.lanes)
        return lane_expr(im, c);
    c = bare(c);
    if (c.kind == CXCursor_DeclRefExpr)
        return decl_ref(im, c);
    if (c.kind == CXCursor_ArraySubscriptExpr || c.kind == CXCursor_MemberRefExpr)
        return expr(im, c);
    char ks[64];
    kind_spelling(c, ks, sizeof ks);
    refuse(im, c, "assignment to a %s: kiln assigns variables and array elements", ks);
    return NULL;
}

static kiln_type value_type(importer *im, CXCursor c)
{
    kiln_type t = {KILN_VOID, 1};
    if (!type_of(clang_getCursorType(c), &t)) {
        char tn[96];
        type_name(clang_getCursorType(c), tn, sizeof tn);
        refuse(im, c, "a value of type '%s': kiln has scalar and vector types only", tn);
    }
    return t;
}

static void assign_stmt(importer *im, CXCursor c, kiln_loc loc)
{
    char op[4];
    operator_of(im, c, op, sizeof op);
    kid_list k = kids_of(c);
    kiln_binop b = KILN_ADD;
    int compound = c.kind == CXCursor_CompoundAssignOperator;
    if (compound) {
        op[strlen(op) - 1] = '\0'; /* "+=" -> "+" */
        if (!binop_of(op, &b)) {
            refuse(im, c, "compound assignment '%s='", op);
            return;
        }
    }
    kiln_node *lhs = lvalue(im, k.c[0]);
    kiln_type t = value_type(im, k.c[0]);
    if (failed(im))
        return;
    kiln_node *rhs = expr(im, k.c[1]);
    if (compound && (b == KILN_SHL || b == KILN_SHR))
        ; /* the shift count keeps its own type */
    else
        rhs = coerce_store(im, rhs, t);
    if (compound)
        kiln_assign_op_at(im->ctx, loc, b, lhs, rhs);
    else
        kiln_assign_at(im->ctx, loc, lhs, rhs);
}

static void call_stmt(importer *im, CXCursor c, kiln_loc loc)
{
    char name[128];
    spelling(c, name, sizeof name);
    kid_list k = kids_of(c);
    int lanes = vector_width(name, "vstore");
    if (strcmp(name, "barrier") == 0 || strcmp(name, "work_group_barrier") == 0) {
        long long fences;
        if (k.n != 2 || eval_int(k.c[1], &fences) != 0) {
            refuse(im, c, "barrier: the fence flags must be constant");
            return;
        }
        kiln_barrier_at(im->ctx, loc, (int)fences);
        return;
    }
    if (lanes && k.n == 4) {
        kiln_node *off = NULL, *value = expr(im, k.c[1]), *first = expr(im, k.c[2]);
        kiln_var *v = pointer_base(im, k.c[3], &off);
        if (!v)
            return;
        kiln_node *flat = first->kind == KILN_N_LIT && first->ival == 0 ? (off ? off : kiln_int(im->ctx, 0))
                          : off ? kiln_add(im->ctx, kiln_muli(im->ctx, first, lanes), off)
                                : kiln_muli(im->ctx, first, lanes);
        kiln_vstore_at(im->ctx, loc, v, flat, value);
        return;
    }
    if ((strcmp(name, "atomic_add") == 0 || strcmp(name, "atom_add") == 0) && k.n == 3) {
        CXCursor target = bare(k.c[1]);
        kid_list a = kids_of(target);
        if (target.kind != CXCursor_UnaryOperator || a.n != 1 || bare(a.c[0]).kind != CXCursor_ArraySubscriptExpr) {
            refuse(im, c, "%s: kiln's atomic add takes &array[index]", name);
            return;
        }
        kiln_node *elem = expr(im, bare(a.c[0]));
        kiln_atomic_add_at(im->ctx, loc, elem, coerce(im, expr(im, k.c[2]), kiln_node_type(elem)));
        return;
    }
    kiln_expr_stmt_at(im->ctx, loc, expr(im, c));
}

/* ++x, x--, x += 1 as statements */
static void step_stmt(importer *im, CXCursor c, kiln_loc loc)
{
    char op[4];
    operator_of(im, c, op, sizeof op);
    kid_list k = kids_of(c);
    if (strcmp(op, "++") != 0 && strcmp(op, "--") != 0) {
        refuse(im, c, "expression statement '%s' has no effect", op);
        return;
    }
    kiln_node *lhs = lvalue(im, k.c[0]);
    if (!failed(im))
        kiln_assign_op_at(im->ctx, loc, op[0] == '+' ? KILN_ADD : KILN_SUB, lhs, kiln_int(im->ctx, 1));
}

static void var_decl(importer *im, CXCursor d)
{
    kiln_loc loc = loc_of(im, d);
    char name[128], tn[96];
    spelling(d, name, sizeof name);
    CXType t = clang_getCursorType(d);
    CXType ct = clang_getCanonicalType(t);
    kid_list k = kids_of(d);
    type_name(t, tn, sizeof tn);
    if (clang_Cursor_getStorageClass(d) == CX_SC_Static) {
        refuse(im, d, "static variable '%s'", name);
        return;
    }
    if (ct.kind == CXType_ConstantArray) {
        int dims[8], nd = 0;
        CXType e = ct;
        while (e.kind == CXType_ConstantArray && nd < 8) {
            dims[nd++] = (int)clang_getArraySize(e);
            e = clang_getCanonicalType(clang_getArrayElementType(e));
        }
        kiln_type et;
        int init = 0; /* the children are the dimensions' expressions, and an initialiser if any */
        for (int i = 0; i < k.n; i++)
            init |= k.c[i].kind == CXCursor_InitListExpr;
        if (!type_of(e, &et) || et.lanes != 1 || init) {
            refuse(im, d, "array '%s' of type '%s'%s", name, tn, init ? " with an initialiser" : "");
            return;
        }
        if (strstr(tn, "__local") || strstr(tn, "local "))
            bind(im, d, kiln_decl_shared_at(im->ctx, loc, name, et, nd, dims));
        else
            bind(im, d, kiln_decl_array_at(im->ctx, loc, name, et, nd, dims));
        return;
    }
    kiln_type vt;
    if (!type_of(t, &vt) || vt.scalar == KILN_VOID) {
        refuse(im, d, "variable '%s' of type '%s': kiln has scalar and vector types only", name, tn);
        return;
    }
    /* the initialiser is the last child (type references come first) */
    CXCursor init = k.n > 0 ? k.c[k.n - 1] : clang_getNullCursor();
    int has_init = k.n > 0 && clang_isExpression(init.kind);
    kiln_node *value = has_init ? coerce_store(im, expr(im, init), vt) : NULL;
    if (failed(im))
        return;
    if (clang_isConstQualifiedType(t) && has_init)
        bind(im, d, kiln_decl_const_at(im->ctx, loc, name, vt, value));
    else
        bind(im, d, kiln_decl_at(im->ctx, loc, name, vt, value));
}

static void decl_stmt(importer *im, CXCursor c)
{
    for_each_kid(im, c, var_decl);
}

/* ---- for loops ---- */

typedef struct assigned_scan {
    importer *im;
    CXCursor var;
    int found;
    CXCursor where;
} assigned_scan;

static int refers_to(CXCursor e, CXCursor var)
{
    e = bare(e);
    return e.kind == CXCursor_DeclRefExpr && clang_equalCursors(clang_getCursorReferenced(e), var);
}

static enum CXChildVisitResult find_assignment(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    assigned_scan *s = data;
    if (c.kind == CXCursor_BinaryOperator || c.kind == CXCursor_CompoundAssignOperator ||
        c.kind == CXCursor_UnaryOperator) {
        kid_list k = kids_of(c);
        if (k.n >= 1 && refers_to(k.c[0], s->var)) {
            char op[4];
            operator_of(s->im, c, op, sizeof op);
            int writes = c.kind == CXCursor_CompoundAssignOperator || strcmp(op, "++") == 0 ||
                         strcmp(op, "--") == 0 || (c.kind == CXCursor_BinaryOperator && strcmp(op, "=") == 0);
            if (writes) {
                s->found = 1;
                s->where = c;
                return CXChildVisit_Break;
            }
        }
    }
    return CXChildVisit_Recurse;
}

static int assigns(importer *im, CXCursor body, CXCursor var, CXCursor *where)
{
    assigned_scan s = {im, var, 0, body};
    clang_visitChildren(body, find_assignment, &s);
    *where = s.where;
    return s.found;
}

static int pragma_unroll(importer *im, CXCursor loop, int *factor)
{
    unsigned line;
    clang_getSpellingLocation(clang_getCursorLocation(loop), NULL, &line, NULL, NULL);
    for (int i = 0; i < im->nevals; i++)
        if (im->evals[i].what == EVAL_UNROLL && im->evals[i].line + 1 == line) {
            *factor = (int)im->evals[i].values[0];
            return 1;
        }
    return 0;
}

/* A counted loop, as the for statement spells it. */
typedef struct loop_shape {
    CXCursor var, start, bound, step, body; /* step: null cursor for ++ and -- */
    kiln_type type;
    char name[128];
    int up, inclusive;
} loop_shape;

/* for (T i = a; i < b | i <= b | i > b | i >= b; i++ | i-- | i += s | i -= s) body,
 * with i not assigned in the body: 0 and the shape, or -1 (refused). */
static int loop_shape_of(importer *im, CXCursor c, loop_shape *l)
{
    kid_list k = kids_of(c);
    if (k.n != 4) {
        refuse(im, c, "for loop without an initialisation, a condition or an increment: not a counted loop");
        return -1;
    }
    CXCursor init = k.c[0], cond = bare(k.c[1]), inc = k.c[2];
    l->body = k.c[3];
    kid_list id = kids_of(init);
    if (init.kind != CXCursor_DeclStmt || id.n != 1) {
        refuse(im, init, "for loop whose initialisation does not declare one loop variable");
        return -1;
    }
    l->var = id.c[0];
    kid_list vk = kids_of(l->var);
    if (!type_of(clang_getCursorType(l->var), &l->type) || !(l->type.scalar >= KILN_I8 && l->type.scalar <= KILN_U64) ||
        l->type.lanes != 1 || vk.n < 1) {
        refuse(im, l->var, "for loop whose variable is not an initialised integer");
        return -1;
    }
    l->start = vk.c[vk.n - 1];
    char cop[4], iop[4];
    const char *name = l->name;
    spelling(l->var, l->name, sizeof l->name);
    kid_list ck = kids_of(cond);
    operator_of(im, cond, cop, sizeof cop);
    l->up = strcmp(cop, "<") == 0 || strcmp(cop, "<=") == 0;
    int down = strcmp(cop, ">") == 0 || strcmp(cop, ">=") == 0;
    if (cond.kind != CXCursor_BinaryOperator || ck.n != 2 || !refers_to(ck.c[0], l->var) || (!l->up && !down)) {
        refuse(im, cond, "for loop over '%s' whose condition is not '%s < | <= | > | >= bound'", name, name);
        return -1;
    }
    l->bound = ck.c[1];
    l->inclusive = cop[1] == '=';
    kid_list ik = kids_of(inc);
    operator_of(im, inc, iop, sizeof iop);
    int step_up = strcmp(iop, "++") == 0 || strcmp(iop, "+=") == 0;
    int step_down = strcmp(iop, "--") == 0 || strcmp(iop, "-=") == 0;
    if (ik.n < 1 || !refers_to(ik.c[0], l->var) || (!step_up && !step_down) || step_up != l->up ||
        ((iop[1] == '=') != (ik.n == 2))) {
        refuse(im, inc, "for loop over '%s' whose increment is not '%s%s' or '%s %s= step'", name, name,
               l->up ? "++" : "--", name, l->up ? "+" : "-");
        return -1;
    }
    l->step = ik.n == 2 ? ik.c[1] : clang_getNullCursor();
    CXCursor where;
    if (assigns(im, l->body, l->var, &where)) {
        refuse(im, where, "the loop variable '%s' is assigned in the body: not a counted loop", name);
        return -1;
    }
    return 0;
}

/* The first variable that `e` reads and `body` assigns, if any. */
typedef struct reads_scan {
    importer *im;
    CXCursor body, where;
    int found;
} reads_scan;

static enum CXChildVisitResult find_assigned_read(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    reads_scan *r = data;
    if (c.kind == CXCursor_DeclRefExpr && assigns(r->im, r->body, clang_getCursorReferenced(c), &r->where)) {
        r->found = 1;
        return CXChildVisit_Break;
    }
    return CXChildVisit_Recurse;
}

static int body_assigns_what(importer *im, CXCursor body, CXCursor e, CXCursor *where)
{
    reads_scan r = {im, body, body, 0};
    if (!clang_Cursor_isNull(e)) {
        if (e.kind == CXCursor_DeclRefExpr)
            find_assigned_read(e, e, &r);
        else
            clang_visitChildren(e, find_assigned_read, &r);
    }
    *where = r.where;
    return r.found;
}

/* i from start down to bound: an iteration number t counts up to
 * (start - bound + (inclusive ? step : step - 1)) / step and the body reads
 * i = start - t * step. The start and bound are then read at every
 * iteration, so the body may not assign what they read; an unsigned i would
 * wrap around past 0 where C's loop goes on, so it is refused. */
static void descending_loop(importer *im, CXCursor c, kiln_loc loc, const loop_shape *l, kiln_node *start,
                            kiln_node *bound, kiln_node *step, int unroll)
{
    if (!kiln_scalar_is_signed(l->type.scalar)) {
        refuse(im, l->var, "descending loop over unsigned '%s': C's unsigned wrap-around (i - step past 0) "
                           "makes it no counted loop; use a signed variable", l->name);
        return;
    }
    CXCursor parts[3] = {l->start, l->bound, l->step}, where;
    for (int i = 0; i < 3; i++)
        if (body_assigns_what(im, l->body, parts[i], &where)) {
            refuse(im, where, "the descending loop over '%s' reads its start, bound or step at every iteration, "
                              "and the body assigns what they read", l->name);
            return;
        }
    kiln_node *span = kiln_sub(im->ctx, start, bound);
    kiln_node *count;
    if (step->kind == KILN_N_LIT)
        count = kiln_divi(im->ctx, kiln_addi(im->ctx, span, l->inclusive ? step->ival : step->ival - 1), step->ival);
    else
        count = kiln_div(im->ctx, kiln_add(im->ctx, span, l->inclusive ? step : kiln_addi(im->ctx, step, -1)), step);
    char tname[160];
    snprintf(tname, sizeof tname, "%s_iter", l->name);
    kiln_var *t = kiln_for_begin_at(im->ctx, loc, tname, kiln_int(im->ctx, 0), count, kiln_int(im->ctx, 1));
    kiln_node *offset = step->kind == KILN_N_LIT ? kiln_muli(im->ctx, kiln_ref(im->ctx, t), step->ival)
                                                  : kiln_mul(im->ctx, kiln_ref(im->ctx, t), step);
    bind(im, l->var, kiln_decl_const_at(im->ctx, loc, l->name, l->type,
                                        coerce(im, kiln_sub(im->ctx, start, offset), l->type)));
    stmts_of(im, l->body);
    if (!failed(im))
        kiln_for_end_at(im->ctx, loc_of(im, c), unroll);
}

static void for_stmt(importer *im, CXCursor c)
{
    kiln_loc loc = loc_of(im, c);
    loop_shape l;
    if (loop_shape_of(im, c, &l) != 0)
        return;
    int unroll = 1;
    pragma_unroll(im, c, &unroll);
    kiln_node *start = coerce(im, expr(im, l.start), l.type);
    kiln_node *bound = coerce(im, expr(im, l.bound), l.type);
    kiln_node *step = clang_Cursor_isNull(l.step) ? kiln_int(im->ctx, 1) : coerce(im, expr(im, l.step), l.type);
    if (failed(im))
        return;
    if (!l.up) {
        descending_loop(im, c, loc, &l, start, bound, step, unroll);
        return;
    }
    kiln_node *end = l.inclusive ? kiln_addi(im->ctx, bound, 1) : bound;
    bind(im, l.var, kiln_for_begin_at(im->ctx, loc, l.name, start, end, step));
    stmts_of(im, l.body);
    if (!failed(im))
        kiln_for_end_at(im->ctx, loc_of(im, c), unroll);
}

static void while_stmt(importer *im, CXCursor c)
{
    kid_list k = kids_of(c);
    kiln_loc loc = loc_of(im, c);
    if (k.n != 2) {
        refuse(im, c, "while loop with a declaration in its condition");
        return;
    }
    kiln_while_begin_at(im->ctx, loc, expr(im, k.c[0]));
    stmts_of(im, k.c[1]);
    if (!failed(im))
        kiln_while_end_at(im->ctx, loc);
}

static void if_stmt(importer *im, CXCursor c)
{
    kid_list k = kids_of(c);
    kiln_loc loc = loc_of(im, c);
    if (k.n < 2 || k.n > 3) {
        refuse(im, c, "if with a declaration in its condition");
        return;
    }
    kiln_if_begin_at(im->ctx, loc, expr(im, k.c[0]));
    stmts_of(im, k.c[1]);
    if (k.n == 3 && !failed(im)) {
        kiln_else_at(im->ctx, loc_of(im, k.c[2]));
        stmts_of(im, k.c[2]);
    }
    if (!failed(im))
        kiln_if_end_at(im->ctx, loc);
}

/* ---- switch, as an if / else chain ---- */

/* A break among `c`'s statements that leaves the switch (not one of a
 * nested loop or switch): the switch cannot be an if / else chain then. */
static enum CXChildVisitResult find_switch_break(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    if (c.kind == CXCursor_BreakStmt) {
        *(CXCursor *)data = c;
        return CXChildVisit_Break;
    }
    if (c.kind == CXCursor_ForStmt || c.kind == CXCursor_WhileStmt || c.kind == CXCursor_DoStmt ||
        c.kind == CXCursor_SwitchStmt)
        return CXChildVisit_Continue;
    return CXChildVisit_Recurse;
}

static int inner_break(CXCursor c, CXCursor *where)
{
    CXCursor found = clang_getNullCursor();
    if (c.kind == CXCursor_BreakStmt)
        found = c;
    else if (c.kind != CXCursor_ForStmt && c.kind != CXCursor_WhileStmt && c.kind != CXCursor_DoStmt &&
             c.kind != CXCursor_SwitchStmt)
        clang_visitChildren(c, find_switch_break, &found);
    *where = found;
    return !clang_Cursor_isNull(found);
}

/* One group of a switch: its case labels (none for default) and its statements. */
typedef struct case_group {
    CXCursor labels[16];
    int nlabels, is_default;
    CXCursor stmts[64];
    int nstmts;
} case_group;

/* Opens the condition of a group: sel == v1 || sel == v2 ... */
static kiln_node *case_condition(importer *im, kiln_var *sel, const case_group *g)
{
    kiln_node *cond = NULL;
    for (int i = 0; i < g->nlabels; i++) {
        kiln_node *eq = kiln_eq(im->ctx, kiln_ref(im->ctx, sel), coerce(im, expr(im, g->labels[i]), sel->type));
        cond = cond ? kiln_or(im->ctx, cond, eq) : eq;
    }
    return cond;
}

/* switch (e) { case A: ... break; case B: case C: ... break; default: ... }
 * without fall-through becomes `const T sel = e; if (sel == A) ... else if
 * (sel == B || sel == C) ... else ...`. A group that falls into the next, a
 * break elsewhere than at a group's end, or a default before the last group is
 * refused. */
static void switch_stmt(importer *im, CXCursor c)
{
    kid_list k = kids_of(c);
    kiln_loc loc = loc_of(im, c);
    kiln_type t;
    if (k.n != 2 || k.c[1].kind != CXCursor_CompoundStmt || !type_of(clang_getCursorType(k.c[0]), &t)) {
        refuse(im, c, "switch of an unexpected shape (a declaration in its condition, or no block)");
        return;
    }
    case_group groups[32];
    int ng = 0, open = 0;
    kid_list body = {.n = 0};
    clang_visitChildren(k.c[1], collect_kid, &body);
    if (body.n == (int)(sizeof body.c / sizeof body.c[0])) {
        refuse(im, c, "switch of %d statements or more", body.n);
        return;
    }
    for (int i = 0; i < body.n; i++) {
        CXCursor s = body.c[i], where;
        if (s.kind == CXCursor_CaseStmt || s.kind == CXCursor_DefaultStmt) {
            if (open) {
                refuse(im, s, "switch case falling through from the case above: kiln imports cases that end with break");
                return;
            }
            if (ng == 32 || (ng > 0 && groups[ng - 1].is_default)) {
                refuse(im, s, ng == 32 ? "switch with more than 32 cases" : "switch case after the default");
                return;
            }
            case_group *g = &groups[ng++];
            g->nlabels = g->nstmts = g->is_default = 0;
            while (s.kind == CXCursor_CaseStmt || s.kind == CXCursor_DefaultStmt) { /* case 1: case 2: stmt */
                kid_list l = kids_of(s);
                if (s.kind == CXCursor_CaseStmt && g->nlabels < 16 && l.n == 2)
                    g->labels[g->nlabels++] = l.c[0];
                g->is_default |= s.kind == CXCursor_DefaultStmt;
                s = l.c[l.n - 1];
            }
            open = 1;
        }
        if (!open) {
            refuse(im, s, "statement before the first case of a switch");
            return;
        }
        if (s.kind == CXCursor_BreakStmt) {
            open = 0;
            continue;
        }
        if (inner_break(s, &where)) {
            refuse(im, where, "break inside a switch case but not at its end: kiln imports cases that end with break");
            return;
        }
        case_group *g = &groups[ng - 1];
        if (g->nstmts == 64) {
            refuse(im, s, "switch case of more than 64 statements");
            return;
        }
        g->stmts[g->nstmts++] = s;
    }
    if (open && ng > 0 && !groups[ng - 1].is_default) {
        refuse(im, c, "switch whose last case does not end with break");
        return;
    }
    kiln_block_begin_at(im->ctx, loc);
    char name[32];
    snprintf(name, sizeof name, "switch_%d", loc.line);
    kiln_var *sel = kiln_decl_const_at(im->ctx, loc, name, t, expr(im, k.c[0]));
    int opened = 0;
    for (int i = 0; i < ng && !failed(im); i++) {
        if (groups[i].is_default) {
            if (opened)
                kiln_else_at(im->ctx, loc);
        } else {
            if (opened)
                kiln_else_at(im->ctx, loc);
            kiln_if_begin_at(im->ctx, loc, case_condition(im, sel, &groups[i]));
            opened++;
        }
        if (groups[i].is_default && !opened)
            kiln_block_begin_at(im->ctx, loc);
        for (int j = 0; j < groups[i].nstmts && !failed(im); j++)
            stmt(im, groups[i].stmts[j]);
        if (groups[i].is_default && !opened)
            kiln_block_end_at(im->ctx, loc);
    }
    for (int i = 0; i < opened && !failed(im); i++)
        kiln_if_end_at(im->ctx, loc);
    if (!failed(im))
        kiln_block_end_at(im->ctx, loc);
}

/* The comments of the lines before `line` not yet in the tree. */
static void comments_before(importer *im, unsigned line, kiln_loc loc)
{
    for (; im->next_comment < im->ncomments && im->comments[im->next_comment].line < line; im->next_comment++)
        kiln_comment_at(im->ctx, loc, "%s", im->comments[im->next_comment].text);
}

static void stmt(importer *im, CXCursor c)
{
    if (failed(im))
        return;
    kiln_loc loc = loc_of(im, c);
    if (loc.file == im->file)
        comments_before(im, (unsigned)loc.line, loc);
    char ks[64];
    switch (c.kind) {
    case CXCursor_CompoundStmt:
        kiln_block_begin_at(im->ctx, loc);
        for_each_kid(im, c, stmt);
        if (!failed(im))
            kiln_block_end_at(im->ctx, loc);
        return;
    case CXCursor_DeclStmt: decl_stmt(im, c); return;
    case CXCursor_NullStmt: return;
    case CXCursor_ForStmt: for_stmt(im, c); return;
    case CXCursor_WhileStmt: while_stmt(im, c); return;
    case CXCursor_IfStmt: if_stmt(im, c); return;
    case CXCursor_BreakStmt: kiln_break_at(im->ctx, loc); return;
    case CXCursor_ContinueStmt: kiln_continue_at(im->ctx, loc); return;
    case CXCursor_ReturnStmt: {
        kid_list k = kids_of(c);
        if (k.n > 0 && im->ret.scalar == KILN_VOID) {
            refuse(im, c, "return with a value from a kernel");
            return;
        }
        kiln_return_at(im->ctx, loc, k.n > 0 ? coerce_store(im, expr(im, k.c[0]), im->ret) : NULL);
        return;
    }
    case CXCursor_BinaryOperator: case CXCursor_CompoundAssignOperator: {
        char op[4];
        operator_of(im, c, op, sizeof op);
        if (c.kind == CXCursor_BinaryOperator && strcmp(op, "=") != 0) {
            refuse(im, c, strcmp(op, ",") == 0 ? "comma operator" : "expression statement '%s' has no effect", op);
            return;
        }
        assign_stmt(im, c, loc);
        return;
    }
    case CXCursor_UnaryOperator: step_stmt(im, c, loc); return;
    case CXCursor_CallExpr: call_stmt(im, c, loc); return;
    case CXCursor_ParenExpr: case CXCursor_UnexposedExpr: {
        kid_list k = kids_of(c);
        if (k.n == 1) {
            stmt(im, k.c[0]);
            return;
        }
        break;
    }
    case CXCursor_SwitchStmt: switch_stmt(im, c); return;
    case CXCursor_GotoStmt: refuse(im, c, "goto: not expressible in kiln"); return;
    case CXCursor_LabelStmt: refuse(im, c, "label: not expressible in kiln"); return;
    case CXCursor_DoStmt: refuse(im, c, "do-while loop: not expressible in kiln (write it as a while loop)"); return;
    default: break;
    }
    kind_spelling(c, ks, sizeof ks);
    refuse(im, c, "%s: not expressible in kiln", ks);
}

/* ---- arguments ---- */

/* How the kernel uses a pointer argument: written, and read (or read back). */
typedef struct write_scan {
    importer *im;
    CXCursor param;
    int written, read_back;
} write_scan;

static int base_is(CXCursor e, CXCursor param)
{
    e = bare(e);
    while (e.kind == CXCursor_ArraySubscriptExpr)
        e = bare(kids_of(e).c[0]);
    return refers_to(e, param);
}

static enum CXChildVisitResult scan_write(CXCursor c, CXCursor parent, CXClientData data)
{
    write_scan *w = data;
    (void)parent;
    if (c.kind == CXCursor_BinaryOperator || c.kind == CXCursor_CompoundAssignOperator ||
        c.kind == CXCursor_UnaryOperator) {
        kid_list k = kids_of(c);
        if (k.n >= 1 && bare(k.c[0]).kind == CXCursor_ArraySubscriptExpr && base_is(k.c[0], w->param)) {
            char op[4];
            operator_of(w->im, c, op, sizeof op);
            int plain = c.kind == CXCursor_BinaryOperator && strcmp(op, "=") == 0;
            int rmw = c.kind == CXCursor_CompoundAssignOperator ||
                      (c.kind == CXCursor_UnaryOperator && (strcmp(op, "++") == 0 || strcmp(op, "--") == 0));
            if (plain || rmw) {
                w->written = 1;
                w->read_back |= rmw;
                if (plain && k.n == 2)
                    clang_visitChildren(k.c[1], scan_write, w); /* reads on the right */
                return CXChildVisit_Continue;
            }
        }
    }
    if (c.kind == CXCursor_CallExpr) {
        char name[64];
        spelling(c, name, sizeof name);
        kid_list k = kids_of(c);
        CXCursor ptr = k.n == 4 ? bare(k.c[3]) : c;
        if (ptr.kind == CXCursor_BinaryOperator && kids_of(ptr).n == 2)
            ptr = kids_of(ptr).c[0]; /* vstoreN(v, 0, a + offset) */
        if (vector_width(name, "vstore") && k.n == 4 && base_is(ptr, w->param)) {
            w->written = 1;
            clang_visitChildren(k.c[1], scan_write, w);
            return CXChildVisit_Continue;
        }
        if ((strcmp(name, "atomic_add") == 0 || strcmp(name, "atom_add") == 0) && k.n == 3) {
            CXCursor t = bare(k.c[1]);
            if (t.kind == CXCursor_UnaryOperator && kids_of(t).n == 1 && base_is(kids_of(t).c[0], w->param)) {
                w->written = 1;
                w->read_back = 1;
                return CXChildVisit_Continue;
            }
        }
    }
    if (c.kind == CXCursor_DeclRefExpr && refers_to(c, w->param))
        w->read_back = 1;
    return CXChildVisit_Recurse;
}

static void param(importer *im, CXCursor p, CXCursor body)
{
    char name[128], tn[96];
    spelling(p, name, sizeof name);
    CXType t = clang_getCanonicalType(clang_getCursorType(p));
    type_name(clang_getCursorType(p), tn, sizeof tn);
    kiln_loc loc = loc_of(im, p);
    if (t.kind == CXType_Pointer) {
        CXType pointee = clang_getPointeeType(t);
        kiln_type et;
        if (!type_of(pointee, &et) || et.lanes != 1 || et.scalar == KILN_VOID) {
            refuse(im, p, "argument '%s' of type '%s': kiln's array arguments point to scalars", name, tn);
            return;
        }
        write_scan w = {im, p, 0, 0};
        clang_visitChildren(body, scan_write, &w);
        kiln_dir dir = !w.written ? KILN_IN : w.read_back ? KILN_INOUT : KILN_OUT;
        if (clang_isConstQualifiedType(pointee) && w.written) {
            refuse(im, p, "argument '%s' is const but written", name);
            return;
        }
        kiln_node *len = kiln_int(im->ctx, 1); /* 1-D: the length does not enter indices */
        bind(im, p, kiln_arg_array_at(im->ctx, loc, name, et, dir, 1, &len));
        return;
    }
    kiln_type st;
    if (!type_of(t, &st) || st.lanes != 1 || st.scalar == KILN_VOID) {
        refuse(im, p, "argument '%s' of type '%s': kiln's scalar arguments are numbers", name, tn);
        return;
    }
    bind(im, p, kiln_arg_scalar_at(im->ctx, loc, name, st));
}

/* ---- the translation unit ---- */

/* Appends `enum { kiln_eval_I_D = (ARG) };` for argument D of entry I (one
 * line per entry) to *out, so that clang evaluates it. 0 ok, -1 out of memory. */
static int append_eval(importer *im, char **out, size_t *used, size_t *cap, source_eval e, char *args)
{
    char *parts[3];
    int n = 0, depth = 0;
    parts[n++] = args;
    for (char *p = args; *p; p++) {
        depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
        if (*p == ',' && depth == 0 && n < 3) {
            *p = '\0';
            parts[n++] = p + 1;
        }
    }
    e.nvalues = n;
    size_t need = *used + strlen(args) + 3 * 64 + 64;
    if (need > *cap) {
        char *nout = realloc(*out, need * 2);
        if (!nout)
            return -1;
        *out = nout;
        *cap = need * 2;
    }
    source_eval *ne = realloc(im->evals, sizeof *ne * (size_t)(im->nevals + 1));
    if (!ne)
        return -1;
    im->evals = ne;
    *used += (size_t)sprintf(*out + *used, "\nenum {");
    for (int d = 0; d < n; d++)
        *used += (size_t)sprintf(*out + *used, "%s kiln_eval_%d_%d = (%s)", d ? "," : "", im->nevals, d, parts[d]);
    *used += (size_t)sprintf(*out + *used, " };");
    im->evals[im->nevals++] = e;
    return 0;
}

/* The text with what kiln reads from the source beside clang's tree
 * appended for clang to evaluate with the file's macros and the -D
 * definitions: each `#pragma kiln unroll(U)` and each
 * reqd_work_group_size(X, Y, Z). The lines of the text do not move.
 * malloc'ed; NULL when out of memory. */
static char *read_pragmas(importer *im, const char *text)
{
    size_t len = strlen(text), cap = len + 256, used = len;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    memcpy(out, text, len + 1);
    unsigned line = 1, newlines = 0;
    for (const char *c = text; *c; c++)
        newlines += *c == '\n';
    im->text_lines = newlines + 1; /* the first entry's enum is on the line after */
    for (const char *s = text; *s; line++) {
        const char *e = strchr(s, '\n');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        char buf[4096];
        snprintf(buf, sizeof buf, "%.*s", (int)(n < sizeof buf ? n : sizeof buf - 1), s);
        char *p = buf;
        while (isspace((unsigned char)*p))
            p++;
        if (p[0] == '/' && p[1] == '/') {
            source_comment *nc = realloc(im->comments, sizeof *nc * (size_t)(im->ncomments + 1));
            if (!nc) {
                free(out);
                return NULL;
            }
            im->comments = nc;
            const char *t = p + 2 + (p[2] == ' ');
            nc[im->ncomments].line = line;
            snprintf(nc[im->ncomments].text, sizeof nc[im->ncomments].text, "%s", t);
            im->ncomments++;
        }
        static const char unroll_key[] = "#pragma kiln unroll(", wg_key[] = "reqd_work_group_size(";
        char *wg = strstr(buf, wg_key), *arg = NULL;
        source_eval ev = {.line = line};
        if (strncmp(p, unroll_key, sizeof unroll_key - 1) == 0) {
            ev.what = EVAL_UNROLL;
            arg = p + sizeof unroll_key - 1;
        } else if (wg) {
            ev.what = EVAL_WG;
            arg = wg + sizeof wg_key - 1;
        }
        if (arg) {
            int depth = 1;
            char *close = arg;
            for (; *close && depth > 0; close++)
                depth += *close == '(' ? 1 : *close == ')' ? -1 : 0;
            if (depth == 0) {
                close[-1] = '\0';
                if (append_eval(im, &out, &used, &cap, ev, arg) != 0) {
                    free(out);
                    return NULL;
                }
            }
        }
        s = e ? e + 1 : s + n;
    }
    out[used] = '\0';
    return out;
}

static enum CXChildVisitResult eval_value(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    importer *im = data;
    if (c.kind == CXCursor_EnumDecl)
        return CXChildVisit_Recurse;
    if (c.kind != CXCursor_EnumConstantDecl)
        return CXChildVisit_Continue;
    char name[64];
    int i, d;
    spelling(c, name, sizeof name);
    if (sscanf(name, "kiln_eval_%d_%d", &i, &d) != 2 || i < 0 || i >= im->nevals || d < 0 || d > 2)
        return CXChildVisit_Continue;
    source_eval *e = &im->evals[i];
    e->values[d] = clang_getEnumConstantDeclValue(c);
    long long v = e->values[d];
    if (e->what == EVAL_UNROLL && (v < 0 || v > 4096 || e->nvalues != 1) && !im->failed) {
        kiln_fail_at(im->ctx, (kiln_loc){im->file, (int)e->line, 1},
                     "#pragma kiln unroll: factor %lld is not one number between 0 and 4096", v);
        im->failed = 1;
    }
    if (e->what == EVAL_WG && (v < 1 || v > 65536 || e->nvalues != 3) && !im->failed) {
        kiln_fail_at(im->ctx, (kiln_loc){im->file, (int)e->line, 1},
                     "reqd_work_group_size: %lld is not a work-group size (three sizes from 1 to 65536)", v);
        im->failed = 1;
    }
    return CXChildVisit_Continue;
}

typedef struct kernel_find {
    const char *name;
    CXCursor found;
    int have;
} kernel_find;

static enum CXChildVisitResult find_kernel(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    kernel_find *f = data;
    if (c.kind == CXCursor_FunctionDecl && clang_isCursorDefinition(c)) {
        char name[128];
        spelling(c, name, sizeof name);
        if (strcmp(name, f->name) == 0) {
            f->found = c;
            f->have = 1;
            return CXChildVisit_Break;
        }
    }
    return CXChildVisit_Continue;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (cap - len - 1 == 0) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[len] = '\0';
    return buf;
}

static int is_opencl(const kiln_import_opts *o)
{
    if (o->lang != KILN_SOURCE_AUTO)
        return o->lang == KILN_SOURCE_OPENCL;
    const char *dot = o->path ? strrchr(o->path, '.') : NULL;
    return dot && strcmp(dot, ".cl") == 0;
}

/* The first error clang reports, as kiln's error. */
static int first_clang_error(importer *im)
{
    unsigned n = clang_getNumDiagnostics(im->tu);
    for (unsigned i = 0; i < n; i++) {
        CXDiagnostic d = clang_getDiagnostic(im->tu, i);
        if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error) {
            CXFile file;
            unsigned line, col;
            clang_getSpellingLocation(clang_getDiagnosticLocation(d), &file, &line, &col, NULL);
            CXString msg = clang_getDiagnosticSpelling(d);
            if (line > im->text_lines && (int)(line - im->text_lines) <= im->nevals) {
                const source_eval *e = &im->evals[line - im->text_lines - 1];
                kiln_fail_at(im->ctx, (kiln_loc){im->file, (int)e->line, 1}, "%s: %s",
                             e->what == EVAL_UNROLL ? "#pragma kiln unroll" : "reqd_work_group_size",
                             clang_getCString(msg));
            } else
                kiln_fail_at(im->ctx, (kiln_loc){im->file, (int)line, (int)col}, "%s", clang_getCString(msg));
            clang_disposeString(msg);
            clang_disposeDiagnostic(d);
            im->failed = 1;
            return 1;
        }
        clang_disposeDiagnostic(d);
    }
    return 0;
}

static void import_helpers_of(importer *im, CXCursor body);

static CXCursor body_of(CXCursor fn)
{
    kid_list k = kids_of(fn);
    for (int i = 0; i < k.n; i++)
        if (k.c[i].kind == CXCursor_CompoundStmt)
            return k.c[i];
    return clang_getNullCursor();
}

/* One function of the file as a kiln helper: scalar arguments, a scalar or
 * vector result; the functions it calls first. */
static void import_helper(importer *im, CXCursor def)
{
    char name[128], tn[96];
    spelling(def, name, sizeof name);
    helper *h = realloc(im->helpers, sizeof *h * (size_t)(im->nhelpers + 1));
    if (!h) {
        refuse(im, def, "out of memory");
        return;
    }
    im->helpers = h;
    int self = im->nhelpers++;
    im->helpers[self] = (helper){def, NULL};
    CXCursor body = body_of(def);
    import_helpers_of(im, body);
    kiln_type ret = {KILN_VOID, 1};
    CXType rt = clang_getCursorResultType(def);
    if (clang_getCanonicalType(rt).kind != CXType_Void && !type_of(rt, &ret)) {
        type_name(rt, tn, sizeof tn);
        refuse(im, def, "function '%s' returns '%s': kiln's helpers return scalars or vectors", name, tn);
    }
    if (failed(im))
        return;
    kiln_loc loc = loc_of(im, def);
    im->ret = ret;
    kiln_func_begin_at(im->ctx, loc, name, ret);
    int nparams = clang_Cursor_getNumArguments(def);
    for (int i = 0; i < nparams && !failed(im); i++) {
        CXCursor p = clang_Cursor_getArgument(def, (unsigned)i);
        kiln_type pt;
        char pn[128];
        spelling(p, pn, sizeof pn);
        if (!type_of(clang_getCursorType(p), &pt) || pt.scalar == KILN_VOID) {
            type_name(clang_getCursorType(p), tn, sizeof tn);
            refuse(im, p, "argument '%s' of function '%s' is a '%s': kiln's helpers take scalars and vectors", pn,
                   name, tn);
            return;
        }
        bind(im, p, kiln_arg_scalar_at(im->ctx, loc_of(im, p), pn, pt));
    }
    if (!failed(im) && !clang_Cursor_isNull(body))
        for_each_kid(im, body, stmt);
    if (!failed(im))
        im->helpers[self].proc = kiln_proc_end_at(im->ctx, loc);
    im->ret = (kiln_type){KILN_VOID, 1};
}

static enum CXChildVisitResult find_helper_call(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    importer *im = data;
    if (failed(im))
        return CXChildVisit_Break;
    if (c.kind != CXCursor_CallExpr)
        return CXChildVisit_Recurse;
    CXCursor def = clang_getCursorDefinition(clang_getCursorReferenced(c));
    if (def.kind != CXCursor_FunctionDecl || clang_Cursor_isNull(body_of(def)))
        return CXChildVisit_Recurse; /* a builtin, or a declaration without body (refused at the call) */
    for (int i = 0; i < im->nhelpers; i++)
        if (clang_equalCursors(im->helpers[i].decl, def)) {
            if (!im->helpers[i].proc) {
                char name[128];
                spelling(def, name, sizeof name);
                refuse(im, c, "recursive call of '%s'", name);
                return CXChildVisit_Break;
            }
            return CXChildVisit_Recurse;
        }
    import_helper(im, def);
    return CXChildVisit_Recurse;
}

/* The functions of the file that `body` calls, imported as helpers (once each). */
static void import_helpers_of(importer *im, CXCursor body)
{
    if (clang_Cursor_isNull(body))
        return;
    int saved = im->next_comment;
    im->next_comment = im->ncomments; /* a helper's comments are not kept */
    clang_visitChildren(body, find_helper_call, im);
    im->next_comment = saved;
}

static kiln_proc *import_kernel(importer *im)
{
    CXCursor fn = im->kernel;
    kiln_loc loc = loc_of(im, fn);
    if (clang_Cursor_isVariadic(fn)) {
        refuse(im, fn, "variadic function '%s'", im->opts->kernel);
        return NULL;
    }
    CXType rt = clang_getCursorResultType(fn);
    if (clang_getCanonicalType(rt).kind != CXType_Void) {
        refuse(im, fn, "'%s' returns a value: a kernel returns void", im->opts->kernel);
        return NULL;
    }
    kid_list k = kids_of(fn);
    CXCursor body = clang_getNullCursor();
    for (int i = 0; i < k.n; i++)
        if (k.c[i].kind == CXCursor_CompoundStmt)
            body = k.c[i];
    import_helpers_of(im, body);
    if (failed(im))
        return NULL;
    kiln_proc *proc = kiln_kernel_begin_at(im->ctx, loc, im->opts->kernel);
    /* reqd_work_group_size on the kernel's line or the two before it */
    for (int i = 0; i < im->nevals; i++) {
        const source_eval *e = &im->evals[i];
        if (e->what == EVAL_WG && e->nvalues == 3 && e->line <= (unsigned)loc.line && e->line + 2 >= (unsigned)loc.line)
            kiln_proc_reqd_wg(proc, (int)e->values[0], (int)e->values[1], (int)e->values[2]);
    }
    int nparams = clang_Cursor_getNumArguments(fn);
    for (int i = 0; i < nparams && !failed(im); i++)
        param(im, clang_Cursor_getArgument(fn, (unsigned)i), body);
    if (im->opts->note && !failed(im))
        kiln_comment_at(im->ctx, loc, "%s", im->opts->note);
    if (!failed(im) && !clang_Cursor_isNull(body)) {
        unsigned first, last;
        CXSourceRange r = clang_getCursorExtent(body);
        clang_getSpellingLocation(clang_getRangeStart(r), NULL, &first, NULL, NULL);
        clang_getSpellingLocation(clang_getRangeEnd(r), NULL, &last, NULL, NULL);
        while (im->next_comment < im->ncomments && im->comments[im->next_comment].line <= first)
            im->next_comment++;
        for_each_kid(im, body, stmt);
        if (!failed(im))
            comments_before(im, last, loc);
    }
    if (failed(im))
        return NULL;
    return kiln_proc_end_at(im->ctx, loc);
}

#define MAX_DEFINES 64

/* clang's command line: the language, then one -D per definition. The
 * count, or -1 when a definition does not fit. */
static int command_line(const kiln_import_opts *opts, const char **args, char (*defs)[256])
{
    static const char *const cl[] = {"-x", "cl", "-cl-std=CL1.2", "-Xclang", "-fdeclare-opencl-builtins",
                                     "-Xclang", "-finclude-default-header"};
    static const char *const c99[] = {"-x", "c", "-std=c99"};
    int nargs = 0;
    const char *const *lang = is_opencl(opts) ? cl : c99;
    int nlang = is_opencl(opts) ? (int)(sizeof cl / sizeof cl[0]) : (int)(sizeof c99 / sizeof c99[0]);
    for (int i = 0; i < nlang; i++)
        args[nargs++] = lang[i];
    if (opts->ndefines > MAX_DEFINES)
        return -1;
    for (int i = 0; i < opts->ndefines; i++) {
        if ((size_t)snprintf(defs[i], sizeof defs[i], "-D%s", opts->defines[i]) >= sizeof defs[i])
            return -1;
        args[nargs++] = defs[i];
    }
    return nargs;
}

/* Parses `text` and imports the kernel the options name. */
static kiln_proc *parse_and_import(importer *im, kiln_importer *imp, const char *path, const char *text)
{
    const char *args[MAX_DEFINES + 8];
    char defs[MAX_DEFINES][256];
    int nargs = command_line(im->opts, args, defs);
    if (nargs < 0) {
        kiln_fail_at(im->ctx, (kiln_loc){NULL, 0, 0}, "more than %d -D definitions, or one of 254 characters or more",
                     MAX_DEFINES);
        return NULL;
    }
    char *with_evals = read_pragmas(im, text);
    if (!with_evals) {
        kiln_fail_at(im->ctx, (kiln_loc){NULL, 0, 0}, "out of memory");
        return NULL;
    }
    struct CXUnsavedFile unsaved = {path, with_evals, (unsigned long)strlen(with_evals)};
    kiln_proc *proc = NULL;
    enum CXErrorCode rc = clang_parseTranslationUnit2(imp->index, path, args, nargs, &unsaved, 1,
                                                      CXTranslationUnit_None, &im->tu);
    if (rc != CXError_Success) {
        kiln_fail_at(im->ctx, (kiln_loc){NULL, 0, 0}, "libclang could not parse %s (error %d)", path, (int)rc);
    } else if (!first_clang_error(im)) {
        im->main_file = clang_getFile(im->tu, path);
        clang_visitChildren(clang_getTranslationUnitCursor(im->tu), eval_value, im);
        kernel_find f = {im->opts->kernel, clang_getNullCursor(), 0};
        clang_visitChildren(clang_getTranslationUnitCursor(im->tu), find_kernel, &f);
        if (!im->failed && !f.have)
            kiln_fail_at(im->ctx, (kiln_loc){NULL, 0, 0}, "no function '%s' is defined in %s", im->opts->kernel, path);
        im->kernel = f.found;
        if (!im->failed && f.have)
            proc = import_kernel(im);
    }
    if (im->tu)
        clang_disposeTranslationUnit(im->tu);
    free(with_evals);
    return proc;
}

kiln_proc *kiln_import(kiln_importer *imp, kiln_ctx *ctx, const kiln_import_opts *opts)
{
    if (!ctx)
        return NULL;
    const char *path = opts->path ? opts->path : "input.cl";
    importer im = {.ctx = ctx, .opts = opts, .file = kiln_ctx_strdup(ctx, path)};
    if (!imp || !imp->index) {
        kiln_fail_at(ctx, (kiln_loc){NULL, 0, 0}, "%s",
                     imp && imp->error[0] ? imp->error : "libclang's index could not be created");
        return NULL;
    }
    if (!opts->kernel) {
        kiln_fail_at(ctx, (kiln_loc){NULL, 0, 0}, "no kernel name given");
        return NULL;
    }
    char *owned = opts->text ? NULL : read_file(path);
    if (!opts->text && !owned) {
        kiln_fail_at(ctx, (kiln_loc){NULL, 0, 0}, "cannot read %s", path);
        return NULL;
    }
    kiln_proc *proc = parse_and_import(&im, imp, path, opts->text ? opts->text : owned);
    free(im.vars);
    free(im.evals);
    free(im.comments);
    free(im.helpers);
    free(owned);
    return proc;
}

int kiln_import_args(const kiln_proc *kernel, kiln_import_arg *out, int max)
{
    if (!kernel)
        return 0;
    for (int i = 0; i < kernel->nargs && i < max; i++) {
        const kiln_var *v = kernel->args[i];
        out[i] = (kiln_import_arg){v->name, v->type.scalar, v->is_array ? v->dir : KILN_IN, v->is_array};
    }
    return kernel->nargs;
}
