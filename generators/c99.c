/*
 * c99.c: the C99 target's hooks for the C-family walker (GNU C: vector
 * extensions for vector types, __atomic builtins for atomics).
 *
 * The kernel becomes a static function that runs a whole NDRange: three loops
 * over work-groups outside (optionally under OpenMP), and inside each group
 * the body split at its barriers into segments, each wrapped in its own three
 * loops over work-items. A barrier may sit at the top level of the kernel or
 * inside for loops (and blocks) whose bounds are uniform over the work-group;
 * such a loop is printed at group scope with segments inside. Private
 * variables live across segments only when replicated: they become arrays
 * indexed by the local linear id (kiln_lid). Shared arrays are declared once
 * per group. An entry point with a fixed signature unpacks arguments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "generators/gen_int.h"

static const char *const c_scalar[KILN_SCALAR_COUNT] = {
    [KILN_VOID] = "void",     [KILN_BOOL] = "_Bool",    [KILN_I8] = "int8_t",   [KILN_U8] = "uint8_t",
    [KILN_I16] = "int16_t",   [KILN_U16] = "uint16_t",  [KILN_I32] = "int32_t", [KILN_U32] = "uint32_t",
    [KILN_I64] = "int64_t",   [KILN_U64] = "uint64_t",  [KILN_F32] = "float",   [KILN_F64] = "double",
};

/* Short names for vector types and helpers (kiln_float4, kiln_min_int8). */
static const char *const c_short[KILN_SCALAR_COUNT] = {
    [KILN_I8] = "char", [KILN_U8] = "uchar", [KILN_I16] = "short", [KILN_U16] = "ushort",
    [KILN_I32] = "int", [KILN_U32] = "uint", [KILN_I64] = "long",  [KILN_U64] = "ulong",
    [KILN_F32] = "float", [KILN_F64] = "double",
};

static int c_type_name(kiln_type t, char *buf, size_t len)
{
    if ((unsigned)t.scalar >= KILN_SCALAR_COUNT)
        return -1;
    if (t.lanes == 1) {
        snprintf(buf, len, "%s", c_scalar[t.scalar]);
        return 0;
    }
    /* GCC vectors need a power-of-two size: no 3-lane vectors */
    if (!c_short[t.scalar] || t.lanes == 3 || gen_width_index(t.lanes) < 0)
        return -1;
    snprintf(buf, len, "kiln_%s%d", c_short[t.scalar], t.lanes);
    return 0;
}

static const char *const math_base[] = {
    [KILN_SQRT] = "sqrt", [KILN_EXP] = "exp",   [KILN_LOG] = "log", [KILN_SIN] = "sin",     [KILN_COS] = "cos",
    [KILN_POW] = "pow",   [KILN_FABS] = "fabs", [KILN_FMA] = "fma", [KILN_FLOOR] = "floor",
};
static const int math_arity[] = {
    [KILN_SQRT] = 1, [KILN_EXP] = 1, [KILN_LOG] = 1, [KILN_SIN] = 1, [KILN_COS] = 1,
    [KILN_POW] = 2,  [KILN_FABS] = 1, [KILN_FMA] = 3, [KILN_FLOOR] = 1,
};

static int c_math_name(int fn, kiln_type t, char *buf, size_t len)
{
    if (fn < 0 || fn > KILN_FLOOR || !kiln_scalar_is_float(t.scalar))
        return -1;
    if (t.lanes == 1)
        snprintf(buf, len, "%s%s", math_base[fn], t.scalar == KILN_F32 ? "f" : "");
    else
        snprintf(buf, len, "kiln_%s_%s%d", math_base[fn], c_short[t.scalar], t.lanes);
    return 0;
}

/* A lane-wise helper: r[i] = body over a[i], b[i], c[i]. */
static void c_lanewise(gen_printer *p, const char *fname, const char *vt, int lanes, int arity,
                       const char *lane_expr)
{
    static const char *const names[] = {"a", "b", "c"};
    gen_printf(p, "static inline %s %s(", vt, fname);
    for (int i = 0; i < arity; i++)
        gen_printf(p, "%s%s %s", i ? ", " : "", vt, names[i]);
    gen_printf(p, ")\n{\n    %s r;\n    for (int i = 0; i < %d; i++)\n        r[i] = %s;\n    return r;\n}\n", vt,
               lanes, lane_expr);
}

/* kiln_vstream_T(p, v): a non-temporal store where p is aligned to the vector
 * (clang's builtin, or gcc's x86 intrinsic of that width), memcpy otherwise.
 * The stores are weakly ordered: the next locked instruction (the end of a
 * parallel region, a thread join) or a load by the same thread sees them. */
static void c_stream_helper(gen_printer *p, kiln_scalar s, int lanes, const char *vt)
{
    static const char *const x86[3][2] = {{"_mm_stream_ps", "_mm_stream_pd"}, {"_mm256_stream_ps", "_mm256_stream_pd"},
                                          {"_mm512_stream_ps", "_mm512_stream_pd"}};
    static const char *const x86_feature[3] = {"__SSE2__", "__AVX__", "__AVX512F__"};
    static const char *const x86_type[3][2] = {{"__m128", "__m128d"}, {"__m256", "__m256d"}, {"__m512", "__m512d"}};
    size_t bytes = kiln_scalar_bytes(s) * (size_t)lanes;
    int x = bytes == 16 ? 0 : bytes == 32 ? 1 : bytes == 64 ? 2 : -1;
    int f = s == KILN_F64 ? 1 : s == KILN_F32 ? 0 : -1;
    gen_printf(p, "static inline void kiln_vstream_%s(%s *p, %s v)\n{\n", vt + 5, c_scalar[s], vt);
    gen_puts(p, "#if defined(__clang__)\n");
    gen_puts(p, "    if (((uintptr_t)p & (sizeof v - 1)) == 0) {\n");
    gen_printf(p, "        __builtin_nontemporal_store(v, (%s *)p);\n        return;\n    }\n", vt);
    if (x >= 0 && f >= 0) {
        gen_printf(p, "#elif defined(__x86_64__) && defined(%s)\n", x86_feature[x]);
        gen_puts(p, "    if (((uintptr_t)p & (sizeof v - 1)) == 0) {\n");
        gen_printf(p, "        %s(p, (%s)v);\n        return;\n    }\n", x86[x][f], x86_type[x][f]);
    }
    gen_puts(p, "#endif\n    memcpy(p, &v, sizeof v);\n}\n");
}

static void c_vector_helpers(gen_printer *p, kiln_scalar s, int w)
{
    const gen_needs *nd = &p->needs;
    int lanes = gen_widths[w];
    char vt[64], fname[96], expr[160];
    if (c_type_name((kiln_type){s, lanes}, vt, sizeof vt) != 0)
        return;
    const char *st = c_scalar[s], *sn = vt + 5; /* "kiln_" */
    gen_printf(p, "static inline %s kiln_vload_%s(const %s *p)\n{\n    %s v;\n    memcpy(&v, p, sizeof v);\n"
                  "    return v;\n}\n", vt, sn, st, vt);
    gen_printf(p, "static inline void kiln_vstore_%s(%s *p, %s v)\n{\n    memcpy(p, &v, sizeof v);\n}\n", sn, st,
               vt);
    gen_printf(p, "static inline %s kiln_splat_%s(%s x)\n{\n    %s v;\n    for (int i = 0; i < %d; i++)\n"
                  "        v[i] = x;\n    return v;\n}\n", vt, sn, st, vt, lanes);
    if (nd->stream[s][w])
        c_stream_helper(p, s, lanes, vt);
    for (int op = 0; op < 2; op++) {
        if (!(nd->minmax[s][1 + w] & (1u << op)))
            continue;
        const char *fn = op ? "max" : "min";
        snprintf(fname, sizeof fname, "kiln_%s_%s", fn, sn);
        if (kiln_scalar_is_float(s))
            snprintf(expr, sizeof expr, "f%s%s(a[i], b[i])", fn, s == KILN_F32 ? "f" : "");
        else
            snprintf(expr, sizeof expr, "a[i] %s b[i] ? a[i] : b[i]", op ? ">" : "<");
        c_lanewise(p, fname, vt, lanes, 2, expr);
    }
    for (int fn = 0; fn <= KILN_FLOOR; fn++) {
        if (!(nd->vmath[s][w] & (1u << fn)) || !kiln_scalar_is_float(s))
            continue;
        char scalar_fn[32];
        c_math_name(fn, (kiln_type){s, 1}, scalar_fn, sizeof scalar_fn);
        c_math_name(fn, (kiln_type){s, lanes}, fname, sizeof fname);
        static const char *const argl[] = {"", "a[i]", "a[i], b[i]", "a[i], b[i], c[i]"};
        snprintf(expr, sizeof expr, "%s(%s)", scalar_fn, argl[math_arity[fn]]);
        c_lanewise(p, fname, vt, lanes, math_arity[fn], expr);
    }
}

static void c_prelude(gen_printer *p)
{
    const gen_needs *nd = &p->needs;
    char vt[64];
    gen_puts(p, "#include <math.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n");
    if (nd->any_stream)
        gen_puts(p, "#if defined(__x86_64__) && !defined(__clang__)\n#include <immintrin.h>\n#endif\n");
    if (nd->prefetch) /* a hint: a compiler without the builtin does without it */
        gen_puts(p, "#if defined(__GNUC__) || defined(__clang__)\n#define kiln_prefetch(p) __builtin_prefetch((p), 0, 3)\n"
                    "#else\n#define kiln_prefetch(p) ((void)(p))\n#endif\n");
    gen_puts(p, "\n");
    int any = 0;
    for (int s = 0; s < KILN_SCALAR_COUNT; s++)
        for (int w = 0; w < GEN_NWIDTHS; w++) {
            if (!nd->vec[s][w])
                continue;
            kiln_type t = {(kiln_scalar)s, gen_widths[w]};
            gen_printf(p, "typedef %s %s __attribute__((vector_size(%zu)));\n", c_scalar[s],
                       gen_type(p, t, vt, sizeof vt, NULL), kiln_scalar_bytes(t.scalar) * (size_t)t.lanes);
            any = 1;
        }
    for (int s = 0; s < KILN_SCALAR_COUNT; s++)
        for (int w = 0; w < GEN_NWIDTHS; w++)
            if (nd->vec[s][w])
                c_vector_helpers(p, (kiln_scalar)s, w);
    for (int s = 0; s < KILN_SCALAR_COUNT; s++) {
        if (kiln_scalar_is_float((kiln_scalar)s))
            continue;
        for (int op = 0; op < 2; op++)
            if (nd->minmax[s][0] & (1u << op)) {
                const char *t = c_scalar[s];
                gen_printf(p, "static inline %s kiln_%s_%s(%s a, %s b)\n{\n    return a %s b ? a : b;\n}\n", t,
                           op ? "max" : "min", kiln_scalar_name((kiln_scalar)s), t, t, op ? ">" : "<");
                any = 1;
            }
    }
    size_t before = p->out.len;
    gen_modp_helpers(p, "static inline ", "fmodf", "fmod", 0);
    for (int s = KILN_F32; s <= KILN_F64; s++) {
        if (!nd->atomic[s][0] && !nd->atomic[s][1])
            continue;
        const char *t = c_scalar[s];
        gen_printf(p, "static inline void kiln_atomic_add_%s(%s *p, %s v)\n{\n    %s old, upd;\n"
                      "    __atomic_load(p, &old, __ATOMIC_RELAXED);\n    do {\n        upd = old + v;\n"
                      "    } while (!__atomic_compare_exchange(p, &old, &upd, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED));\n"
                      "}\n", kiln_scalar_name((kiln_scalar)s), t, t, t);
    }
    if (any || p->out.len != before)
        gen_puts(p, "\n");
}

/* ---- kernel: work-groups, segments, replicated variables --------------- */

typedef struct c_decl_seg {
    const kiln_var *var;
    int seg;
} c_decl_seg;

typedef struct c_state {
    int emit;               /* 0: analysis pass, 1: printing pass */
    int split;              /* the kernel has barriers: analyse and split */
    int nseg;               /* segments seen so far in this pass */
    int seg;                /* current segment, -1 at group scope */
    int seg_final;          /* current segment runs after the last barrier */
    int return_used;        /* a return jumped to the current segment's end */
    int ndecl, decl_cap;
    c_decl_seg *decls;      /* private variables declared at segment level */
    int nuni, uni_cap;
    const kiln_var **uniform; /* group-scope variables (loop counters, hoisted constants) */
    int nassigned, assigned_cap;
    const kiln_var **assigned;
} c_state;

static int push_var(gen_printer *p, const kiln_var ***arr, int *n, int *cap, const kiln_var *v)
{
    if (*n == *cap) {
        int ncap = *cap ? *cap * 2 : 16;
        const kiln_var **a = realloc(*arr, (size_t)ncap * sizeof *a);
        if (!a) {
            gen_fail(p, NULL, "out of memory");
            return -1;
        }
        *arr = a;
        *cap = ncap;
    }
    (*arr)[(*n)++] = v;
    return 0;
}

static int has_var(const kiln_var *const *arr, int n, const kiln_var *v)
{
    for (int i = 0; i < n; i++)
        if (arr[i] == v)
            return 1;
    return 0;
}

static void find_barrier(const kiln_node *n, void *arg)
{
    if (n->kind == KILN_N_BARRIER)
        *(int *)arg = 1;
}

static int contains_barrier(const kiln_node *s)
{
    int found = 0;
    gen_visit_node(s, find_barrier, &found);
    return found;
}

/* Same value in every work-item of a group: literals, scalar arguments,
 * group-scope variables, group-level work-item queries, and operators on them. */
static int is_uniform(const c_state *st, const kiln_node *n)
{
    switch (n->kind) {
    case KILN_N_LIT:
        return 1;
    case KILN_N_REF:
        return (n->var->is_arg && !n->var->is_array) || has_var(st->uniform, st->nuni, n->var);
    case KILN_N_WITEM:
        return n->op != KILN_GLOBAL_ID && n->op != KILN_LOCAL_ID;
    case KILN_N_BIN: case KILN_N_UN: case KILN_N_SELECT: case KILN_N_CAST: case KILN_N_MATH: case KILN_N_LANE:
    case KILN_N_VEC:
        for (int i = 0; i < n->nkids; i++)
            if (!is_uniform(st, n->kids[i]))
                return 0;
        return 1;
    default:
        return 0;
    }
}

/* A declaration printed once per group instead of once per work-item. */
static int hoistable(const c_state *st, const kiln_node *s)
{
    const kiln_var *v = s->var;
    return st->split && s->kind == KILN_N_DECL && v->mem == KILN_MEM_PRIVATE && !v->is_array && s->nkids > 0 &&
           s->kids[0] && !has_var(st->assigned, st->nassigned, v) && is_uniform(st, s->kids[0]);
}

static void collect_assigned(const kiln_node *n, void *arg)
{
    gen_printer *p = arg;
    c_state *st = p->target_state;
    if (n->kind != KILN_N_ASSIGN)
        return;
    const kiln_node *lhs = n->kids[0];
    while (lhs->kind == KILN_N_LANE)
        lhs = lhs->kids[0];
    if (lhs->var && !has_var(st->assigned, st->nassigned, lhs->var))
        push_var(p, &st->assigned, &st->nassigned, &st->assigned_cap, lhs->var);
}

/* Analysis: a use of a segment-level variable in another segment replicates it. */
static void note_use(const kiln_node *n, void *arg)
{
    gen_printer *p = arg;
    c_state *st = p->target_state;
    if (!n->var)
        return;
    for (int i = 0; i < st->ndecl; i++)
        if (st->decls[i].var == n->var && st->decls[i].seg != st->seg) {
            for (int j = 0; j < p->nrepl; j++)
                if (p->repl[j] != n->var && strcmp(p->repl[j]->name, n->var->name) == 0) {
                    gen_fail(p, n, "two variables named '%s' live across barriers; rename one", n->var->name);
                    return;
                }
            gen_replicate(p, n->var);
        }
}

static void note_decl(gen_printer *p, c_state *st, const kiln_node *s)
{
    if (st->ndecl == st->decl_cap) {
        int cap = st->decl_cap ? st->decl_cap * 2 : 16;
        c_decl_seg *d = realloc(st->decls, (size_t)cap * sizeof *d);
        if (!d) {
            gen_fail(p, s, "out of memory");
            return;
        }
        st->decls = d;
        st->decl_cap = cap;
    }
    st->decls[st->ndecl++] = (c_decl_seg){s->var, st->seg};
}

static int run_has_work(const c_state *st, const kiln_node *from, const kiln_node *to)
{
    for (const kiln_node *s = from; s != to; s = s->next) {
        if (s->kind == KILN_N_COMMENT || hoistable(st, s))
            continue;
        if (s->kind == KILN_N_DECL && (s->var->mem == KILN_MEM_LOCAL || s->var->mem == KILN_MEM_CONSTANT))
            continue;
        return 1;
    }
    return 0;
}

/* The statements [from, to) between two barriers: one segment. */
static void c_segment(gen_printer *p, c_state *st, const kiln_node *from, const kiln_node *to, int final)
{
    if (from == to)
        return;
    if (!st->emit) {
        st->seg = st->nseg++;
        for (const kiln_node *s = from; s != to && !p->failed; s = s->next) {
            if (hoistable(st, s)) {
                push_var(p, &st->uniform, &st->nuni, &st->uni_cap, s->var);
                continue;
            }
            gen_visit_node(s, note_use, p);
            if (s->kind == KILN_N_DECL && s->var->mem == KILN_MEM_PRIVATE)
                note_decl(p, st, s);
        }
        st->seg = -1;
        return;
    }
    for (const kiln_node *s = from; s != to; s = s->next)
        if (hoistable(st, s))
            gen_stmt(p, s);
    if (!run_has_work(st, from, to)) {
        for (const kiln_node *s = from; s != to; s = s->next)
            if (s->kind == KILN_N_COMMENT)
                gen_stmt(p, s);
        st->nseg++;
        return;
    }
    st->seg = st->nseg++;
    st->seg_final = final;
    st->return_used = 0;
    gen_line(p, "for (size_t kiln_l2 = 0; kiln_l2 < kiln_lsize2; kiln_l2++)");
    gen_line(p, "for (size_t kiln_l1 = 0; kiln_l1 < kiln_lsize1; kiln_l1++)");
    gen_line(p, "for (size_t kiln_l0 = 0; kiln_l0 < kiln_lsize0; kiln_l0++) {");
    p->indent++;
    if (p->nrepl)
        gen_line(p, "const size_t kiln_lid = (kiln_l2 * kiln_lsize1 + kiln_l1) * kiln_lsize0 + kiln_l0;");
    for (const kiln_node *s = from; s != to && !p->failed; s = s->next)
        if (!hoistable(st, s))
            gen_stmt(p, s);
    if (st->return_used)
        gen_line(p, "kiln_next_%d:;", st->seg);
    p->indent--;
    gen_line(p, "}");
    st->seg = -1;
}

static void c_region(gen_printer *p, c_state *st, const kiln_node *first, int top)
{
    const kiln_node *run = first;
    for (const kiln_node *s = first; s && !p->failed; s = s->next) {
        if (s->kind == KILN_N_BARRIER) {
            c_segment(p, st, run, s, 0);
            run = s->next;
            continue;
        }
        if (!st->split || !contains_barrier(s))
            continue;
        c_segment(p, st, run, s, 0);
        run = s->next;
        if (s->kind == KILN_N_FOR) {
            for (int i = 0; i < 3; i++)
                if (!is_uniform(st, s->kids[i])) {
                    gen_fail(p, s, "C target: the %s of the for loop over '%s' depends on per-work-item values; "
                                   "a loop that contains a barrier needs bounds uniform over the work-group",
                             i == 0 ? "start" : i == 1 ? "end" : "step", s->var->name);
                    return;
                }
            if (!st->emit)
                push_var(p, &st->uniform, &st->nuni, &st->uni_cap, s->var);
            if (st->emit) {
                gen_for_header(p, s);
                p->indent++;
            }
            c_region(p, st, s->body, 0);
            if (st->emit) {
                p->indent--;
                gen_line(p, "}");
            }
        } else if (s->kind == KILN_N_BLOCK) {
            if (st->emit) {
                gen_line(p, "{");
                p->indent++;
            }
            c_region(p, st, s->body, 0);
            if (st->emit) {
                p->indent--;
                gen_line(p, "}");
            }
        } else {
            gen_fail(p, s, "C target: barrier inside a %s statement; barriers may only sit at the kernel's top "
                           "level or inside for loops and blocks", kiln_kind_names[s->kind]);
            return;
        }
    }
    c_segment(p, st, run, NULL, top);
}

static void collect_shared(const kiln_node *n, void *arg)
{
    gen_printer *p = arg;
    char tb[64];
    if (n->kind == KILN_N_DECL && n->var->mem == KILN_MEM_LOCAL)
        gen_line(p, "%s %s[%lld];", gen_type(p, n->var->type, tb, sizeof tb, n), n->var->name,
                 gen_array_count(p, n->var));
}

static void c_entry(gen_printer *p, const kiln_proc *k)
{
    char tb[64];
    const char *sig = "(void *const *args, const size_t *global, const size_t *local)";
    gen_printf(p, "\nvoid %s" KILN_C_ENTRY_SUFFIX "%s;\n", k->name, sig);
    gen_printf(p, "void %s" KILN_C_ENTRY_SUFFIX "%s\n{\n", k->name, sig);
    int r[3];
    for (int d = 0; d < 3; d++)
        r[d] = k->reqd_wg[d] > 0 ? k->reqd_wg[d] : 1;
    gen_printf(p, "    size_t lsize[3] = {%d, %d, %d};\n", r[0], r[1], r[2]);
    gen_puts(p, "    if (local && (local[0] | local[1] | local[2]) != 0)\n");
    gen_puts(p, "        for (int d = 0; d < 3; d++)\n");
    gen_puts(p, "            lsize[d] = local[d] ? local[d] : 1;\n");
    gen_printf(p, "    %s(", k->name);
    for (int i = 0; i < k->nargs; i++) {
        const kiln_var *a = k->args[i];
        gen_type(p, a->type, tb, sizeof tb, NULL);
        if (a->is_array)
            gen_printf(p, "(%s%s *)args[%d], ", a->dir == KILN_IN ? "const " : "", tb, i);
        else
            gen_printf(p, "*(const %s *)args[%d], ", tb, i);
    }
    gen_puts(p, "global, lsize);\n}\n");
}

static void c_kernel(gen_printer *p, const kiln_proc *k)
{
    c_state st = {.seg = -1};
    p->target_state = &st;
    gen_visit(k->body, find_barrier, &st.split);
    if (st.split) {
        gen_visit(k->body, collect_assigned, p);
        c_region(p, &st, k->body, 1);
        st.nseg = 0; /* the uniform variables found stay: the printing pass hoists them */
    }
    st.emit = 1;

    gen_printf(p, "static void %s(", k->name);
    gen_params(p, k);
    gen_printf(p, "%sconst size_t *kiln_global, const size_t *kiln_local)\n{\n", k->nargs ? ", " : "");
    p->indent = 1;
    for (int d = 0; d < 3; d++)
        gen_line(p, "const size_t kiln_lsize%d = kiln_local[%d];", d, d);
    for (int d = 0; d < 3; d++)
        gen_line(p, "const size_t kiln_ng%d = kiln_global[%d] / kiln_lsize%d;", d, d, d);
    if (p->nrepl)
        gen_line(p, "const size_t kiln_wg_size = kiln_lsize0 * kiln_lsize1 * kiln_lsize2;");
    if (p->opts->openmp)
        gen_line(p, "#pragma omp parallel for collapse(3)");
    gen_line(p, "for (size_t kiln_g2 = 0; kiln_g2 < kiln_ng2; kiln_g2++)");
    gen_line(p, "for (size_t kiln_g1 = 0; kiln_g1 < kiln_ng1; kiln_g1++)");
    gen_line(p, "for (size_t kiln_g0 = 0; kiln_g0 < kiln_ng0; kiln_g0++) {");
    p->indent++;
    gen_visit(k->body, collect_shared, p);
    for (int i = 0; i < p->nrepl; i++) {
        const kiln_var *v = p->repl[i];
        char tb[64];
        gen_type(p, v->type, tb, sizeof tb, NULL);
        if (v->is_array)
            gen_line(p, "%s %s[kiln_wg_size][%lld];", tb, v->name, gen_array_count(p, v));
        else
            gen_line(p, "%s %s[kiln_wg_size];", tb, v->name);
    }
    c_region(p, &st, k->body, 1);
    p->indent--;
    gen_line(p, "}");
    p->indent = 0;
    gen_puts(p, "}\n");
    c_entry(p, k);
    free(st.decls);
    free(st.uniform);
    free(st.assigned);
    p->target_state = NULL;
}

/* ---- expression and statement hooks ----------------------------------- */

static int c_witem(gen_printer *p, int what, int dim)
{
    const c_state *st = p->target_state;
    if (!p->proc || !p->proc->is_kernel || !st) {
        gen_fail(p, NULL, "C target: helper '%s' queries work-item indices; only kernels have them",
                 p->proc ? p->proc->name : "?");
        return PREC_POSTFIX;
    }
    if (dim < 0 || dim > 2) {
        gen_fail(p, NULL, "bad work-item dimension %d", dim);
        return PREC_POSTFIX;
    }
    switch (what) {
    case KILN_GLOBAL_ID:
        gen_printf(p, "(int64_t)(kiln_g%d * kiln_lsize%d + kiln_l%d)", dim, dim, dim);
        break;
    case KILN_LOCAL_ID:
        gen_printf(p, "(int64_t)kiln_l%d", dim);
        break;
    case KILN_GROUP_ID:
        gen_printf(p, "(int64_t)kiln_g%d", dim);
        break;
    case KILN_GLOBAL_SIZE:
        gen_printf(p, "(int64_t)kiln_global[%d]", dim);
        break;
    case KILN_LOCAL_SIZE:
        gen_printf(p, "(int64_t)kiln_lsize%d", dim);
        break;
    case KILN_NUM_GROUPS:
        gen_printf(p, "(int64_t)kiln_ng%d", dim);
        break;
    default:
        gen_fail(p, NULL, "bad work-item query %d", what);
        break;
    }
    return PREC_UNARY;
}

static int c_broadcast(gen_printer *p, kiln_type to, const kiln_node *scalar)
{
    char tb[64];
    gen_printf(p, "kiln_splat_%s(", gen_type(p, to, tb, sizeof tb, scalar) + 5);
    gen_expr(p, scalar, 0);
    gen_puts(p, ")");
    return PREC_POSTFIX;
}

/* The vector variable a lane of a kiln_vec reads, when it is a lane of a vector
 * variable; NULL otherwise. */
static const kiln_var *lane_source(const kiln_node *lane)
{
    if (lane->kind != KILN_N_LANE || lane->kids[0]->kind != KILN_N_REF)
        return NULL;
    const kiln_var *v = lane->kids[0]->var;
    return v->is_array ? NULL : v;
}

/* A vector from lanes. When every lane is a lane of at most two vector variables of
 * one type, a __builtin_shufflevector (gcc 12, clang; the result may be narrower or
 * wider than its sources), which compilers turn into shuffle instructions rather than
 * lane-by-lane inserts. Otherwise a GNU C vector literal: (kiln_float4){a, b, c, d}. */
static int c_vec_of(gen_printer *p, const kiln_node *n)
{
    char tb[64];
    const kiln_var *src[2] = {NULL, NULL};
    int shuffle = 1;
    for (int i = 0; i < n->nkids && shuffle; i++) {
        const kiln_var *v = lane_source(n->kids[i]);
        if (!v || (src[0] && !(v->type.lanes == src[0]->type.lanes && v->type.scalar == src[0]->type.scalar)))
            shuffle = 0;
        else if (!src[0] || v == src[0])
            src[0] = v;
        else if (!src[1] || v == src[1])
            src[1] = v;
        else
            shuffle = 0;
    }
    if (shuffle) {
        gen_printf(p, "__builtin_shufflevector(%s, %s", src[0]->name, (src[1] ? src[1] : src[0])->name);
        for (int i = 0; i < n->nkids; i++) {
            const kiln_node *lane = n->kids[i];
            gen_printf(p, ", %d", lane->lanes + (lane->kids[0]->var == src[0] ? 0 : src[0]->type.lanes));
        }
        gen_puts(p, ")");
        return PREC_POSTFIX;
    }
    gen_printf(p, "(%s){", gen_type(p, n->type, tb, sizeof tb, n));
    for (int i = 0; i < n->nkids; i++) {
        if (i)
            gen_puts(p, ", ");
        gen_expr(p, n->kids[i], 0);
    }
    gen_puts(p, "}");
    return PREC_POSTFIX;
}

static int c_vconvert(gen_printer *p, kiln_type to, const kiln_node *vec)
{
    char tb[64];
    gen_puts(p, "__builtin_convertvector(");
    gen_expr(p, vec, 0);
    gen_printf(p, ", %s)", gen_type(p, to, tb, sizeof tb, vec));
    return PREC_POSTFIX;
}

static void c_pointer(gen_printer *p, const kiln_var *v, const kiln_node *idx)
{
    gen_array_base(p, v);
    gen_puts(p, " + ");
    gen_expr(p, idx, PREC_MUL);
}

static int c_vload(gen_printer *p, const kiln_node *n)
{
    char tb[64];
    gen_printf(p, "kiln_vload_%s(", gen_type(p, n->type, tb, sizeof tb, n) + 5);
    c_pointer(p, n->var, n->kids[0]);
    gen_puts(p, ")");
    return PREC_POSTFIX;
}

static int c_lane(gen_printer *p, const kiln_node *n)
{
    gen_expr(p, n->kids[0], PREC_POSTFIX);
    gen_printf(p, "[%d]", n->lanes);
    return PREC_POSTFIX;
}

static int c_minmax(gen_printer *p, const kiln_node *n)
{
    const char *fn = n->op == KILN_MIN ? "min" : "max";
    kiln_type t = n->type;
    char tb[64];
    if (t.lanes > 1)
        gen_printf(p, "kiln_%s_%s(", fn, gen_type(p, t, tb, sizeof tb, n) + 5);
    else if (kiln_scalar_is_float(t.scalar))
        gen_printf(p, "f%s%s(", fn, t.scalar == KILN_F32 ? "f" : "");
    else
        gen_printf(p, "kiln_%s_%s(", fn, kiln_scalar_name(t.scalar));
    gen_expr(p, n->kids[0], 0);
    gen_puts(p, ", ");
    gen_expr(p, n->kids[1], 0);
    gen_puts(p, ")");
    return PREC_POSTFIX;
}

static void c_vstore(gen_printer *p, const kiln_node *n)
{
    char tb[64];
    gen_indent(p);
    int stream = n->op == 1 && n->var->mem == KILN_MEM_GLOBAL;
    gen_printf(p, "kiln_%s_%s(", stream ? "vstream" : "vstore", gen_type(p, n->kids[1]->type, tb, sizeof tb, n) + 5);
    c_pointer(p, n->var, n->kids[0]);
    gen_puts(p, ", ");
    gen_expr(p, n->kids[1], 0);
    gen_puts(p, ");\n");
}

static void c_atomic_add(gen_printer *p, const kiln_node *n)
{
    const kiln_node *e = n->kids[0];
    kiln_scalar s = e->type.scalar;
    gen_indent(p);
    if (kiln_scalar_is_float(s)) {
        gen_printf(p, "kiln_atomic_add_%s(&", kiln_scalar_name(s));
        gen_expr(p, e, PREC_UNARY);
        gen_puts(p, ", ");
        gen_expr(p, n->kids[1], 0);
        gen_puts(p, ");\n");
        return;
    }
    if (s == KILN_VOID || s == KILN_BOOL || e->type.lanes != 1) {
        gen_fail(p, n, "atomic add on %s elements is not supported", kiln_scalar_name(s));
        return;
    }
    gen_puts(p, "__atomic_fetch_add(&");
    gen_expr(p, e, PREC_UNARY);
    gen_puts(p, ", ");
    gen_expr(p, n->kids[1], 0);
    gen_puts(p, ", __ATOMIC_RELAXED);\n");
}

static void c_barrier(gen_printer *p, const kiln_node *n)
{
    gen_fail(p, n, "C target: barrier %s; barriers may only sit at the kernel's top level or inside for loops "
                   "and blocks", p->proc && !p->proc->is_kernel ? "in a helper function" : "in a nested statement");
}

static void c_decl_shared(gen_printer *p, const kiln_node *n)
{
    if (!p->proc || !p->proc->is_kernel)
        gen_fail(p, n, "C target: shared array '%s' outside a kernel", n->var->name);
    /* otherwise declared once per work-group by c_kernel */
}

static void c_kernel_return(gen_printer *p, const kiln_node *n)
{
    c_state *st = p->target_state;
    if (st->seg < 0 || !st->seg_final) {
        gen_fail(p, n, "C target: return before a barrier; a work-item may only leave the kernel after its last "
                       "barrier");
        return;
    }
    st->return_used = 1;
    gen_line(p, "goto kiln_next_%d;", st->seg);
}

static const char *const c_reserved[] = {
    "int8_t", "uint8_t", "int16_t", "uint16_t", "int32_t", "uint32_t", "int64_t", "uint64_t", "size_t",
    "sqrtf", "expf", "logf", "sinf", "cosf", "powf", "fabsf", "fmaf", "floorf", "fmodf", "fminf", "fmaxf",
    "memcpy", "INFINITY", "NAN", NULL,
};

const gen_target gen_target_c99 = {
    .name = "C99",
    .reserved = c_reserved,
    .helper_qual = "static ",
    .global_space = "",
    .i64_suffix = "LL",
    .u64_suffix = "ULL",
    .prelude = c_prelude,
    .type_name = c_type_name,
    .const_array_qual = "static const",
    .kernel = c_kernel,
    .witem = c_witem,
    .broadcast = c_broadcast,
    .vec_of = c_vec_of,
    .vconvert = c_vconvert,
    .vload = c_vload,
    .lane = c_lane,
    .minmax = c_minmax,
    .math_name = c_math_name,
    .vstore = c_vstore,
    .atomic_add = c_atomic_add,
    .barrier = c_barrier,
    .decl_shared = c_decl_shared,
    .kernel_return = c_kernel_return,
};
