/*
 * describe.c: a kernel's tree printed back as a kiln description: the C
 * source of a plugin whose build function calls the DSL's builders to make
 * the same tree, with the argument table and skeletons of the callbacks the
 * author completes (inputs, reference, geometry). One walk over the tree,
 * one switch per node kind, as the generators do; C blocks mirror the tree's
 * scopes, so each variable's name is `v_<name>` in the scope that declares it.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dsl/dsl_int.h"
#include "kiln/frontend.h"

typedef struct out {
    char *buf;
    size_t len, cap;
    int indent;
    char err[256];
} out;

static void put(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out *o, const char *fmt, ...)
{
    if (o->err[0])
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            snprintf(o->err, sizeof o->err, "formatting failed");
            return;
        }
        if ((size_t)n < o->cap - o->len) {
            o->len += (size_t)n;
            return;
        }
        size_t cap = (o->cap + (size_t)n + 1) * 2;
        char *b = realloc(o->buf, cap);
        if (!b) {
            snprintf(o->err, sizeof o->err, "out of memory");
            return;
        }
        o->buf = b;
        o->cap = cap;
    }
}

static void line_start(out *o)
{
    put(o, "%*s", 4 * o->indent, "");
}

static const char *const scalar_names[KILN_SCALAR_COUNT] = {
    "VOID", "BOOL", "I8", "U8", "I16", "U16", "I32", "U32", "I64", "U64", "F32", "F64",
};
static const char *const binop_names[] = {
    "KILN_ADD", "KILN_SUB", "KILN_MUL", "KILN_DIV", "KILN_MOD", "KILN_MODP", "KILN_LT", "KILN_LE",
    "KILN_GT", "KILN_GE", "KILN_EQ", "KILN_NE", "KILN_AND", "KILN_OR", "KILN_BAND", "KILN_BOR",
    "KILN_BXOR", "KILN_SHL", "KILN_SHR", "KILN_MIN", "KILN_MAX",
};
static const char *const unop_names[] = {"KILN_NEG", "KILN_NOT", "KILN_BNOT"};
static const char *const math_names[] = {"KILN_SQRT", "KILN_EXP", "KILN_LOG", "KILN_SIN", "KILN_COS",
                                         "KILN_POW", "KILN_FABS", "KILN_FMA", "KILN_FLOOR"};
static const char *const witem_names[] = {"KILN_GLOBAL_ID", "KILN_LOCAL_ID", "KILN_GROUP_ID",
                                          "KILN_GLOBAL_SIZE", "KILN_LOCAL_SIZE", "KILN_NUM_GROUPS"};

static void type(out *o, kiln_type t)
{
    if (t.lanes > 1)
        put(o, "KILN_V(%s, %d)", scalar_names[t.scalar], t.lanes);
    else
        put(o, "KILN_T(%s)", scalar_names[t.scalar]);
}

static void string(out *o, const char *s)
{
    put(o, "\"");
    for (; s && *s; s++) {
        if (*s == '"' || *s == '\\')
            put(o, "\\%c", *s);
        else if (*s == '\n')
            put(o, "\\n");
        else if (*s == '%')
            put(o, "%%");
        else
            put(o, "%c", *s);
    }
    put(o, "\"");
}

static void expr(out *o, const kiln_node *n);

static void kids(out *o, const kiln_node *n, int from)
{
    for (int i = from; i < n->nkids; i++) {
        put(o, ", ");
        expr(o, n->kids[i]);
    }
}

static void literal(out *o, const kiln_node *n)
{
    if (kiln_scalar_is_float(n->type.scalar)) {
        if (!isfinite(n->fval)) {
            snprintf(o->err, sizeof o->err, "a literal that is not finite");
            return;
        }
        if (n->weak && n->type.scalar == KILN_F32)
            put(o, "kiln_flt(ctx, %.9g)", n->fval);
        else if (n->type.scalar == KILN_F64 && n->weak)
            put(o, "kiln_dbl(ctx, %.17g)", n->fval);
        else {
            put(o, "kiln_lit(ctx, ");
            type(o, n->type);
            put(o, ", %.17g)", n->fval);
        }
        return;
    }
    if (n->weak) {
        put(o, "kiln_int(ctx, %lld)", n->ival);
        return;
    }
    put(o, "kiln_lit(ctx, ");
    type(o, n->type);
    put(o, ", %lld)", n->ival);
}

static void expr(out *o, const kiln_node *n)
{
    switch (n->kind) {
    case KILN_N_LIT: literal(o, n); return;
    case KILN_N_REF: put(o, "kiln_ref(ctx, v_%s)", n->var->name); return;
    case KILN_N_ELEM:
        put(o, "kiln_at(ctx, v_%s, ", n->var->name);
        expr(o, n->kids[0]);
        put(o, ")");
        return;
    case KILN_N_BIN:
        put(o, "kiln_bin(ctx, %s", binop_names[n->op]);
        kids(o, n, 0);
        put(o, ")");
        return;
    case KILN_N_UN:
        put(o, "kiln_un(ctx, %s", unop_names[n->op]);
        kids(o, n, 0);
        put(o, ")");
        return;
    case KILN_N_SELECT:
        put(o, "kiln_select(ctx");
        kids(o, n, 0);
        put(o, ")");
        return;
    case KILN_N_CAST:
        put(o, "kiln_cast(ctx, ");
        type(o, n->type);
        kids(o, n, 0);
        put(o, ")");
        return;
    case KILN_N_MATH:
        put(o, "kiln_math(ctx, %s", math_names[n->op]);
        kids(o, n, 0);
        put(o, ")");
        return;
    case KILN_N_WITEM: put(o, "kiln_workitem(ctx, %s, %d)", witem_names[n->op], n->dim); return;
    case KILN_N_VLOAD:
        put(o, "kiln_vload(ctx, %d, v_%s, ", n->lanes, n->var->name);
        expr(o, n->kids[0]);
        put(o, ")");
        return;
    case KILN_N_LANE:
        put(o, "kiln_lane(ctx, ");
        expr(o, n->kids[0]);
        put(o, ", %d)", n->lanes);
        return;
    case KILN_N_VEC:
        put(o, "kiln_vec(ctx, ");
        type(o, n->type);
        kids(o, n, 0);
        put(o, ")");
        return;
    case KILN_N_CALL:
        put(o, "kiln_call_proc(ctx, p_%s, %d, (kiln_node *[]){", n->callee->name, n->nkids);
        for (int i = 0; i < n->nkids; i++) {
            put(o, i ? ", " : "");
            expr(o, n->kids[i]);
        }
        put(o, n->nkids ? "})" : "NULL})");
        return;
    default:
        snprintf(o->err, sizeof o->err, "%s:%d: a %s expression has no description form yet",
                 n->loc.file ? n->loc.file : "?", n->loc.line, kiln_kind_names[n->kind]);
        return;
    }
}

static void stmts(out *o, const kiln_node *first);

/* A declaration's initialiser or a return's value, or NULL where there is none. */
static void first_kid_or_null(out *o, const kiln_node *s)
{
    if (s->nkids > 0 && s->kids[0])
        expr(o, s->kids[0]);
    else
        put(o, "NULL");
}

static void nested(out *o, const kiln_node *body)
{
    line_start(o);
    put(o, "{\n");
    o->indent++;
    stmts(o, body);
    o->indent--;
    line_start(o);
    put(o, "}\n");
}

static long long array_count(const kiln_var *v)
{
    long long count = 1;
    for (int i = 0; i < v->ndims; i++)
        count *= v->dims[i]->ival;
    return count;
}

static void decl(out *o, const kiln_node *s)
{
    const kiln_var *v = s->var;
    line_start(o);
    if (v->is_array) {
        if (v->mem == KILN_MEM_CONSTANT) {
            snprintf(o->err, sizeof o->err, "constant array '%s' has no description form yet", v->name);
            return;
        }
        /* indices are already flat in the tree: one dimension of the whole count */
        put(o, "kiln_var *v_%s = %s(ctx, \"%s\", ", v->name,
            v->mem == KILN_MEM_LOCAL ? "kiln_decl_shared" : "kiln_decl_array", v->name);
        type(o, v->type);
        put(o, ", %lld);\n", array_count(v));
        line_start(o);
        put(o, "(void)v_%s;\n", v->name);
        return;
    }
    put(o, "kiln_var *v_%s = %s(ctx, \"%s\", ", v->name, v->is_const ? "kiln_decl_const" : "kiln_decl", v->name);
    type(o, v->type);
    put(o, ", ");
    first_kid_or_null(o, s);
    put(o, ");\n");
    line_start(o);
    put(o, "(void)v_%s;\n", v->name);
}

static void stmt(out *o, const kiln_node *s)
{
    switch (s->kind) {
    case KILN_N_DECL: decl(o, s); return;
    case KILN_N_ASSIGN:
        line_start(o);
        if (s->op < 0)
            put(o, "kiln_assign(ctx, ");
        else
            put(o, "kiln_assign_op(ctx, %s, ", binop_names[s->op]);
        expr(o, s->kids[0]);
        put(o, ", ");
        expr(o, s->kids[1]);
        put(o, ");\n");
        return;
    case KILN_N_VSTORE:
        line_start(o);
        put(o, "%s(ctx, v_%s", s->op == 1 ? "kiln_vstream" : "kiln_vstore", s->var->name);
        kids(o, s, 0);
        put(o, ");\n");
        return;
    case KILN_N_ATOMIC_ADD:
        line_start(o);
        put(o, "kiln_atomic_add(ctx, ");
        expr(o, s->kids[0]);
        kids(o, s, 1);
        put(o, ");\n");
        return;
    case KILN_N_PREFETCH:
        line_start(o);
        put(o, "kiln_prefetch(ctx, ");
        expr(o, s->kids[0]);
        put(o, ");\n");
        return;
    case KILN_N_EXPR_STMT:
        line_start(o);
        put(o, "kiln_expr_stmt(ctx, ");
        expr(o, s->kids[0]);
        put(o, ");\n");
        return;
    case KILN_N_RETURN:
        line_start(o);
        put(o, "kiln_return(ctx, ");
        first_kid_or_null(o, s);
        put(o, ");\n");
        return;
    case KILN_N_BREAK: line_start(o); put(o, "kiln_break(ctx);\n"); return;
    case KILN_N_CONTINUE: line_start(o); put(o, "kiln_continue(ctx);\n"); return;
    case KILN_N_BLOCK:
        line_start(o);
        put(o, "kiln_block_begin(ctx);\n");
        nested(o, s->body);
        line_start(o);
        put(o, "kiln_block_end(ctx);\n");
        return;
    case KILN_N_FOR:
        line_start(o);
        put(o, "{\n");
        o->indent++;
        line_start(o);
        put(o, "kiln_var *v_%s = kiln_for_begin(ctx, \"%s\"", s->var->name, s->var->name);
        kids(o, s, 0);
        put(o, ");\n");
        line_start(o);
        put(o, "(void)v_%s;\n", s->var->name);
        stmts(o, s->body);
        line_start(o);
        put(o, "kiln_for_end(ctx);\n");
        o->indent--;
        line_start(o);
        put(o, "}\n");
        return;
    case KILN_N_WHILE:
        line_start(o);
        put(o, "kiln_while_begin(ctx, ");
        expr(o, s->kids[0]);
        put(o, ");\n");
        nested(o, s->body);
        line_start(o);
        put(o, "kiln_while_end(ctx);\n");
        return;
    case KILN_N_IF:
        line_start(o);
        put(o, "kiln_if_begin(ctx, ");
        expr(o, s->kids[0]);
        put(o, ");\n");
        nested(o, s->body);
        if (s->els) {
            line_start(o);
            put(o, "kiln_else(ctx);\n");
            nested(o, s->els);
        }
        line_start(o);
        put(o, "kiln_if_end(ctx);\n");
        return;
    case KILN_N_BARRIER:
        line_start(o);
        put(o, "kiln_barrier(ctx, %s);\n", s->op == KILN_FENCE_LOCAL ? "KILN_FENCE_LOCAL"
                                           : s->op == KILN_FENCE_GLOBAL ? "KILN_FENCE_GLOBAL"
                                                                        : "KILN_FENCE_LOCAL | KILN_FENCE_GLOBAL");
        return;
    case KILN_N_COMMENT:
        line_start(o);
        put(o, "kiln_comment(ctx, \"%%s\", ");
        string(o, s->text);
        put(o, ");\n");
        return;
    default:
        snprintf(o->err, sizeof o->err, "a %s statement has no description form yet", kiln_kind_names[s->kind]);
        return;
    }
}

static void stmts(out *o, const kiln_node *first)
{
    for (const kiln_node *s = first; s && !o->err[0]; s = s->next)
        stmt(o, s);
}

static void arg_table(out *o, const kiln_proc *p)
{
    put(o, "    KILN_ARGS(");
    for (int i = 0; i < p->nargs; i++) {
        const kiln_var *a = p->args[i];
        const char *dir = !a->is_array ? "KILN_IN" : a->dir == KILN_IN ? "KILN_IN"
                                                     : a->dir == KILN_OUT ? "KILN_OUT" : "KILN_INOUT";
        put(o, "%s{\"%s\", KILN_%s, %s, %d, %s, 0}", i ? ",\n              " : "", a->name,
            scalar_names[a->type.scalar], dir, !a->is_array, a->is_array ? "element_count" : "NULL");
    }
    put(o, "),\n");
}

/* A helper the kernel calls, built first: `kiln_proc *p_NAME`, its arguments
 * and body in a block of their own. */
static void helper_function(out *o, const kiln_proc *p)
{
    put(o, "    kiln_proc *p_%s = kiln_func_begin(ctx, \"%s\", ", p->name, p->name);
    type(o, p->ret);
    put(o, ");\n    {\n");
    o->indent = 2;
    for (int i = 0; i < p->nargs; i++) {
        line_start(o);
        put(o, "kiln_var *v_%s = kiln_arg_scalar(ctx, \"%s\", ", p->args[i]->name, p->args[i]->name);
        type(o, p->args[i]->type);
        put(o, ");\n");
        line_start(o);
        put(o, "(void)v_%s;\n", p->args[i]->name);
    }
    stmts(o, p->body);
    put(o, "    }\n    if (!kiln_proc_end(ctx))\n        return NULL;\n");
    o->indent = 1;
}

/* The header comment and the build function: the tree as DSL calls. */
static void build_function(out *o, const kiln_proc *kernel, const char *source)
{
    const char *name = kernel->name;
    put(o, "/*\n * %s: the kiln description of kernel '%s', imported from %s.\n"
            " * Build as a plugin: cc -shared -fPIC -I<kiln>/include %s.c -o %s.so\n"
            " * then: kiln --plugin ./%s.so generate %s --lang cl\n"
            " * The build function makes the imported tree; element_count, inputs,\n"
            " * reference and geometry are skeletons to complete (the reference must\n"
            " * compute the expected outputs in double precision before tuning).\n */\n",
        name, name, source ? source : "(text)", name, name, name, name);
    put(o, "#include <math.h>\n#include \"kiln/kernel.h\"\n\n");
    put(o, "static kiln_proc *%s_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)\n{\n", name);
    put(o, "    (void)cfg;\n    (void)size;\n");
    for (const kiln_proc *p = kiln_ctx_procs(kernel->ctx); p; p = p->next)
        if (p != kernel)
            helper_function(o, p);
    put(o, "    kiln_proc *proc = kiln_kernel_begin(ctx, \"%s\");\n", name);
    if (kernel->reqd_wg[0])
        put(o, "    kiln_proc_reqd_wg(proc, %d, %d, %d);\n", kernel->reqd_wg[0], kernel->reqd_wg[1],
            kernel->reqd_wg[2]);
    else
        put(o, "    (void)proc;\n");
    for (int i = 0; i < kernel->nargs; i++) {
        const kiln_var *a = kernel->args[i];
        if (a->is_array) {
            put(o, "    kiln_var *v_%s = kiln_arg_array(ctx, \"%s\", ", a->name, a->name);
            type(o, a->type);
            put(o, ", %s, kiln_int(ctx, 1));\n",
                a->dir == KILN_IN ? "KILN_IN" : a->dir == KILN_OUT ? "KILN_OUT" : "KILN_INOUT");
        } else {
            put(o, "    kiln_var *v_%s = kiln_arg_scalar(ctx, \"%s\", ", a->name, a->name);
            type(o, a->type);
            put(o, ");\n");
        }
        put(o, "    (void)v_%s;\n", a->name);
    }
    o->indent = 1;
    stmts(o, kernel->body);
    put(o, "    return kiln_proc_end(ctx);\n}\n\n");
}

/* The callbacks the author completes, the kernel table and the plugin entry. */
static void skeleton(out *o, const kiln_proc *kernel, const char *source)
{
    const char *name = kernel->name;
    put(o, "/* Elements of each array for a size: complete per argument. */\n"
            "static size_t element_count(const kiln_size *size)\n{\n"
            "    return (size_t)size->d[0];\n}\n\n");
    put(o, "static void %s_inputs(kiln_args *args, uint64_t seed)\n{\n"
            "    uint64_t st = seed;\n    const kiln_size *size = kiln_args_size(args);\n", name);
    for (int i = 0; i < kernel->nargs; i++) {
        const kiln_var *a = kernel->args[i];
        if (!a->is_array)
            put(o, "    *(%s *)kiln_args_ptr(args, \"%s\") = 0; /* complete: the value of '%s' */\n",
                a->type.scalar == KILN_F32 ? "float" : a->type.scalar == KILN_F64 ? "double" : "int32_t", a->name,
                a->name);
        else if (a->dir != KILN_OUT && a->type.scalar == KILN_F32)
            put(o, "    for (size_t i = 0; i < element_count(size); i++)\n"
                    "        ((float *)kiln_args_ptr(args, \"%s\"))[i] = (float)kiln_rand_uniform(&st, 0, 1);\n",
                a->name);
    }
    put(o, "    (void)st;\n    (void)size;\n}\n\n");
    put(o, "/* Complete: the expected outputs, in double precision. */\n"
            "static void %s_reference(kiln_args *args)\n{\n", name);
    for (int i = 0; i < kernel->nargs; i++) {
        const kiln_var *a = kernel->args[i];
        if (a->is_array && a->dir != KILN_IN && kiln_scalar_is_float(a->type.scalar))
            put(o, "    for (size_t i = 0; i < element_count(kiln_args_size(args)); i++)\n"
                    "        kiln_args_want(args, \"%s\")[i] = NAN;\n", a->name);
    }
    put(o, "    (void)args;\n}\n\n");
    put(o, "static void %s_geometry(const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo)\n{\n"
            "    (void)cfg;\n    *geo = (kiln_geometry){1, {(size_t)size->d[0], 1, 1}, {%d, %d, %d}};\n}\n\n",
        name, kernel->reqd_wg[0], kernel->reqd_wg[0] ? kernel->reqd_wg[1] : 0,
        kernel->reqd_wg[0] ? kernel->reqd_wg[2] : 0);
    put(o, "static const kiln_kernel %s_kernel = {\n    .name = \"%s\",\n"
            "    .summary = \"imported from %s\",\n", name, name, source ? source : "(text)");
    arg_table(o, kernel);
    put(o, "    .default_size = {1, {1024, 1, 1}},\n"
            "    .langs = (1u << KILN_LANG_CL) | (1u << KILN_LANG_C),\n"
            "    .build = %s_build,\n    .inputs = %s_inputs,\n    .reference = %s_reference,\n"
            "    .geometry = %s_geometry,\n};\n\n", name, name, name, name);
    put(o, "const kiln_kernel *const *kiln_plugin_kernels(void);\n"
            "const kiln_kernel *const *kiln_plugin_kernels(void)\n{\n"
            "    static const kiln_kernel *const list[] = {&%s_kernel, NULL};\n    return list;\n}\n", name);
}

char *kiln_describe(const kiln_proc *kernel, const char *source, char *err, size_t errlen)
{
    out o = {0};
    if (!kernel || !kernel->is_kernel) {
        snprintf(err, errlen, "kiln_describe: not a kernel");
        return NULL;
    }
    build_function(&o, kernel, source);
    skeleton(&o, kernel, source);
    if (o.err[0]) {
        snprintf(err, errlen, "%s", o.err);
        free(o.buf);
        return NULL;
    }
    return o.buf;
}
