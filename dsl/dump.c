/*
 * dump.c: the kind tables generated from kinds.def, and kiln_proc_dump, a
 * deterministic indented S-expression of a procedure, one node per line, used
 * by tests and for debugging. Variables print as name#id so copies made by
 * unrolling are told apart.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dsl/dsl_priv.h"

const char *const kiln_kind_names[KILN_N_COUNT] = {
#define X(kind, name, is_stmt) [KILN_N_##kind] = name,
#include "dsl/kinds.def"
#undef X
};

const unsigned char kiln_kind_is_stmt[KILN_N_COUNT] = {
#define X(kind, name, is_stmt) [KILN_N_##kind] = is_stmt,
#include "dsl/kinds.def"
#undef X
};

typedef struct strbuf {
    char *s;
    size_t len, cap;
    int oom;
} strbuf;

static void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(strbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = 1;
        return;
    }
    if ((size_t)n >= b->cap - b->len) {
        size_t cap = b->cap * 2 + (size_t)n + 1;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
        va_start(ap, fmt);
        vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

static void line(strbuf *b, int depth)
{
    sb_printf(b, "\n%*s", depth * 2, "");
}

static const char *ty(kiln_type t, char buf[24])
{
    return dsl_type_str(t, buf);
}

static const char *const unop_names[] = {"-", "!", "~"};
static const char *const math_names[] = {"sqrt", "exp", "log", "sin", "cos", "pow", "fabs", "fma", "floor"};
static const char *const witem_names[] = {"global_id", "local_id", "group_id", "global_size", "local_size",
                                          "num_groups"};
static const char *const mem_names[] = {"private", "global", "local", "constant"};
static const char *const dir_names[] = {"in", "out", "inout"};

static void dump_expr(strbuf *b, const kiln_node *n, int depth);

static void var_label(strbuf *b, const kiln_var *v)
{
    sb_printf(b, "%s#%d", v ? v->name : "?", v ? v->id : -1);
}

static void dump_dims(strbuf *b, const kiln_var *v, int depth)
{
    line(b, depth);
    sb_printf(b, "(dims");
    for (int i = 0; i < v->ndims; i++)
        dump_expr(b, v->dims[i], depth + 1);
    sb_printf(b, ")");
}

static void dump_expr(strbuf *b, const kiln_node *n, int depth)
{
    char t[24];
    line(b, depth);
    if (!n) {
        sb_printf(b, "(null)");
        return;
    }
    sb_printf(b, "(%s", kiln_kind_names[n->kind]);
    switch (n->kind) {
    case KILN_N_LIT:
        if (kiln_scalar_is_float(n->type.scalar))
            sb_printf(b, " %.17g", n->fval);
        else
            sb_printf(b, " %lld", n->ival);
        break;
    case KILN_N_REF: case KILN_N_ELEM: case KILN_N_VLOAD:
        sb_printf(b, " ");
        var_label(b, n->var);
        break;
    case KILN_N_BIN: sb_printf(b, " %s", binop_name(n->op)); break;
    case KILN_N_UN: sb_printf(b, " %s", n->op >= 0 && n->op <= KILN_BNOT ? unop_names[n->op] : "?"); break;
    case KILN_N_MATH: sb_printf(b, " %s", n->op >= 0 && n->op <= KILN_FLOOR ? math_names[n->op] : "?"); break;
    case KILN_N_CALL: sb_printf(b, " %s", n->callee ? n->callee->name : "?"); break;
    case KILN_N_WITEM:
        sb_printf(b, " %s %d", n->op >= 0 && n->op <= KILN_NUM_GROUPS ? witem_names[n->op] : "?", n->dim);
        break;
    case KILN_N_LANE: sb_printf(b, " %d", n->lanes); break;
    default: break;
    }
    sb_printf(b, " %s", ty(n->type, t));
    for (int i = 0; i < n->nkids; i++)
        dump_expr(b, n->kids[i], depth + 1);
    sb_printf(b, ")");
}

static void dump_stmts(strbuf *b, const kiln_node *n, int depth);

static void dump_stmt(strbuf *b, const kiln_node *n, int depth)
{
    char t[24];
    line(b, depth);
    sb_printf(b, "(%s", kiln_kind_names[n->kind]);
    const kiln_var *v = n->var;
    switch (n->kind) {
    case KILN_N_DECL:
        sb_printf(b, " ");
        var_label(b, v);
        sb_printf(b, " %s%s", v->is_const ? "const " : "", ty(v->type, t));
        if (v->is_array) {
            sb_printf(b, " %s [", mem_names[v->mem]);
            for (int i = 0; i < v->ndims; i++)
                sb_printf(b, "%s%lld", i ? " " : "", v->dims[i]->ival);
            sb_printf(b, "]");
            if (v->const_values) {
                sb_printf(b, " {");
                for (int i = 0; i < v->const_count; i++)
                    sb_printf(b, "%s%.17g", i ? " " : "", v->const_values[i]);
                sb_printf(b, "}");
            }
        }
        break;
    case KILN_N_ASSIGN:
        if (n->op >= 0)
            sb_printf(b, " %s=", binop_name(n->op));
        break;
    case KILN_N_VSTORE:
        sb_printf(b, " ");
        var_label(b, v);
        sb_printf(b, " %d%s", n->lanes, n->op == 1 ? " stream" : "");
        break;
    case KILN_N_FOR:
        sb_printf(b, " ");
        var_label(b, v);
        sb_printf(b, " %s", ty(v->type, t));
        break;
    case KILN_N_BARRIER:
        sb_printf(b, "%s%s", n->op & KILN_FENCE_LOCAL ? " local" : "", n->op & KILN_FENCE_GLOBAL ? " global" : "");
        break;
    case KILN_N_COMMENT: sb_printf(b, " \"%s\"", n->text ? n->text : ""); break;
    default: break;
    }
    for (int i = 0; i < n->nkids; i++)
        dump_expr(b, n->kids[i], depth + 1);
    if (n->kind == KILN_N_IF) {
        line(b, depth + 1);
        sb_printf(b, "(then");
        dump_stmts(b, n->body, depth + 2);
        sb_printf(b, ")");
        if (n->els) {
            line(b, depth + 1);
            sb_printf(b, "(else");
            dump_stmts(b, n->els, depth + 2);
            sb_printf(b, ")");
        }
    } else {
        dump_stmts(b, n->body, depth + 1);
    }
    sb_printf(b, ")");
}

static void dump_stmts(strbuf *b, const kiln_node *n, int depth)
{
    for (; n; n = n->next)
        dump_stmt(b, n, depth);
}

char *kiln_proc_dump(const kiln_proc *proc)
{
    char t[24];
    if (!proc)
        return NULL;
    strbuf b = {malloc(1024), 0, 1024, 0};
    if (!b.s)
        return NULL;
    b.s[0] = '\0';
    sb_printf(&b, "(%s %s", proc->is_kernel ? "kernel" : "function", proc->name);
    if (!proc->is_kernel)
        sb_printf(&b, " %s", ty(proc->ret, t));
    if (proc->reqd_wg[0]) {
        line(&b, 1);
        sb_printf(&b, "(reqd_wg %d %d %d)", proc->reqd_wg[0], proc->reqd_wg[1], proc->reqd_wg[2]);
    }
    for (int i = 0; i < proc->nargs; i++) {
        const kiln_var *v = proc->args[i];
        line(&b, 1);
        sb_printf(&b, "(arg ");
        var_label(&b, v);
        sb_printf(&b, " %s", ty(v->type, t));
        if (v->is_array) {
            sb_printf(&b, " %s %s", mem_names[v->mem], dir_names[v->dir]);
            dump_dims(&b, v, 2);
        }
        sb_printf(&b, ")");
    }
    line(&b, 1);
    sb_printf(&b, "(body");
    dump_stmts(&b, proc->body, 2);
    sb_printf(&b, "))\n");
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}
