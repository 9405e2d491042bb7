/*
 * build.c: procedures, arguments, declarations and statements.
 *
 * The context keeps a stack of open constructs (frames): the procedure, then
 * every open block, loop and if. A statement is linked at the tail of the
 * innermost frame; a variable is live while the frame that declared it is
 * open, which is how "declared in a block that has ended" is caught.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "dsl/dsl_priv.h"

static kiln_proc null_ctx_proc = {.name = "<error>"};
static kiln_var null_ctx_var = {.name = "<error>", .id = -1};

/* ---- frames and scopes ---- */

static frame *push_frame(kiln_ctx *ctx, frame_kind kind, kiln_node *stmt, kiln_node **tail, kiln_loc loc)
{
    frame *f = dsl_alloc(ctx, sizeof *f);
    f->kind = kind;
    f->stmt = stmt;
    f->tail = tail;
    f->loc = loc;
    f->up = ctx->top;
    ctx->top = f;
    return f;
}

static void kill_decls(frame *f)
{
    for (kiln_var *v = f->decls; v; v = v->scope_next)
        v->live = 0;
    f->decls = NULL;
}

static frame *pop_frame(kiln_ctx *ctx)
{
    frame *f = ctx->top;
    kill_decls(f);
    ctx->top = f->up;
    return f;
}

void dsl_append(kiln_ctx *ctx, kiln_node *stmt)
{
    frame *f = ctx->top;
    *f->tail = stmt;
    while (stmt->next) /* a statement sequence (unrolled copies) */
        stmt = stmt->next;
    f->tail = &stmt->next;
}

void dsl_declare(kiln_ctx *ctx, kiln_var *v)
{
    v->live = 1;
    v->scope_next = ctx->top->decls;
    ctx->top->decls = v;
}

int dsl_name_live(const kiln_ctx *ctx, const char *name)
{
    for (const frame *f = ctx->top; f; f = f->up)
        for (const kiln_var *v = f->decls; v; v = v->scope_next)
            if (strcmp(v->name, name) == 0)
                return 1;
    return 0;
}

kiln_var *dsl_new_var(kiln_ctx *ctx, kiln_loc loc, const char *name, kiln_type type, kiln_mem mem)
{
    kiln_var *v = dsl_alloc(ctx, sizeof *v);
    v->name = dsl_strdup(ctx, name);
    v->type = type;
    v->mem = mem;
    v->dir = KILN_INOUT;
    v->owner = ctx->cur_proc;
    v->id = ctx->next_id++;
    v->loc = loc;
    return v;
}

static const char *frame_desc(const frame *f, char *buf, size_t len)
{
    switch (f->kind) {
    case F_PROC: snprintf(buf, len, "the procedure body"); break;
    case F_BLOCK: snprintf(buf, len, "the block of line %d", f->loc.line); break;
    case F_FOR: snprintf(buf, len, "the for loop '%s' of line %d", f->stmt->var->name, f->loc.line); break;
    case F_WHILE: snprintf(buf, len, "the while loop of line %d", f->loc.line); break;
    case F_IF: snprintf(buf, len, "the if of line %d", f->loc.line); break;
    case F_ELSE: snprintf(buf, len, "the else branch of the if of line %d", f->loc.line); break;
    }
    return buf;
}

/* ---- common statement checks ---- */

/* Statement entry: context not failed and a procedure open. */
static int enter(kiln_ctx *ctx, kiln_loc loc, const char *what)
{
    if (!dsl_stmt_enter(ctx, loc, what))
        return 0;
    if (!ctx->cur_proc || !ctx->top) {
        dsl_error(ctx, loc, "%s outside a procedure (call kiln_kernel_begin or kiln_func_begin first)", what);
        return 0;
    }
    return 1;
}

static int tree_vars_ok(kiln_ctx *ctx, kiln_loc loc, const char *what, const kiln_node *n)
{
    char buf[160];
    if (!n)
        return 1;
    if (n->var && (n->kind == KILN_N_REF || n->kind == KILN_N_ELEM || n->kind == KILN_N_VLOAD)) {
        const char *why = dsl_var_problem(ctx, n->var, buf, sizeof buf);
        if (why) {
            dsl_error(ctx, loc, "%s: %s", what, why);
            return 0;
        }
    }
    for (int i = 0; i < n->nkids; i++)
        if (!tree_vars_ok(ctx, loc, what, n->kids[i]))
            return 0;
    return 1;
}

/* n is a usable value whose variables are all in scope here. */
static int value_ok(kiln_ctx *ctx, kiln_loc loc, const char *what, const kiln_node *n, int allow_void_call)
{
    if (!n) {
        dsl_error(ctx, loc, "%s: missing value (NULL)", what);
        return 0;
    }
    if (n->type.scalar == KILN_VOID) {
        if (n->kind != KILN_N_CALL)
            dsl_error(ctx, loc, "%s: invalid expression (a node from an earlier error or another context)", what);
        else if (!allow_void_call)
            dsl_error(ctx, loc, "%s: void value of '%s' used as a value", what, n->callee->name);
        else
            return tree_vars_ok(ctx, loc, what, n);
        return 0;
    }
    return tree_vars_ok(ctx, loc, what, n);
}

static int name_ok(kiln_ctx *ctx, kiln_loc loc, const char *what, const char *name)
{
    int ok = name && (isalpha((unsigned char)name[0]) || name[0] == '_') && strlen(name) < 64;
    for (const char *p = name; ok && *p; p++)
        ok = isalnum((unsigned char)*p) || *p == '_';
    if (!ok) {
        dsl_error(ctx, loc, "%s: invalid name '%s' (letters, digits and '_', not starting with a digit)", what,
                  name ? name : "(null)");
        return 0;
    }
    return 1;
}

static int fresh_name_ok(kiln_ctx *ctx, kiln_loc loc, const char *what, const char *name)
{
    if (!name_ok(ctx, loc, what, name))
        return 0;
    for (const kiln_var *v = ctx->top->decls; v; v = v->scope_next)
        if (strcmp(v->name, name) == 0) {
            dsl_error(ctx, loc, "%s: '%s' is already declared in this block (line %d)", what, name, v->loc.line);
            return 0;
        }
    return 1;
}

static int type_ok(kiln_ctx *ctx, kiln_loc loc, const char *what, kiln_type t, int scalar_only)
{
    char ts[24];
    if (!dsl_type_valid(t, 0) || (scalar_only && t.lanes != 1)) {
        dsl_error(ctx, loc, "%s: invalid type %s%s", what, dsl_type_str(t, ts),
                  scalar_only ? " (a scalar type is needed)" : t.lanes > 1 ? " (lanes must be 2, 4, 8 or 16)" : "");
        return 0;
    }
    return 1;
}

static int int_scalar_ok(kiln_ctx *ctx, kiln_loc loc, const char *what, const char *role, const kiln_node *n)
{
    char ts[24];
    if (n->type.lanes != 1 || !dsl_is_int(n->type.scalar)) {
        dsl_error(ctx, loc, "%s: %s is %s, not an integer", what, role, dsl_type_str(n->type, ts));
        return 0;
    }
    return 1;
}

static int cond_ok(kiln_ctx *ctx, kiln_loc loc, const char *what, const kiln_node *n)
{
    char ts[24];
    if (!value_ok(ctx, loc, what, n, 0))
        return 0;
    if (n->type.lanes != 1 || (n->type.scalar != KILN_BOOL && !dsl_is_int(n->type.scalar))) {
        dsl_error(ctx, loc, "%s: condition must be a scalar bool or integer, not %s", what,
                  dsl_type_str(n->type, ts));
        return 0;
    }
    return 1;
}

static int writable(kiln_ctx *ctx, kiln_loc loc, const char *what, const kiln_var *v)
{
    if (v->is_arg && v->dir == KILN_IN) {
        dsl_error(ctx, loc, "%s: write to '%s', an `in` argument", what, v->name);
        return 0;
    }
    if (v->is_const) {
        dsl_error(ctx, loc, "%s: write to '%s', a constant", what, v->name);
        return 0;
    }
    return 1;
}

/* ---- procedures ---- */

static kiln_proc *proc_begin(kiln_ctx *ctx, kiln_loc loc, const char *name, int is_kernel, kiln_type ret)
{
    if (!ctx)
        return &null_ctx_proc;
    char what[96];
    snprintf(what, sizeof what, "%s '%s'", is_kernel ? "kernel" : "function", name ? name : "(null)");
    if (!dsl_stmt_enter(ctx, loc, what))
        return &ctx->poison_proc;
    if (ctx->cur_proc) {
        dsl_error(ctx, loc, "%s begun while '%s' is still open (close it with kiln_proc_end)", what,
                  ctx->cur_proc->name);
        return &ctx->poison_proc;
    }
    if (!name_ok(ctx, loc, what, name))
        return &ctx->poison_proc;
    if (!is_kernel && !dsl_type_valid(ret, 1)) {
        char ts[24];
        dsl_error(ctx, loc, "%s: invalid return type %s", what, dsl_type_str(ret, ts));
        return &ctx->poison_proc;
    }
    for (kiln_proc *p = ctx->procs; p; p = p->next)
        if (strcmp(p->name, name) == 0) {
            dsl_error(ctx, loc, "%s: a procedure named '%s' already exists", what, name);
            return &ctx->poison_proc;
        }
    kiln_proc *p = dsl_alloc(ctx, sizeof *p);
    p->name = dsl_strdup(ctx, name);
    p->is_kernel = is_kernel;
    p->ret = is_kernel ? KILN_T(VOID) : ret;
    p->ctx = ctx;
    if (ctx->procs_tail)
        ctx->procs_tail->next = p;
    else
        ctx->procs = p;
    ctx->procs_tail = p;
    ctx->cur_proc = p;
    push_frame(ctx, F_PROC, NULL, &p->body, loc);
    return p;
}

kiln_proc *kiln_kernel_begin_at(kiln_ctx *ctx, kiln_loc loc, const char *name)
{
    return proc_begin(ctx, loc, name, 1, KILN_T(VOID));
}

kiln_proc *kiln_func_begin_at(kiln_ctx *ctx, kiln_loc loc, const char *name, kiln_type ret)
{
    return proc_begin(ctx, loc, name, 0, ret);
}

static void expr_flags(kiln_proc *p, const kiln_node *n)
{
    if (!n)
        return;
    if (n->type.scalar == KILN_F64 || (n->var && n->var->type.scalar == KILN_F64))
        p->uses_f64 = 1;
    if (n->kind == KILN_N_CALL && n->callee) {
        /* a kernel needs what its helpers need (fp64 pragma, atomics) */
        p->uses_f64 |= n->callee->uses_f64;
        p->uses_atomics |= n->callee->uses_atomics;
        p->uses_witems |= n->callee->uses_witems;
        p->uses_barrier |= n->callee->uses_barrier;
    }
    for (int i = 0; i < n->nkids; i++)
        expr_flags(p, n->kids[i]);
}

static void stmt_flags(kiln_proc *p, const kiln_node *n)
{
    for (; n; n = n->next) {
        expr_flags(p, n);
        stmt_flags(p, n->body);
        stmt_flags(p, n->els);
    }
}

kiln_proc *kiln_proc_end_at(kiln_ctx *ctx, kiln_loc loc)
{
    if (!ctx)
        return NULL;
    kiln_proc *p = ctx->cur_proc;
    char what[96], fd[96];
    snprintf(what, sizeof what, "end of %s '%s'", p && p->is_kernel ? "kernel" : "function", p ? p->name : "?");
    if (!dsl_stmt_enter(ctx, loc, what))
        return NULL;
    if (!p) {
        dsl_error(ctx, loc, "kiln_proc_end without an open procedure");
        return NULL;
    }
    if (ctx->top->kind != F_PROC) {
        dsl_error(ctx, loc, "%s: %s is still open", what, frame_desc(ctx->top, fd, sizeof fd));
        return NULL;
    }
    if (!p->is_kernel && p->ret.scalar != KILN_VOID) {
        kiln_node *last = p->body;
        while (last && last->next)
            last = last->next;
        if (!last || last->kind != KILN_N_RETURN) {
            dsl_error(ctx, loc, "%s: function returning %s must end with kiln_return", what,
                      kiln_scalar_name(p->ret.scalar));
            return NULL;
        }
    }
    pop_frame(ctx);
    for (int i = 0; i < p->nargs; i++)
        if (p->args[i]->type.scalar == KILN_F64)
            p->uses_f64 = 1;
    if (p->ret.scalar == KILN_F64)
        p->uses_f64 = 1;
    stmt_flags(p, p->body);
    p->complete = 1;
    ctx->cur_proc = NULL;
    ctx->top = NULL;
    return p;
}

void kiln_proc_reqd_wg(kiln_proc *proc, int x, int y, int z)
{
    if (!proc)
        return;
    proc->reqd_wg[0] = x;
    proc->reqd_wg[1] = y;
    proc->reqd_wg[2] = z;
}

kiln_proc *kiln_ctx_procs(const kiln_ctx *ctx)
{
    return ctx && !ctx->failed ? ctx->procs : NULL;
}

const char *kiln_proc_name(const kiln_proc *proc)
{
    return proc && proc->name ? proc->name : "";
}

const char *kiln_var_name(const kiln_var *var)
{
    return var && var->name ? var->name : "";
}

/* ---- arguments ---- */

static int arg_enter(kiln_ctx *ctx, kiln_loc loc, const char *what, const char *name)
{
    if (!enter(ctx, loc, what))
        return 0;
    if (ctx->top->kind != F_PROC || ctx->cur_proc->body) {
        dsl_error(ctx, loc, "%s: arguments must come before the first statement of '%s'", what,
                  ctx->cur_proc->name);
        return 0;
    }
    return fresh_name_ok(ctx, loc, what, name);
}

static void add_arg(kiln_ctx *ctx, kiln_var *v)
{
    kiln_proc *p = ctx->cur_proc;
    kiln_var **args = dsl_alloc(ctx, sizeof *args * (size_t)(p->nargs + 1));
    if (!args)
        return;
    if (p->nargs)
        memcpy(args, p->args, sizeof *args * (size_t)p->nargs);
    args[p->nargs++] = v;
    p->args = args;
    v->is_arg = 1;
    dsl_declare(ctx, v);
}

kiln_var *kiln_arg_array_at(kiln_ctx *ctx, kiln_loc loc, const char *name, kiln_type elem, kiln_dir dir,
                            int ndims, kiln_node *const *dims)
{
    if (!ctx)
        return &null_ctx_var;
    char what[96];
    snprintf(what, sizeof what, "argument '%s'", name ? name : "(null)");
    if (!arg_enter(ctx, loc, what, name))
        return dsl_poison_var(ctx);
    if (!ctx->cur_proc->is_kernel) {
        dsl_error(ctx, loc, "%s: function '%s' takes scalar arguments only", what, ctx->cur_proc->name);
        return dsl_poison_var(ctx);
    }
    if (!type_ok(ctx, loc, what, elem, 1))
        return dsl_poison_var(ctx);
    if ((unsigned)dir > KILN_INOUT) {
        dsl_error(ctx, loc, "%s: invalid direction %d", what, (int)dir);
        return dsl_poison_var(ctx);
    }
    if (ndims < 1 || ndims > 8 || !dims) {
        dsl_error(ctx, loc, "%s: an array needs 1 to 8 dimensions, %d given", what, ndims);
        return dsl_poison_var(ctx);
    }
    for (int i = 0; i < ndims; i++)
        if (!value_ok(ctx, loc, what, dims[i], 0) || !int_scalar_ok(ctx, loc, what, "a dimension", dims[i]))
            return dsl_poison_var(ctx);
    kiln_var *v = dsl_new_var(ctx, loc, name, elem, KILN_MEM_GLOBAL);
    v->dir = dir;
    v->is_array = 1;
    v->ndims = ndims;
    v->dims = dsl_alloc(ctx, sizeof *v->dims * (size_t)ndims);
    for (int i = 0; i < ndims; i++)
        v->dims[i] = dims[i];
    add_arg(ctx, v);
    return v;
}

kiln_var *kiln_arg_scalar_at(kiln_ctx *ctx, kiln_loc loc, const char *name, kiln_type type)
{
    if (!ctx)
        return &null_ctx_var;
    char what[96];
    snprintf(what, sizeof what, "argument '%s'", name ? name : "(null)");
    if (!arg_enter(ctx, loc, what, name) || !type_ok(ctx, loc, what, type, 0))
        return dsl_poison_var(ctx);
    if (ctx->cur_proc->is_kernel && type.scalar == KILN_BOOL) {
        dsl_error(ctx, loc, "%s: a kernel argument cannot be bool", what);
        return dsl_poison_var(ctx);
    }
    kiln_var *v = dsl_new_var(ctx, loc, name, type, KILN_MEM_PRIVATE);
    v->dir = KILN_IN;
    add_arg(ctx, v);
    return v;
}

/* ---- declarations ---- */

static kiln_node *decl_node(kiln_ctx *ctx, kiln_loc loc, kiln_var *v, kiln_node *init)
{
    kiln_node *n = dsl_node(ctx, KILN_N_DECL, KILN_T(VOID), init ? 1 : 0);
    n->loc = loc;
    n->var = v;
    if (init)
        n->kids[0] = init;
    dsl_append(ctx, n);
    dsl_declare(ctx, v);
    return n;
}

static kiln_var *decl_scalar(kiln_ctx *ctx, kiln_loc loc, const char *name, kiln_type type, kiln_node *init,
                             int is_const)
{
    if (!ctx)
        return &null_ctx_var;
    char what[96], err[128];
    snprintf(what, sizeof what, "declaration of %s'%s'", is_const ? "constant " : "", name ? name : "(null)");
    if (!enter(ctx, loc, what) || !fresh_name_ok(ctx, loc, what, name) || !type_ok(ctx, loc, what, type, 0))
        return dsl_poison_var(ctx);
    if (is_const && !init) {
        dsl_error(ctx, loc, "%s: a constant needs a value", what);
        return dsl_poison_var(ctx);
    }
    if (init) {
        if (!value_ok(ctx, loc, what, init, 0))
            return dsl_poison_var(ctx);
        if (!dsl_convert_for_store(ctx, type, &init, err, sizeof err)) {
            dsl_error(ctx, loc, "%s: %s '%s' (use kiln_cast)", what, err, name);
            return dsl_poison_var(ctx);
        }
    }
    kiln_var *v = dsl_new_var(ctx, loc, name, type, KILN_MEM_PRIVATE);
    v->is_const = is_const;
    decl_node(ctx, loc, v, init);
    return v;
}

kiln_var *kiln_decl_at(kiln_ctx *ctx, kiln_loc loc, const char *name, kiln_type type, kiln_node *init)
{
    return decl_scalar(ctx, loc, name, type, init, 0);
}

kiln_var *kiln_decl_const_at(kiln_ctx *ctx, kiln_loc loc, const char *name, kiln_type type, kiln_node *value)
{
    return decl_scalar(ctx, loc, name, type, value, 1);
}

static kiln_var *decl_array(kiln_ctx *ctx, kiln_loc loc, const char *name, kiln_type elem, int ndims,
                            const int *dims, kiln_mem mem)
{
    if (!ctx)
        return &null_ctx_var;
    char what[96];
    snprintf(what, sizeof what, "declaration of %s array '%s'", mem == KILN_MEM_LOCAL ? "shared" : "private",
             name ? name : "(null)");
    if (!enter(ctx, loc, what) || !fresh_name_ok(ctx, loc, what, name) || !type_ok(ctx, loc, what, elem, 1))
        return dsl_poison_var(ctx);
    if (mem == KILN_MEM_LOCAL && (!ctx->cur_proc->is_kernel || ctx->top->kind != F_PROC)) {
        dsl_error(ctx, loc, "%s: shared arrays are declared at a kernel's top level", what);
        return dsl_poison_var(ctx);
    }
    if (ndims < 1 || ndims > 8 || !dims) {
        dsl_error(ctx, loc, "%s: an array needs 1 to 8 dimensions, %d given", what, ndims);
        return dsl_poison_var(ctx);
    }
    for (int i = 0; i < ndims; i++)
        if (dims[i] <= 0) {
            dsl_error(ctx, loc, "%s: dimension %d is %d (must be positive)", what, i + 1, dims[i]);
            return dsl_poison_var(ctx);
        }
    kiln_var *v = dsl_new_var(ctx, loc, name, elem, mem);
    v->is_array = 1;
    v->ndims = ndims;
    v->dims = dsl_alloc(ctx, sizeof *v->dims * (size_t)ndims);
    for (int i = 0; i < ndims; i++)
        v->dims[i] = dsl_lit_int(ctx, KILN_I32, dims[i]);
    decl_node(ctx, loc, v, NULL);
    return v;
}

kiln_var *kiln_decl_array_at(kiln_ctx *ctx, kiln_loc loc, const char *name, kiln_type elem, int ndims,
                             const int *dims)
{
    return decl_array(ctx, loc, name, elem, ndims, dims, KILN_MEM_PRIVATE);
}

kiln_var *kiln_decl_shared_at(kiln_ctx *ctx, kiln_loc loc, const char *name, kiln_type elem, int ndims,
                              const int *dims)
{
    return decl_array(ctx, loc, name, elem, ndims, dims, KILN_MEM_LOCAL);
}

void kiln_vectors_aligned_at(kiln_ctx *ctx, kiln_loc loc, kiln_var *array)
{
    if (!ctx || ctx->failed)
        return;
    if (!array || array == &null_ctx_var || !array->is_array || !(array->is_arg || array->mem == KILN_MEM_LOCAL)) {
        dsl_error(ctx, loc, "aligned vectors of '%s': not an argument or shared array",
                  array && array->name ? array->name : "(null)");
        return;
    }
    array->vectors_aligned = 1;
}

kiln_var *kiln_decl_const_array_at(kiln_ctx *ctx, kiln_loc loc, const char *name, kiln_type elem, int count,
                                   const double *values)
{
    if (!ctx)
        return &null_ctx_var;
    char what[96];
    snprintf(what, sizeof what, "declaration of constant array '%s'", name ? name : "(null)");
    if (!enter(ctx, loc, what) || !fresh_name_ok(ctx, loc, what, name) || !type_ok(ctx, loc, what, elem, 1))
        return dsl_poison_var(ctx);
    if (ctx->top->kind != F_PROC) {
        dsl_error(ctx, loc, "%s: constant arrays are declared at a procedure's top level", what);
        return dsl_poison_var(ctx);
    }
    if (count <= 0 || !values) {
        dsl_error(ctx, loc, "%s: needs at least one value (count %d)", what, count);
        return dsl_poison_var(ctx);
    }
    double *copy = dsl_alloc(ctx, sizeof *copy * (size_t)count);
    if (!copy)
        return dsl_poison_var(ctx);
    memcpy(copy, values, sizeof *copy * (size_t)count);
    kiln_var *v = dsl_new_var(ctx, loc, name, elem, KILN_MEM_CONSTANT);
    v->is_array = 1;
    v->is_const = 1;
    v->ndims = 1;
    v->dims = dsl_alloc(ctx, sizeof *v->dims);
    v->dims[0] = dsl_lit_int(ctx, KILN_I32, count);
    v->const_count = count;
    v->const_values = copy;
    decl_node(ctx, loc, v, NULL);
    return v;
}

/* ---- simple statements ---- */

static kiln_node *stmt(kiln_ctx *ctx, kiln_loc loc, kiln_kind kind, int nkids)
{
    kiln_node *n = dsl_node(ctx, kind, KILN_T(VOID), nkids);
    n->loc = loc;
    return n;
}

/* The variable written by lhs (REF, ELEM, or LANE of a REF), or NULL. */
static kiln_var *lvalue_var(const kiln_node *lhs)
{
    if (!lhs)
        return NULL;
    if (lhs->kind == KILN_N_LANE && lhs->nkids == 1 && lhs->kids[0] && lhs->kids[0]->kind == KILN_N_REF)
        return lhs->kids[0]->var;
    if (lhs->kind == KILN_N_REF || lhs->kind == KILN_N_ELEM)
        return lhs->var;
    return NULL;
}

static void assign(kiln_ctx *ctx, kiln_loc loc, int op, kiln_node *lhs, kiln_node *rhs)
{
    if (!ctx)
        return;
    kiln_var *v = lvalue_var(lhs);
    char what[96], err[128], ts[24];
    if (v)
        snprintf(what, sizeof what, "assignment to '%s'", v->name);
    else
        snprintf(what, sizeof what, "assignment");
    if (!enter(ctx, loc, what) || !value_ok(ctx, loc, what, lhs, 0) || !value_ok(ctx, loc, what, rhs, 0))
        return;
    if (!v) {
        dsl_error(ctx, loc, "%s: the left side is not a variable, an array element or a lane of a variable", what);
        return;
    }
    if (!writable(ctx, loc, what, v))
        return;
    if (op >= 0) {
        static const unsigned char compound[KILN_MAX + 1] = {
            [KILN_ADD] = 1, [KILN_SUB] = 1, [KILN_MUL] = 1, [KILN_DIV] = 1, [KILN_MOD] = 1,
            [KILN_BAND] = 1, [KILN_BOR] = 1, [KILN_BXOR] = 1, [KILN_SHL] = 1, [KILN_SHR] = 1};
        if (op > KILN_MAX || !compound[op]) {
            dsl_error(ctx, loc, "%s: '%s' is not a compound assignment operator", what, binop_name(op));
            return;
        }
        /* type lhs op rhs as the operator would, then store the result back */
        kiln_node *value = kiln_bin(ctx, (kiln_binop)op, lhs, rhs);
        if (ctx->failed) {
            dsl_stmt_enter(ctx, loc, what);
            return;
        }
        if (!dsl_convert_for_store(ctx, lhs->type, &value, err, sizeof err)) {
            dsl_error(ctx, loc, "%s: %s= gives %s, which cannot be stored in %s '%s' (use kiln_cast)", what,
                      binop_name(op), dsl_type_str(value->type, ts), kiln_scalar_name(lhs->type.scalar), v->name);
            return;
        }
        if (value->kind == KILN_N_BIN)
            rhs = value->kids[1]; /* the right operand as the operator converted it */
    } else if (!dsl_convert_for_store(ctx, lhs->type, &rhs, err, sizeof err)) {
        dsl_error(ctx, loc, "%s: %s '%s' (use kiln_cast)", what, err, v->name);
        return;
    }
    kiln_node *n = stmt(ctx, loc, KILN_N_ASSIGN, 2);
    n->op = op;
    n->kids[0] = lhs;
    n->kids[1] = rhs;
    dsl_append(ctx, n);
}

void kiln_assign_at(kiln_ctx *ctx, kiln_loc loc, kiln_node *lhs, kiln_node *rhs)
{
    assign(ctx, loc, -1, lhs, rhs);
}

void kiln_assign_op_at(kiln_ctx *ctx, kiln_loc loc, kiln_binop op, kiln_node *lhs, kiln_node *rhs)
{
    assign(ctx, loc, (int)op, lhs, rhs);
}

/* A vector store; stream: the non-temporal hint (the node's op, 0 or 1). */
static void vstore(kiln_ctx *ctx, kiln_loc loc, kiln_var *array, kiln_node *flat_index, kiln_node *vec, int stream)
{
    if (!ctx)
        return;
    char what[96], err[128], ts[24], buf[160];
    snprintf(what, sizeof what, "vector store to '%s'", array && array->name ? array->name : "(null)");
    if (!enter(ctx, loc, what))
        return;
    const char *why = dsl_var_problem(ctx, array, buf, sizeof buf);
    if (why) {
        dsl_error(ctx, loc, "%s: %s", what, why);
        return;
    }
    if (!array->is_array) {
        dsl_error(ctx, loc, "%s: '%s' is not an array", what, array->name);
        return;
    }
    if (!writable(ctx, loc, what, array) || !value_ok(ctx, loc, what, flat_index, 0) ||
        !int_scalar_ok(ctx, loc, what, "the index", flat_index) || !value_ok(ctx, loc, what, vec, 0))
        return;
    int lanes = vec->type.lanes;
    if (lanes != 1 && lanes != 2 && lanes != 4 && lanes != 8 && lanes != 16) {
        dsl_error(ctx, loc, "%s: needs a scalar or a vector of 2, 4, 8 or 16 lanes, got %s", what,
                  dsl_type_str(vec->type, ts));
        return;
    }
    if (!dsl_convert_for_store(ctx, (kiln_type){array->type.scalar, lanes}, &vec, err, sizeof err)) {
        dsl_error(ctx, loc, "%s: %s elements of '%s' (use kiln_cast)", what, err, array->name);
        return;
    }
    if (lanes == 1) { /* a vector of one lane: a plain element store */
        kiln_node *n = stmt(ctx, loc, KILN_N_ASSIGN, 2);
        n->op = -1;
        n->kids[0] = dsl_elem(ctx, array, flat_index);
        n->kids[1] = vec;
        dsl_append(ctx, n);
        return;
    }
    kiln_node *n = stmt(ctx, loc, KILN_N_VSTORE, 2);
    n->var = array;
    n->op = stream;
    n->lanes = lanes;
    n->kids[0] = flat_index;
    n->kids[1] = vec;
    dsl_append(ctx, n);
}

void kiln_vstore_at(kiln_ctx *ctx, kiln_loc loc, kiln_var *array, kiln_node *flat_index, kiln_node *vec)
{
    vstore(ctx, loc, array, flat_index, vec, 0);
}

void kiln_vstream_at(kiln_ctx *ctx, kiln_loc loc, kiln_var *array, kiln_node *flat_index, kiln_node *vec)
{
    vstore(ctx, loc, array, flat_index, vec, 1);
}

static void vstore_nd(kiln_ctx *ctx, kiln_loc loc, kiln_var *array, int nargs, kiln_node *const *args, int stream)
{
    if (!ctx)
        return;
    char what[96];
    snprintf(what, sizeof what, "vector store to '%s'", array && array->name ? array->name : "(null)");
    if (!enter(ctx, loc, what))
        return;
    if (nargs < 2) {
        dsl_error(ctx, loc, "%s: needs the indices and then the value", what);
        return;
    }
    kiln_node *flat = dsl_flatten(ctx, array, nargs - 1, args);
    if (!dsl_stmt_enter(ctx, loc, what))
        return;
    vstore(ctx, loc, array, flat, args[nargs - 1], stream);
}

void kiln_vstore_nd_at(kiln_ctx *ctx, kiln_loc loc, kiln_var *array, int nargs, kiln_node *const *args)
{
    vstore_nd(ctx, loc, array, nargs, args, 0);
}

void kiln_vstream_nd_at(kiln_ctx *ctx, kiln_loc loc, kiln_var *array, int nargs, kiln_node *const *args)
{
    vstore_nd(ctx, loc, array, nargs, args, 1);
}

void kiln_prefetch_at(kiln_ctx *ctx, kiln_loc loc, kiln_node *elem)
{
    if (!ctx)
        return;
    kiln_var *v = elem && elem->kind == KILN_N_ELEM ? elem->var : NULL;
    char what[96];
    snprintf(what, sizeof what, "prefetch of '%s'", v ? v->name : "?");
    if (!enter(ctx, loc, what) || !value_ok(ctx, loc, what, elem, 0))
        return;
    if (!v) {
        dsl_error(ctx, loc, "%s: the target must be an array element (kiln_at)", what);
        return;
    }
    if (v->mem != KILN_MEM_GLOBAL) {
        dsl_error(ctx, loc, "%s: '%s' must be an array argument (global memory)", what, v->name);
        return;
    }
    kiln_node *n = stmt(ctx, loc, KILN_N_PREFETCH, 1);
    n->kids[0] = elem;
    dsl_append(ctx, n);
}

void kiln_atomic_add_at(kiln_ctx *ctx, kiln_loc loc, kiln_node *elem, kiln_node *value)
{
    if (!ctx)
        return;
    kiln_var *v = elem && elem->kind == KILN_N_ELEM ? elem->var : NULL;
    char what[96], err[128];
    snprintf(what, sizeof what, "atomic add to '%s'", v ? v->name : "?");
    if (!enter(ctx, loc, what) || !value_ok(ctx, loc, what, elem, 0) || !value_ok(ctx, loc, what, value, 0))
        return;
    if (!v) {
        dsl_error(ctx, loc, "%s: the target must be an array element (kiln_at)", what);
        return;
    }
    if (v->mem != KILN_MEM_GLOBAL && v->mem != KILN_MEM_LOCAL) {
        dsl_error(ctx, loc, "%s: '%s' must be a global or shared array", what, v->name);
        return;
    }
    kiln_scalar s = v->type.scalar;
    if (s != KILN_I32 && s != KILN_U32 && s != KILN_F32 && s != KILN_I64) {
        dsl_error(ctx, loc, "%s: element type %s not supported (i32, u32, f32, i64)", what, kiln_scalar_name(s));
        return;
    }
    if (!writable(ctx, loc, what, v))
        return;
    if (!dsl_convert_for_store(ctx, v->type, &value, err, sizeof err)) {
        dsl_error(ctx, loc, "%s: %s '%s' (use kiln_cast)", what, err, v->name);
        return;
    }
    kiln_node *n = stmt(ctx, loc, KILN_N_ATOMIC_ADD, 2);
    n->kids[0] = elem;
    n->kids[1] = value;
    dsl_append(ctx, n);
    ctx->cur_proc->uses_atomics = 1;
}

void kiln_expr_stmt_at(kiln_ctx *ctx, kiln_loc loc, kiln_node *expr)
{
    if (!ctx || !enter(ctx, loc, "expression statement") || !value_ok(ctx, loc, "expression statement", expr, 1))
        return;
    if (expr->kind != KILN_N_CALL) {
        dsl_error(ctx, loc, "expression statement: only a call can be a statement (this %s has no effect)",
                  kiln_kind_names[expr->kind]);
        return;
    }
    kiln_node *n = stmt(ctx, loc, KILN_N_EXPR_STMT, 1);
    n->kids[0] = expr;
    dsl_append(ctx, n);
}

void kiln_return_at(kiln_ctx *ctx, kiln_loc loc, kiln_node *value)
{
    if (!ctx)
        return;
    kiln_proc *p = ctx->cur_proc;
    char what[96], err[128];
    snprintf(what, sizeof what, "return from '%s'", p ? p->name : "?");
    if (!enter(ctx, loc, what))
        return;
    if (p->ret.scalar == KILN_VOID) {
        if (value) {
            dsl_error(ctx, loc, "%s: %s '%s' returns no value", what, p->is_kernel ? "kernel" : "function", p->name);
            return;
        }
    } else {
        if (!value) {
            dsl_error(ctx, loc, "%s: a value of type %s is needed", what, kiln_scalar_name(p->ret.scalar));
            return;
        }
        if (!value_ok(ctx, loc, what, value, 0))
            return;
        if (!dsl_convert_for_store(ctx, p->ret, &value, err, sizeof err)) {
            dsl_error(ctx, loc, "%s: %s (the return type) (use kiln_cast)", what, err);
            return;
        }
    }
    kiln_node *n = stmt(ctx, loc, KILN_N_RETURN, value ? 1 : 0);
    if (value)
        n->kids[0] = value;
    dsl_append(ctx, n);
}

void kiln_comment_at(kiln_ctx *ctx, kiln_loc loc, const char *fmt, ...)
{
    if (!ctx || !enter(ctx, loc, "comment"))
        return;
    va_list ap;
    va_start(ap, fmt);
    const char *text = dsl_vprintf(ctx, fmt ? fmt : "", ap);
    va_end(ap);
    kiln_node *n = stmt(ctx, loc, KILN_N_COMMENT, 0);
    n->text = text;
    dsl_append(ctx, n);
}

static int has_witem(const kiln_node *n)
{
    if (!n)
        return 0;
    if (n->kind == KILN_N_WITEM)
        return 1;
    for (int i = 0; i < n->nkids; i++)
        if (has_witem(n->kids[i]))
            return 1;
    return 0;
}

void kiln_barrier_at(kiln_ctx *ctx, kiln_loc loc, int fences)
{
    char fd[96];
    if (!ctx || !enter(ctx, loc, "barrier"))
        return;
    if (!ctx->cur_proc->is_kernel) {
        dsl_error(ctx, loc, "barrier: only allowed in a kernel, not in function '%s'", ctx->cur_proc->name);
        return;
    }
    if (fences <= 0 || fences > (KILN_FENCE_LOCAL | KILN_FENCE_GLOBAL)) {
        dsl_error(ctx, loc, "barrier: fences %d is not a mask of KILN_FENCE_LOCAL and KILN_FENCE_GLOBAL", fences);
        return;
    }
    for (frame *f = ctx->top; f->kind != F_PROC; f = f->up) {
        if (f->kind != F_FOR && f->kind != F_BLOCK) {
            dsl_error(ctx, loc, "barrier inside %s: every work-item must reach it (barriers go at the kernel's "
                      "top level or in for loops)", frame_desc(f, fd, sizeof fd));
            return;
        }
        if (f->kind == F_FOR && (has_witem(f->stmt->kids[0]) || has_witem(f->stmt->kids[1]) ||
                                 has_witem(f->stmt->kids[2]))) {
            dsl_error(ctx, loc, "barrier inside %s, whose bounds depend on the work-item", frame_desc(f, fd, sizeof fd));
            return;
        }
    }
    kiln_node *n = stmt(ctx, loc, KILN_N_BARRIER, 0);
    n->op = fences;
    dsl_append(ctx, n);
    ctx->cur_proc->uses_barrier = 1;
}

/* ---- compound statements ---- */

static int close_ok(kiln_ctx *ctx, kiln_loc loc, const char *what, frame_kind k1, frame_kind k2)
{
    char fd[96];
    if (!enter(ctx, loc, what))
        return 0;
    if (ctx->top->kind != k1 && ctx->top->kind != k2) {
        dsl_error(ctx, loc, "%s: the innermost open construct is %s", what, frame_desc(ctx->top, fd, sizeof fd));
        return 0;
    }
    return 1;
}

kiln_var *kiln_for_begin_at(kiln_ctx *ctx, kiln_loc loc, const char *name, kiln_node *start, kiln_node *end,
                            kiln_node *step)
{
    if (!ctx)
        return &null_ctx_var;
    char what[96];
    snprintf(what, sizeof what, "for loop '%s'", name ? name : "(null)");
    if (!enter(ctx, loc, what) || !name_ok(ctx, loc, what, name))
        return dsl_poison_var(ctx);
    if (!step)
        step = kiln_int(ctx, 1);
    if (!value_ok(ctx, loc, what, start, 0) || !int_scalar_ok(ctx, loc, what, "the start", start) ||
        !value_ok(ctx, loc, what, end, 0) || !int_scalar_ok(ctx, loc, what, "the end", end) ||
        !value_ok(ctx, loc, what, step, 0) || !int_scalar_ok(ctx, loc, what, "the step", step))
        return dsl_poison_var(ctx);
    if (step->kind == KILN_N_LIT && step->ival <= 0) {
        dsl_error(ctx, loc, "%s: step %lld must be positive", what, step->ival);
        return dsl_poison_var(ctx);
    }
    kiln_type t = kiln_scalar_bytes(start->type.scalar) == 8 || kiln_scalar_bytes(end->type.scalar) == 8
                      ? KILN_T(I64) : KILN_T(I32);
    kiln_node *b[3] = {start, end, step};
    for (int i = 0; i < 3; i++)
        if (b[i]->kind == KILN_N_LIT && b[i]->type.scalar != t.scalar)
            b[i] = dsl_lit_int(ctx, t.scalar, b[i]->ival);
    kiln_var *v = dsl_new_var(ctx, loc, name, t, KILN_MEM_PRIVATE);
    kiln_node *n = stmt(ctx, loc, KILN_N_FOR, 3);
    n->var = v;
    for (int i = 0; i < 3; i++)
        n->kids[i] = b[i];
    /* linked into the enclosing block by kiln_for_end, which may replace it by unrolled copies */
    push_frame(ctx, F_FOR, n, &n->body, loc);
    dsl_declare(ctx, v);
    return v;
}

/* The first break or continue of the statements `first` that leaves or
 * continues their enclosing loop (those of nested loops are theirs). */
static const kiln_node *loop_jump(const kiln_node *first)
{
    for (const kiln_node *s = first; s; s = s->next) {
        if (s->kind == KILN_N_BREAK || s->kind == KILN_N_CONTINUE)
            return s;
        if (s->kind != KILN_N_IF && s->kind != KILN_N_BLOCK)
            continue;
        const kiln_node *j = loop_jump(s->body);
        if (!j)
            j = loop_jump(s->els);
        if (j)
            return j;
    }
    return NULL;
}

static int holds_barrier(const kiln_node *first)
{
    for (const kiln_node *s = first; s; s = s->next)
        if (s->kind == KILN_N_BARRIER || holds_barrier(s->body) || holds_barrier(s->els))
            return 1;
    return 0;
}

static void loop_jump_stmt(kiln_ctx *ctx, kiln_loc loc, kiln_kind kind)
{
    const char *what = kind == KILN_N_BREAK ? "break" : "continue";
    if (!ctx || !enter(ctx, loc, what))
        return;
    const frame *f = ctx->top;
    while (f->kind != F_PROC && f->kind != F_FOR && f->kind != F_WHILE)
        f = f->up;
    if (f->kind == F_PROC) {
        dsl_error(ctx, loc, "%s outside a for or while loop", what);
        return;
    }
    dsl_append(ctx, stmt(ctx, loc, kind, 0));
}

void kiln_break_at(kiln_ctx *ctx, kiln_loc loc)
{
    loop_jump_stmt(ctx, loc, KILN_N_BREAK);
}

void kiln_continue_at(kiln_ctx *ctx, kiln_loc loc)
{
    loop_jump_stmt(ctx, loc, KILN_N_CONTINUE);
}

void kiln_for_end_at(kiln_ctx *ctx, kiln_loc loc, int unroll)
{
    if (!ctx || !close_ok(ctx, loc, "kiln_for_end", F_FOR, F_FOR))
        return;
    kiln_node *loop = pop_frame(ctx)->stmt;
    if (unroll < 0) {
        dsl_error(ctx, loc, "end of for loop '%s': unroll factor %d is negative", loop->var->name, unroll);
        return;
    }
    const kiln_node *jump = loop_jump(loop->body);
    if (jump && unroll != 1) {
        dsl_error(ctx, loc, "end of for loop '%s': a loop with a %s (line %d) cannot be unrolled", loop->var->name,
                  kiln_kind_names[jump->kind], jump->loc.line);
        return;
    }
    if (jump && holds_barrier(loop->body)) {
        dsl_error(ctx, loc, "end of for loop '%s': a loop with a barrier cannot hold a %s (line %d): the C target "
                  "splits its body into work-item loops", loop->var->name, kiln_kind_names[jump->kind], jump->loc.line);
        return;
    }
    dsl_finish_for(ctx, loc, loop, unroll);
}

void kiln_while_begin_at(kiln_ctx *ctx, kiln_loc loc, kiln_node *cond)
{
    if (!ctx || !enter(ctx, loc, "while condition") || !cond_ok(ctx, loc, "while condition", cond))
        return;
    kiln_node *n = stmt(ctx, loc, KILN_N_WHILE, 1);
    n->kids[0] = cond;
    dsl_append(ctx, n);
    push_frame(ctx, F_WHILE, n, &n->body, loc);
}

void kiln_while_end_at(kiln_ctx *ctx, kiln_loc loc)
{
    if (ctx && close_ok(ctx, loc, "kiln_while_end", F_WHILE, F_WHILE))
        pop_frame(ctx);
}

void kiln_if_begin_at(kiln_ctx *ctx, kiln_loc loc, kiln_node *cond)
{
    if (!ctx || !enter(ctx, loc, "if condition") || !cond_ok(ctx, loc, "if condition", cond))
        return;
    kiln_node *n = stmt(ctx, loc, KILN_N_IF, 1);
    n->kids[0] = cond;
    dsl_append(ctx, n);
    push_frame(ctx, F_IF, n, &n->body, loc);
}

void kiln_else_at(kiln_ctx *ctx, kiln_loc loc)
{
    if (!ctx || !close_ok(ctx, loc, "kiln_else", F_IF, F_IF))
        return;
    frame *f = ctx->top;
    kill_decls(f);
    f->kind = F_ELSE;
    f->tail = &f->stmt->els;
}

void kiln_if_end_at(kiln_ctx *ctx, kiln_loc loc)
{
    if (ctx && close_ok(ctx, loc, "kiln_if_end", F_IF, F_ELSE))
        pop_frame(ctx);
}

void kiln_block_begin_at(kiln_ctx *ctx, kiln_loc loc)
{
    if (!ctx || !enter(ctx, loc, "block"))
        return;
    kiln_node *n = stmt(ctx, loc, KILN_N_BLOCK, 0);
    dsl_append(ctx, n);
    push_frame(ctx, F_BLOCK, n, &n->body, loc);
}

void kiln_block_end_at(kiln_ctx *ctx, kiln_loc loc)
{
    if (ctx && close_ok(ctx, loc, "kiln_block_end", F_BLOCK, F_BLOCK))
        pop_frame(ctx);
}
