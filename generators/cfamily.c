/*
 * cfamily.c: the one C-family walker behind kiln_generate.
 *
 * Owns the printer (growable output buffer, indentation, sticky error), the
 * pre-pass that finds what a translation unit needs (vector typedefs, helper
 * functions, atomics, constant arrays), expression printing with minimal
 * parentheses from a precedence table, and statement printing. Everything a
 * target spells differently goes through its gen_target hooks; this file never
 * asks which language it prints.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "generators/gen_int.h"

const int gen_widths[GEN_NWIDTHS] = {2, 3, 4, 8, 16};

int gen_width_index(int lanes)
{
    for (int i = 0; i < GEN_NWIDTHS; i++)
        if (gen_widths[i] == lanes)
            return i;
    return -1;
}

/* ---- output ----------------------------------------------------------- */

static void buf_reserve(gen_printer *p, size_t extra)
{
    if (p->failed || p->out.len + extra + 1 <= p->out.cap)
        return;
    size_t cap = p->out.cap ? p->out.cap : 4096;
    while (cap < p->out.len + extra + 1)
        cap *= 2;
    char *d = realloc(p->out.data, cap);
    if (!d) {
        gen_fail(p, NULL, "out of memory growing the output to %zu bytes", cap);
        return;
    }
    p->out.data = d;
    p->out.cap = cap;
}

void gen_puts(gen_printer *p, const char *s)
{
    size_t n = strlen(s);
    buf_reserve(p, n);
    if (p->failed)
        return;
    memcpy(p->out.data + p->out.len, s, n + 1);
    p->out.len += n;
}

static void gen_vprintf(gen_printer *p, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        gen_fail(p, NULL, "bad format in the generator: %s", fmt);
        return;
    }
    buf_reserve(p, (size_t)n);
    if (p->failed)
        return;
    vsnprintf(p->out.data + p->out.len, (size_t)n + 1, fmt, ap);
    p->out.len += (size_t)n;
}

void gen_printf(gen_printer *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gen_vprintf(p, fmt, ap);
    va_end(ap);
}

void gen_indent(gen_printer *p)
{
    for (int i = 0; i < p->indent; i++)
        gen_puts(p, "    ");
}

void gen_line(gen_printer *p, const char *fmt, ...)
{
    gen_indent(p);
    va_list ap;
    va_start(ap, fmt);
    gen_vprintf(p, fmt, ap);
    va_end(ap);
    gen_puts(p, "\n");
}

/* Wraps the text printed since `mark` in parentheses. */
static void wrap_parens(gen_printer *p, size_t mark)
{
    buf_reserve(p, 2);
    if (p->failed)
        return;
    memmove(p->out.data + mark + 1, p->out.data + mark, p->out.len - mark + 1);
    p->out.data[mark] = '(';
    p->out.len++;
    gen_puts(p, ")");
}

void gen_fail(gen_printer *p, const kiln_node *at, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = 1;
    size_t off = 0;
    if (at && at->loc.file)
        off = (size_t)snprintf(p->err, sizeof p->err, "%s:%d: ", at->loc.file, at->loc.line);
    if (off >= sizeof p->err)
        off = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + off, sizeof p->err - off, fmt, ap);
    va_end(ap);
}

/* ---- types and variables ---------------------------------------------- */

const char *gen_type(gen_printer *p, kiln_type t, char *buf, size_t len, const kiln_node *at)
{
    if (p->t->type_name(t, buf, len) != 0) {
        gen_fail(p, at, "%s target cannot express the type %s x%d", p->t->name,
                 kiln_scalar_name(t.scalar), t.lanes);
        snprintf(buf, len, "?");
    }
    return buf;
}

int gen_is_replicated(const gen_printer *p, const kiln_var *v)
{
    for (int i = 0; i < p->nrepl; i++)
        if (p->repl[i] == v)
            return 1;
    return 0;
}

void gen_replicate(gen_printer *p, const kiln_var *v)
{
    if (gen_is_replicated(p, v))
        return;
    if (p->nrepl == p->repl_cap) {
        int cap = p->repl_cap ? p->repl_cap * 2 : 16;
        const kiln_var **r = realloc(p->repl, (size_t)cap * sizeof *r);
        if (!r) {
            gen_fail(p, NULL, "out of memory");
            return;
        }
        p->repl = r;
        p->repl_cap = cap;
    }
    p->repl[p->nrepl++] = v;
}

void gen_array_base(gen_printer *p, const kiln_var *v)
{
    gen_puts(p, v->name);
    if (gen_is_replicated(p, v))
        gen_puts(p, "[kiln_lid]");
}

long long gen_array_count(gen_printer *p, const kiln_var *v)
{
    if (v->mem == KILN_MEM_CONSTANT)
        return v->const_count;
    long long count = 1;
    for (int i = 0; i < v->ndims; i++) {
        const kiln_node *d = v->dims ? v->dims[i] : NULL;
        if (!d || d->kind != KILN_N_LIT || d->ival <= 0) {
            gen_fail(p, NULL, "array '%s': dimension %d is not a positive constant", v->name, i);
            return 1;
        }
        count *= d->ival;
    }
    return count;
}

/* ---- literals --------------------------------------------------------- */

/* Shortest decimal that reads back as the same value in the type's precision. */
static void format_float(char *buf, size_t len, double v, int is_f32)
{
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(buf, len, "%.*g", digits, v);
        if (is_f32 ? strtof(buf, NULL) == (float)v : strtod(buf, NULL) == v)
            break;
    }
    if (!strpbrk(buf, ".en"))
        strncat(buf, ".0", len - strlen(buf) - 1);
}

static int print_float_lit(gen_printer *p, kiln_scalar s, double v)
{
    if (isnan(v)) {
        gen_puts(p, s == KILN_F32 ? "NAN" : "(double)NAN");
        return s == KILN_F32 ? PREC_POSTFIX : PREC_UNARY;
    }
    if (isinf(v)) {
        gen_puts(p, v < 0 ? "-" : "");
        gen_puts(p, s == KILN_F32 ? "INFINITY" : "(double)INFINITY");
        return v < 0 || s != KILN_F32 ? PREC_UNARY : PREC_POSTFIX;
    }
    char buf[64];
    format_float(buf, sizeof buf, v, s == KILN_F32);
    gen_puts(p, buf);
    if (s == KILN_F32)
        gen_puts(p, "f");
    return signbit(v) ? PREC_UNARY : PREC_POSTFIX;
}

static int print_int_lit(gen_printer *p, kiln_scalar s, long long v)
{
    char tb[64];
    switch (s) {
    case KILN_BOOL:
        gen_puts(p, v ? "1" : "0");
        return PREC_POSTFIX;
    case KILN_I32:
        if (v == INT_MIN) {
            gen_puts(p, "(-2147483647 - 1)");
            return PREC_POSTFIX;
        }
        gen_printf(p, "%lld", v);
        return v < 0 ? PREC_UNARY : PREC_POSTFIX;
    case KILN_U32:
        gen_printf(p, "%lluu", (unsigned long long)v & 0xffffffffull);
        return PREC_POSTFIX;
    case KILN_I64:
        if (v == LLONG_MIN) {
            gen_printf(p, "(-9223372036854775807%s - 1)", p->t->i64_suffix);
            return PREC_POSTFIX;
        }
        gen_printf(p, "%lld%s", v, p->t->i64_suffix);
        return v < 0 ? PREC_UNARY : PREC_POSTFIX;
    case KILN_U64:
        gen_printf(p, "%llu%s", (unsigned long long)v, p->t->u64_suffix);
        return PREC_POSTFIX;
    default: /* narrow integers: a cast keeps the literal's type exact */
        gen_printf(p, "(%s)%lld", gen_type(p, (kiln_type){s, 1}, tb, sizeof tb, NULL), v);
        return PREC_UNARY;
    }
}

static int print_scalar_lit(gen_printer *p, kiln_scalar s, long long iv, double fv)
{
    if (kiln_scalar_is_float(s))
        return print_float_lit(p, s, fv);
    return print_int_lit(p, s, iv);
}

void gen_const_value(gen_printer *p, kiln_scalar s, double v)
{
    print_scalar_lit(p, s, (long long)v, v);
}

/* ---- expressions ------------------------------------------------------ */

static const struct {
    const char *text;
    int prec;
} infix[] = {
    [KILN_ADD] = {"+", PREC_ADD},    [KILN_SUB] = {"-", PREC_ADD},    [KILN_MUL] = {"*", PREC_MUL},
    [KILN_DIV] = {"/", PREC_MUL},    [KILN_MOD] = {"%", PREC_MUL},    [KILN_LT] = {"<", PREC_REL},
    [KILN_LE] = {"<=", PREC_REL},    [KILN_GT] = {">", PREC_REL},     [KILN_GE] = {">=", PREC_REL},
    [KILN_EQ] = {"==", PREC_EQ},     [KILN_NE] = {"!=", PREC_EQ},     [KILN_AND] = {"&&", PREC_LAND},
    [KILN_OR] = {"||", PREC_LOR},    [KILN_BAND] = {"&", PREC_BAND},  [KILN_BOR] = {"|", PREC_BOR},
    [KILN_BXOR] = {"^", PREC_BXOR},  [KILN_SHL] = {"<<", PREC_SHIFT}, [KILN_SHR] = {">>", PREC_SHIFT},
};
#define NINFIX ((int)(sizeof infix / sizeof infix[0]))

static int is_infix(int op)
{
    return op >= 0 && op < NINFIX && infix[op].text;
}

static int is_compare(int op)
{
    return op >= KILN_LT && op <= KILN_NE;
}

/* Parentheses that are not needed but that compilers warn about when missing
 * (`a & b + c`, `a || b && c`, `a < b == c`): always added, so the output
 * compiles warning-free. */
static int wants_clarity(int parent, const kiln_node *child)
{
    if (child->kind != KILN_N_BIN || !is_infix(child->op) || child->op == parent)
        return 0;
    switch (parent) {
    case KILN_SHL: case KILN_SHR: case KILN_BAND: case KILN_BOR: case KILN_BXOR:
        return 1;
    case KILN_OR:
        return child->op == KILN_AND;
    default:
        return is_compare(parent) && is_compare(child->op);
    }
}

static int print_bin(gen_printer *p, const kiln_node *n)
{
    const kiln_node *a = n->kids[0], *b = n->kids[1];
    if (is_infix(n->op)) {
        int prec = infix[n->op].prec;
        gen_expr(p, a, wants_clarity(n->op, a) ? PREC_POSTFIX : prec);
        gen_printf(p, " %s ", infix[n->op].text);
        gen_expr(p, b, wants_clarity(n->op, b) ? PREC_POSTFIX : prec + 1);
        return prec;
    }
    if (n->op == KILN_MIN || n->op == KILN_MAX)
        return p->t->minmax(p, n);
    if (n->op == KILN_MODP) {
        if (n->type.lanes != 1) {
            gen_fail(p, n, "floored modulo (modp) of vectors is not supported; apply it per lane");
            return PREC_POSTFIX;
        }
        gen_printf(p, "kiln_modp_%s(", kiln_scalar_name(n->type.scalar));
        gen_expr(p, a, 0);
        gen_puts(p, ", ");
        gen_expr(p, b, 0);
        gen_puts(p, ")");
        return PREC_POSTFIX;
    }
    gen_fail(p, n, "unknown binary operator %d", n->op);
    return PREC_POSTFIX;
}

void gen_for_header(gen_printer *p, const kiln_node *s)
{
    char tb[64];
    gen_indent(p);
    gen_printf(p, "for (%s %s = ", gen_type(p, s->var->type, tb, sizeof tb, s), s->var->name);
    gen_expr(p, s->kids[0], 0);
    gen_printf(p, "; %s < ", s->var->name);
    gen_expr(p, s->kids[1], PREC_SHIFT);
    gen_printf(p, "; %s += ", s->var->name);
    gen_expr(p, s->kids[2], 0);
    gen_puts(p, ") {\n");
}

void gen_args(gen_printer *p, int nkids, kiln_node *const *kids)
{
    gen_puts(p, "(");
    for (int i = 0; i < nkids; i++) {
        if (i)
            gen_puts(p, ", ");
        gen_expr(p, kids[i], 0);
    }
    gen_puts(p, ")");
}

static int print_cast(gen_printer *p, const kiln_node *n)
{
    const kiln_node *a = n->kids[0];
    if (n->type.lanes > 1 && a->type.lanes == 1)
        return p->t->broadcast(p, n->type, a);
    if (n->type.lanes > 1)
        return p->t->vconvert(p, n->type, a);
    char tb[64];
    gen_printf(p, "(%s)", gen_type(p, n->type, tb, sizeof tb, n));
    gen_expr(p, a, PREC_UNARY);
    return PREC_UNARY;
}

static int expr_raw(gen_printer *p, const kiln_node *n)
{
    char tb[64];
    switch (n->kind) {
    case KILN_N_LIT:
        if (n->type.lanes > 1) {
            kiln_node scalar = *n;
            scalar.type.lanes = 1;
            return p->t->broadcast(p, n->type, &scalar);
        }
        return print_scalar_lit(p, n->type.scalar, n->ival, n->fval);
    case KILN_N_REF:
        gen_array_base(p, n->var);
        return PREC_POSTFIX;
    case KILN_N_ELEM:
        gen_array_base(p, n->var);
        gen_puts(p, "[");
        gen_expr(p, n->kids[0], 0);
        gen_puts(p, "]");
        return PREC_POSTFIX;
    case KILN_N_BIN:
        return print_bin(p, n);
    case KILN_N_UN: {
        static const char *const unops[] = {[KILN_NEG] = "-", [KILN_NOT] = "!", [KILN_BNOT] = "~"};
        if (n->op < 0 || n->op > KILN_BNOT) {
            gen_fail(p, n, "unknown unary operator %d", n->op);
            return PREC_UNARY;
        }
        gen_puts(p, unops[n->op]);
        size_t mark = p->out.len;
        gen_expr(p, n->kids[0], PREC_UNARY);
        /* "- -x" must not print as "--x" */
        if (!p->failed && n->op == KILN_NEG && p->out.data[mark] == '-')
            wrap_parens(p, mark);
        return PREC_UNARY;
    }
    case KILN_N_SELECT:
        gen_expr(p, n->kids[0], PREC_LOR);
        gen_puts(p, " ? ");
        gen_expr(p, n->kids[1], 0);
        gen_puts(p, " : ");
        gen_expr(p, n->kids[2], PREC_COND);
        return PREC_COND;
    case KILN_N_CAST:
        return print_cast(p, n);
    case KILN_N_MATH:
        if (n->nkids < 1 || p->t->math_name(n->op, n->kids[0]->type, tb, sizeof tb) != 0) {
            gen_fail(p, n, "%s target has no math builtin %d for %s x%d", p->t->name, n->op,
                     n->nkids ? kiln_scalar_name(n->kids[0]->type.scalar) : "?",
                     n->nkids ? n->kids[0]->type.lanes : 0);
            return PREC_POSTFIX;
        }
        gen_puts(p, tb);
        gen_args(p, n->nkids, n->kids);
        return PREC_POSTFIX;
    case KILN_N_CALL:
        gen_puts(p, n->callee->name);
        gen_args(p, n->nkids, n->kids);
        return PREC_POSTFIX;
    case KILN_N_WITEM:
        return p->t->witem(p, n->op, n->dim);
    case KILN_N_VLOAD:
        return p->t->vload(p, n);
    case KILN_N_LANE:
        return p->t->lane(p, n);
    case KILN_N_VEC:
        return p->t->vec_of(p, n);
    default:
        gen_fail(p, n, "node kind '%s' is not an expression", kiln_kind_names[n->kind]);
        return PREC_POSTFIX;
    }
}

void gen_expr(gen_printer *p, const kiln_node *n, int min_prec)
{
    if (p->failed)
        return;
    if (!n) {
        gen_fail(p, NULL, "missing expression in the tree");
        return;
    }
    size_t mark = p->out.len;
    int prec = expr_raw(p, n);
    if (prec < min_prec)
        wrap_parens(p, mark);
}

/* ---- statements ------------------------------------------------------- */

static const char *const compound_ops[] = {
    [KILN_ADD] = "+=", [KILN_SUB] = "-=", [KILN_MUL] = "*=", [KILN_DIV] = "/=", [KILN_MOD] = "%=",
    [KILN_BAND] = "&=", [KILN_BOR] = "|=", [KILN_BXOR] = "^=", [KILN_SHL] = "<<=", [KILN_SHR] = ">>=",
};

static void print_decl(gen_printer *p, const kiln_node *s)
{
    const kiln_var *v = s->var;
    char tb[64];
    if (v->mem == KILN_MEM_CONSTANT)
        return; /* defined at file scope by the pre-pass */
    if (v->mem == KILN_MEM_LOCAL) {
        p->t->decl_shared(p, s);
        return;
    }
    if (gen_is_replicated(p, v)) {
        /* storage is declared per work-group; only the initial value stays here */
        if (s->nkids > 0 && s->kids[0]) {
            gen_indent(p);
            gen_array_base(p, v);
            gen_puts(p, " = ");
            gen_expr(p, s->kids[0], 0);
            gen_puts(p, ";\n");
        }
        return;
    }
    gen_indent(p);
    if (v->is_array) {
        gen_printf(p, "%s %s[%lld];\n", gen_type(p, v->type, tb, sizeof tb, s), v->name,
                   gen_array_count(p, v));
        return;
    }
    gen_printf(p, "%s%s %s", v->is_const ? "const " : "", gen_type(p, v->type, tb, sizeof tb, s), v->name);
    if (s->nkids > 0 && s->kids[0]) {
        gen_puts(p, " = ");
        gen_expr(p, s->kids[0], 0);
    }
    gen_puts(p, ";\n");
}

static void print_assign(gen_printer *p, const kiln_node *s)
{
    gen_indent(p);
    gen_expr(p, s->kids[0], PREC_UNARY);
    if (s->op < 0) {
        gen_puts(p, " = ");
        gen_expr(p, s->kids[1], 0);
    } else if (s->op < (int)(sizeof compound_ops / sizeof compound_ops[0]) && compound_ops[s->op]) {
        gen_printf(p, " %s ", compound_ops[s->op]);
        gen_expr(p, s->kids[1], 0);
    } else {
        /* no compound form (min, max, modp, logical): spell it out */
        kiln_node *kids[2] = {s->kids[0], s->kids[1]};
        kiln_node bin = {.kind = KILN_N_BIN, .type = s->kids[0]->type, .loc = s->loc, .op = s->op,
                         .nkids = 2, .kids = kids};
        gen_puts(p, " = ");
        gen_expr(p, &bin, 0);
    }
    gen_puts(p, ";\n");
}

static void print_block_body(gen_printer *p, const kiln_node *first)
{
    p->indent++;
    gen_stmts(p, first);
    p->indent--;
}

static void print_comment(gen_printer *p, const char *text)
{
    const char *line = text ? text : "";
    for (;;) {
        const char *nl = strchr(line, '\n');
        int len = nl ? (int)(nl - line) : (int)strlen(line);
        gen_indent(p);
        gen_printf(p, "// %.*s\n", len, line);
        if (!nl)
            break;
        line = nl + 1;
    }
}

void gen_stmt(gen_printer *p, const kiln_node *s)
{
    if (p->failed)
        return;
    switch (s->kind) {
    case KILN_N_DECL:
        print_decl(p, s);
        break;
    case KILN_N_ASSIGN:
        print_assign(p, s);
        break;
    case KILN_N_VSTORE:
        p->t->vstore(p, s);
        break;
    case KILN_N_ATOMIC_ADD:
        p->t->atomic_add(p, s);
        break;
    case KILN_N_PREFETCH: /* each target's prelude defines kiln_prefetch (needs.prefetch) */
        gen_indent(p);
        gen_puts(p, "kiln_prefetch(&");
        gen_expr(p, s->kids[0], 0);
        gen_puts(p, ");\n");
        break;
    case KILN_N_EXPR_STMT:
        gen_indent(p);
        gen_expr(p, s->kids[0], 0);
        gen_puts(p, ";\n");
        break;
    case KILN_N_RETURN:
        if (p->proc && p->proc->is_kernel) {
            p->t->kernel_return(p, s);
            break;
        }
        gen_indent(p);
        if (s->nkids > 0 && s->kids[0]) {
            gen_puts(p, "return ");
            gen_expr(p, s->kids[0], 0);
            gen_puts(p, ";\n");
        } else {
            gen_puts(p, "return;\n");
        }
        break;
    case KILN_N_BLOCK:
        gen_line(p, "{");
        print_block_body(p, s->body);
        gen_line(p, "}");
        break;
    case KILN_N_FOR:
        gen_for_header(p, s);
        print_block_body(p, s->body);
        gen_line(p, "}");
        break;
    case KILN_N_WHILE:
        gen_indent(p);
        gen_puts(p, "while (");
        gen_expr(p, s->kids[0], 0);
        gen_puts(p, ") {\n");
        print_block_body(p, s->body);
        gen_line(p, "}");
        break;
    case KILN_N_IF:
        gen_indent(p);
        gen_puts(p, "if (");
        gen_expr(p, s->kids[0], 0);
        gen_puts(p, ") {\n");
        print_block_body(p, s->body);
        if (s->els) {
            gen_line(p, "} else {");
            print_block_body(p, s->els);
        }
        gen_line(p, "}");
        break;
    case KILN_N_BREAK:
        gen_line(p, "break;");
        break;
    case KILN_N_CONTINUE:
        gen_line(p, "continue;");
        break;
    case KILN_N_BARRIER:
        p->t->barrier(p, s);
        break;
    case KILN_N_COMMENT:
        print_comment(p, s->text);
        break;
    default:
        gen_fail(p, s, "node kind '%s' is not a statement", kiln_kind_names[s->kind]);
        break;
    }
}

void gen_stmts(gen_printer *p, const kiln_node *first)
{
    for (const kiln_node *s = first; s && !p->failed; s = s->next)
        gen_stmt(p, s);
}

void gen_params(gen_printer *p, const kiln_proc *proc)
{
    char tb[64];
    for (int i = 0; i < proc->nargs; i++) {
        const kiln_var *a = proc->args[i];
        if (i)
            gen_puts(p, ", ");
        gen_type(p, a->type, tb, sizeof tb, NULL);
        if (a->is_array)
            gen_printf(p, "%s%s%s *restrict %s", p->t->global_space, a->dir == KILN_IN ? "const " : "", tb,
                       a->name);
        else
            gen_printf(p, "%s %s", tb, a->name);
    }
    if (proc->nargs == 0 && !proc->is_kernel)
        gen_puts(p, "void");
}

void gen_modp_helpers(gen_printer *p, const char *qual, const char *fmod_f32, const char *fmod_f64, int select_builtin)
{
    char tb[64];
    for (int s = 0; s < KILN_SCALAR_COUNT; s++) {
        if (!p->needs.modp[s])
            continue;
        const char *t = gen_type(p, (kiln_type){(kiln_scalar)s, 1}, tb, sizeof tb, NULL);
        const char *name = kiln_scalar_name((kiln_scalar)s);
        gen_printf(p, "%s%s kiln_modp_%s(%s a, %s b)\n{\n", qual, t, name, t, t);
        if (kiln_scalar_is_float((kiln_scalar)s))
            gen_printf(p, "    %s r = %s(a, b);\n", t, s == KILN_F32 ? fmod_f32 : fmod_f64);
        else
            gen_printf(p, "    %s r = a %% b;\n", t);
        if (kiln_scalar_is_signed((kiln_scalar)s) && select_builtin && !kiln_scalar_is_float((kiln_scalar)s))
            gen_printf(p, "    return select(r, r + b, (%s)(r < 0));\n}\n", t);
        else if (kiln_scalar_is_signed((kiln_scalar)s))
            gen_puts(p, "    return r < 0 ? r + b : r;\n}\n");
        else
            gen_puts(p, "    return r;\n}\n");
    }
}

/* ---- pre-pass --------------------------------------------------------- */

void gen_visit_node(const kiln_node *n, void (*fn)(const kiln_node *, void *), void *arg)
{
    if (!n)
        return;
    fn(n, arg);
    for (int i = 0; i < n->nkids; i++)
        gen_visit_node(n->kids[i], fn, arg);
    gen_visit(n->body, fn, arg);
    gen_visit(n->els, fn, arg);
}

void gen_visit(const kiln_node *s, void (*fn)(const kiln_node *n, void *arg), void *arg)
{
    for (; s; s = s->next)
        gen_visit_node(s, fn, arg);
}

static void need_type(gen_printer *p, kiln_type t)
{
    if (t.scalar == KILN_F64)
        p->needs.uses_f64 = 1;
    int w = gen_width_index(t.lanes);
    if (t.lanes > 1 && w >= 0 && (unsigned)t.scalar < KILN_SCALAR_COUNT)
        p->needs.vec[t.scalar][w] = 1;
}

/* Keywords and builtin names of C and both targets: a variable named like one breaks the output. */
static const char *const common_reserved[] = {
    "auto", "break", "case", "const", "continue", "default", "do", "double", "else", "enum", "extern", "float",
    "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed", "sizeof",
    "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "_Bool",
    "sqrt", "exp", "log", "sin", "cos", "pow", "fabs", "fma", "floor", NULL,
};

/* Builtin functions of OpenCL C and C's <math.h>: a kernel or helper function named
 * alike collides with them in one target or the other (a variable named alike only
 * hides them, which is legal). */
static const char *const builtin_functions[] = {
    "get_work_dim", "get_global_offset", "mem_fence", "read_mem_fence", "write_mem_fence", "printf",
    "async_work_group_copy", "async_work_group_strided_copy", "wait_group_events", "prefetch", "shuffle",
    "shuffle2", "select", "bitselect", "any", "all", "isnan", "isinf", "isfinite", "isnormal", "signbit", "clamp",
    "mix", "step", "smoothstep", "sign", "degrees", "radians", "dot", "cross", "length", "distance", "normalize",
    "mad", "mad24", "mul24", "mad_hi", "mul_hi", "mad_sat", "abs", "abs_diff", "add_sat", "sub_sat", "hadd", "rhadd",
    "rotate", "upsample", "popcount", "clz", "ceil", "round", "trunc", "rint", "fract", "exp2", "exp10", "log2",
    "log10", "log1p", "expm1", "rsqrt", "cbrt", "hypot", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh",
    "tanh", "asinh", "acosh", "atanh", "erf", "erfc", "ldexp", "frexp", "modf", "nan", "nextafter", "fdim",
    "remainder", "remquo", "copysign", "logb", "ilogb", "lgamma", "tgamma", "maxmag", "minmag", "pown", "powr",
    "rootn", "sincos", "vload_half", "vstore_half", "atomic_sub", "atomic_xchg", "atomic_inc", "atomic_dec",
    "atomic_min", "atomic_max", "atomic_and", "atomic_or", "atomic_xor", NULL,
};

static int in_list(const char *const *list, const char *name)
{
    for (; list && *list; list++)
        if (strcmp(*list, name) == 0)
            return 1;
    return 0;
}

static void check_name(gen_printer *p, const char *name, const kiln_node *at, int is_proc)
{
    if (!name || !*name) {
        gen_fail(p, at, "a variable or procedure has no name");
        return;
    }
    if (strncmp(name, "kiln_", 5) == 0 || in_list(common_reserved, name) || in_list(p->t->reserved, name) ||
        (is_proc && in_list(builtin_functions, name)) || (p->t->reserved_fn && p->t->reserved_fn(name)))
        gen_fail(p, at, "the name '%s' is reserved in the %s target (a keyword, type or builtin); rename it", name,
                 p->t->name);
}

static void scan_node(const kiln_node *n, void *arg)
{
    gen_printer *p = arg;
    if ((n->kind == KILN_N_DECL || n->kind == KILN_N_FOR) && n->var)
        check_name(p, n->var->name, n, 0);
    need_type(p, n->type);
    if (n->var)
        need_type(p, n->var->type);
    switch (n->kind) {
    case KILN_N_BIN:
        if (n->op == KILN_MIN || n->op == KILN_MAX) {
            int w = n->type.lanes > 1 ? 1 + gen_width_index(n->type.lanes) : 0;
            if (w >= 0)
                p->needs.minmax[n->type.scalar][w] |= n->op == KILN_MIN ? 1u : 2u;
        } else if (n->op == KILN_MODP && n->type.lanes == 1) {
            p->needs.modp[n->type.scalar] = 1;
        }
        break;
    case KILN_N_MATH:
        if (n->nkids > 0 && n->kids[0]->type.lanes > 1 && gen_width_index(n->kids[0]->type.lanes) >= 0)
            p->needs.vmath[n->kids[0]->type.scalar][gen_width_index(n->kids[0]->type.lanes)] |= 1u << n->op;
        break;
    case KILN_N_PREFETCH:
        p->needs.prefetch = 1;
        break;
    case KILN_N_VSTORE:
        if (n->op == 1 && n->var->mem == KILN_MEM_GLOBAL && gen_width_index(n->lanes) >= 0) {
            p->needs.stream[n->var->type.scalar][gen_width_index(n->lanes)] = 1;
            p->needs.any_stream = 1;
        }
        break;
    case KILN_N_ATOMIC_ADD: {
        const kiln_node *e = n->kids[0];
        if (e->var)
            p->needs.atomic[e->var->type.scalar][e->var->mem == KILN_MEM_LOCAL] = 1;
        break;
    }
    case KILN_N_DECL:
        if (n->var->mem == KILN_MEM_CONSTANT) {
            for (int i = 0; i < p->needs.nconsts; i++) {
                if (p->needs.consts[i]->var == n->var)
                    return;
                if (strcmp(p->needs.consts[i]->var->name, n->var->name) == 0) {
                    gen_fail(p, n, "two constant arrays named '%s': constant arrays live at file scope",
                             n->var->name);
                    return;
                }
            }
            if (p->needs.nconsts == (int)(sizeof p->needs.consts / sizeof p->needs.consts[0])) {
                gen_fail(p, n, "more than %d constant arrays", p->needs.nconsts);
                return;
            }
            p->needs.consts[p->needs.nconsts++] = n;
        }
        break;
    default:
        break;
    }
}

static void scan_proc(gen_printer *p, const kiln_proc *proc)
{
    if (proc->uses_f64 || proc->ret.scalar == KILN_F64)
        p->needs.uses_f64 = 1;
    need_type(p, proc->ret);
    check_name(p, proc->name, NULL, 1);
    for (int i = 0; i < proc->nargs; i++) {
        need_type(p, proc->args[i]->type);
        check_name(p, proc->args[i]->name, NULL, 0);
    }
    gen_visit(proc->body, scan_node, p);
}

/* Helpers reachable from the kernel (unused ones would only draw warnings). */
typedef struct reach {
    const kiln_proc *procs[256];
    int n;
    int overflow;
} reach;

static int reach_has(const reach *r, const kiln_proc *proc)
{
    for (int i = 0; i < r->n; i++)
        if (r->procs[i] == proc)
            return 1;
    return 0;
}

static void reach_node(const kiln_node *n, void *arg)
{
    reach *r = arg;
    if (n->kind != KILN_N_CALL || !n->callee || reach_has(r, n->callee))
        return;
    if (r->n == (int)(sizeof r->procs / sizeof r->procs[0])) {
        r->overflow = 1;
        return;
    }
    r->procs[r->n++] = n->callee;
    gen_visit(n->callee->body, reach_node, r);
}

/* ---- the translation unit --------------------------------------------- */

static void print_helper(gen_printer *p, const kiln_proc *f)
{
    char tb[64];
    p->proc = f;
    gen_printf(p, "%s%s %s(", p->t->helper_qual, gen_type(p, f->ret, tb, sizeof tb, NULL), f->name);
    gen_params(p, f);
    gen_puts(p, ")\n{\n");
    print_block_body(p, f->body);
    gen_puts(p, "}\n\n");
    p->proc = NULL;
}

/* A constant array at file scope: eight values a line. */
static void print_const_array(gen_printer *p, const kiln_node *decl)
{
    const kiln_var *v = decl->var;
    char tb[64];
    gen_printf(p, "%s %s %s[%lld] = {", p->t->const_array_qual, gen_type(p, v->type, tb, sizeof tb, decl),
               v->name, gen_array_count(p, v));
    for (int i = 0; i < v->const_count; i++) {
        gen_puts(p, i % 8 ? ", " : i ? ",\n    " : "\n    ");
        gen_const_value(p, v->type.scalar, v->const_values[i]);
    }
    gen_puts(p, "\n};\n");
}

char *kiln_generate(const kiln_proc *kernel, kiln_lang lang, const kiln_gen_opts *opts, char *err,
                    size_t errlen)
{
    static const kiln_gen_opts no_opts = {0};
    static const gen_target *const targets[KILN_LANG_COUNT] = {
        [KILN_LANG_CL] = &gen_target_opencl, [KILN_LANG_C] = &gen_target_c99};
    if (err && errlen)
        err[0] = '\0';
    if (!kernel || !kernel->is_kernel || (unsigned)lang >= KILN_LANG_COUNT) {
        if (err && errlen)
            snprintf(err, errlen, "%s", !kernel ? "no kernel to generate (NULL procedure)"
                                        : !kernel->is_kernel ? "procedure is a helper, not a kernel"
                                                             : "unknown target language");
        return NULL;
    }
    gen_printer *p = calloc(1, sizeof *p);
    if (!p) {
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->t = targets[lang];
    p->opts = opts ? opts : &no_opts;

    reach r = {.n = 0};
    gen_visit(kernel->body, reach_node, &r);
    if (r.overflow)
        gen_fail(p, NULL, "kernel '%s' calls more than %d helper functions", kernel->name, r.n);

    const kiln_proc *all = kiln_ctx_procs(kernel->ctx);
    for (const kiln_proc *f = all; f; f = f->next)
        if (f == kernel || reach_has(&r, f))
            scan_proc(p, f);

    p->t->prelude(p);
    for (int i = 0; i < p->needs.nconsts; i++)
        print_const_array(p, p->needs.consts[i]);
    if (p->needs.nconsts)
        gen_puts(p, "\n");
    for (const kiln_proc *f = all; f; f = f->next)
        if (f != kernel && reach_has(&r, f))
            print_helper(p, f);
    p->proc = kernel;
    p->t->kernel(p, kernel);

    char *text = NULL;
    if (p->failed) {
        if (err && errlen)
            snprintf(err, errlen, "%s: %s", kernel->name, p->err);
        free(p->out.data);
    } else {
        text = p->out.data ? p->out.data : strdup("");
    }
    free(p->repl);
    free(p);
    return text;
}
