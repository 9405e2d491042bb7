/*
 * opencl.c: the OpenCL C target's hooks for the C-family walker.
 *
 * A __kernel function with __global/__local/__constant qualifiers, OpenCL
 * vector types (floatN, vloadN/vstoreN, .sN lanes), the work-item builtins
 * (cast to long: kiln types them as i64), and the helpers OpenCL C lacks:
 * floored modulo and a compare-and-swap loop for floating-point atomic add.
 */
#include <stdio.h>
#include <string.h>

#include "generators/gen_int.h"

static const char *const cl_scalar[KILN_SCALAR_COUNT] = {
    [KILN_VOID] = "void", [KILN_BOOL] = "bool",  [KILN_I8] = "char",   [KILN_U8] = "uchar",
    [KILN_I16] = "short", [KILN_U16] = "ushort", [KILN_I32] = "int",   [KILN_U32] = "uint",
    [KILN_I64] = "long",  [KILN_U64] = "ulong",  [KILN_F32] = "float", [KILN_F64] = "double",
};

static int cl_type_name(kiln_type t, char *buf, size_t len)
{
    if ((unsigned)t.scalar >= KILN_SCALAR_COUNT)
        return -1;
    if (t.lanes == 1) {
        snprintf(buf, len, "%s", cl_scalar[t.scalar]);
        return 0;
    }
    if (t.scalar == KILN_VOID || t.scalar == KILN_BOOL || gen_width_index(t.lanes) < 0)
        return -1;
    snprintf(buf, len, "%s%d", cl_scalar[t.scalar], t.lanes);
    return 0;
}

static const char *const cl_space_name[2] = {"global", "local"};

/* kiln_vstream_T(v, p): clang's non-temporal store where it has one and p is
 * aligned to the vector, vstoreN otherwise. */
static void cl_stream_helper(gen_printer *p, kiln_scalar s, int lanes)
{
    char vt[64];
    if (cl_type_name((kiln_type){s, lanes}, vt, sizeof vt) != 0)
        return;
    gen_printf(p, "static inline void kiln_vstream_%s(%s v, __global %s *p)\n{\n", vt, vt, cl_scalar[s]);
    gen_puts(p, "#if defined(__clang__) && defined(__has_builtin)\n#if __has_builtin(__builtin_nontemporal_store)\n");
    gen_puts(p, "    if (((ulong)p & (sizeof v - 1)) == 0) {\n");
    gen_printf(p, "        __builtin_nontemporal_store(v, (__global %s *)p);\n        return;\n    }\n", vt);
    gen_printf(p, "#endif\n#endif\n    vstore%d(v, 0, p);\n}\n", lanes);
}

static void cl_prelude(gen_printer *p)
{
    const gen_needs *nd = &p->needs;
    int any = 0;
    if (nd->uses_f64) {
        gen_puts(p, "#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n");
        any = 1;
    }
    for (int sp = 0; sp < 2; sp++)
        if (nd->atomic[KILN_I64][sp] || nd->atomic[KILN_U64][sp] || nd->atomic[KILN_F64][sp]) {
            gen_printf(p, "#pragma OPENCL EXTENSION cl_khr_int64_base_atomics : enable\n");
            any = 1;
            break;
        }
    if (any)
        gen_puts(p, "\n");
    size_t before = p->out.len;
    gen_modp_helpers(p, "static inline ", "fmod", "fmod", 1);
    for (int sp = 0; sp < 2; sp++) {
        for (int s = KILN_F32; s <= KILN_F64; s++) {
            if (!nd->atomic[s][sp])
                continue;
            const char *t = cl_scalar[s], *bits = s == KILN_F32 ? "uint" : "ulong";
            const char *cas = s == KILN_F32 ? "atomic_cmpxchg" : "atom_cmpxchg";
            const char *space = cl_space_name[sp];
            gen_printf(p, "static inline void kiln_atomic_add_%s_%s(volatile __%s %s *p, %s v)\n{\n",
                       kiln_scalar_name((kiln_scalar)s), space, space, t, t);
            gen_printf(p, "    union { %s u; %s f; } old, upd;\n", bits, t);
            gen_puts(p, "    do {\n        old.f = *p;\n        upd.f = old.f + v;\n");
            gen_printf(p, "    } while (%s((volatile __%s %s *)p, old.u, upd.u) != old.u);\n}\n", cas, space,
                       bits);
        }
    }
    for (int sc = 0; sc < KILN_SCALAR_COUNT; sc++)
        for (int w = 0; w < GEN_NWIDTHS; w++)
            if (nd->stream[sc][w])
                cl_stream_helper(p, (kiln_scalar)sc, gen_widths[w]);
    if (nd->prefetch) /* clang's builtin reaches the CPU's prefetch; OpenCL's prefetch() may do nothing */
        gen_puts(p, "#if defined(__clang__) && defined(__has_builtin)\n#if __has_builtin(__builtin_prefetch)\n"
                    "#define kiln_prefetch(p) __builtin_prefetch((p), 0, 3)\n#endif\n#endif\n"
                    "#ifndef kiln_prefetch\n#define kiln_prefetch(p) prefetch((p), 1)\n#endif\n");
    if (p->out.len != before)
        gen_puts(p, "\n");
}

static void cl_kernel(gen_printer *p, const kiln_proc *k)
{
    if (k->reqd_wg[0] > 0)
        gen_printf(p, "__kernel __attribute__((reqd_work_group_size(%d, %d, %d)))\nvoid %s(", k->reqd_wg[0],
                   k->reqd_wg[1] > 0 ? k->reqd_wg[1] : 1, k->reqd_wg[2] > 0 ? k->reqd_wg[2] : 1, k->name);
    else
        gen_printf(p, "__kernel void %s(", k->name);
    gen_params(p, k);
    gen_puts(p, ")\n{\n");
    p->indent++;
    gen_stmts(p, k->body);
    p->indent--;
    gen_puts(p, "}\n");
}

static int cl_witem(gen_printer *p, int what, int dim)
{
    static const char *const names[] = {
        [KILN_GLOBAL_ID] = "get_global_id",     [KILN_LOCAL_ID] = "get_local_id",
        [KILN_GROUP_ID] = "get_group_id",       [KILN_GLOBAL_SIZE] = "get_global_size",
        [KILN_LOCAL_SIZE] = "get_local_size",   [KILN_NUM_GROUPS] = "get_num_groups",
    };
    if (what < 0 || what > KILN_NUM_GROUPS || dim < 0 || dim > 2) {
        gen_fail(p, NULL, "bad work-item query %d in dimension %d", what, dim);
        return PREC_POSTFIX;
    }
    gen_printf(p, "(long)%s(%d)", names[what], dim);
    return PREC_UNARY;
}

static int cl_broadcast(gen_printer *p, kiln_type to, const kiln_node *scalar)
{
    char tb[64];
    gen_printf(p, "(%s)(", gen_type(p, to, tb, sizeof tb, scalar));
    gen_expr(p, scalar, 0);
    gen_puts(p, ")");
    return PREC_UNARY;
}

static int cl_vec_of(gen_printer *p, const kiln_node *n)
{
    char tb[64];
    gen_printf(p, "(%s)", gen_type(p, n->type, tb, sizeof tb, n));
    gen_args(p, n->nkids, n->kids);
    return PREC_UNARY;
}

static int cl_vconvert(gen_printer *p, kiln_type to, const kiln_node *vec)
{
    char tb[64];
    gen_printf(p, "convert_%s(", gen_type(p, to, tb, sizeof tb, vec));
    gen_expr(p, vec, 0);
    gen_puts(p, ")");
    return PREC_POSTFIX;
}

static void cl_pointer(gen_printer *p, const kiln_var *v, const kiln_node *idx)
{
    gen_array_base(p, v);
    gen_puts(p, " + ");
    gen_expr(p, idx, PREC_MUL);
}

/* "(*(__global const float4 *)(" before the pointer of an aligned vector access. */
static void cl_aligned_open(gen_printer *p, const kiln_var *v, kiln_type vec, const char *qualifier, const kiln_node *n)
{
    char tb[64];
    gen_printf(p, "(*(__%s %s%s *)(", cl_space_name[v->mem == KILN_MEM_LOCAL], qualifier,
               gen_type(p, vec, tb, sizeof tb, n));
}

static int cl_vload(gen_printer *p, const kiln_node *n)
{
    if (n->var->vectors_aligned) {
        cl_aligned_open(p, n->var, n->type, "const ", n);
        cl_pointer(p, n->var, n->kids[0]);
        gen_puts(p, "))");
        return PREC_POSTFIX;
    }
    gen_printf(p, "vload%d(0, ", n->lanes);
    cl_pointer(p, n->var, n->kids[0]);
    gen_puts(p, ")");
    return PREC_POSTFIX;
}

static int cl_lane(gen_printer *p, const kiln_node *n)
{
    gen_expr(p, n->kids[0], PREC_POSTFIX);
    gen_printf(p, ".s%x", (unsigned)n->lanes);
    return PREC_POSTFIX;
}

static int cl_minmax(gen_printer *p, const kiln_node *n)
{
    const char *fn = n->op == KILN_MIN ? "min" : "max";
    gen_printf(p, "%s%s(", kiln_scalar_is_float(n->type.scalar) ? "f" : "", fn);
    gen_expr(p, n->kids[0], 0);
    gen_puts(p, ", ");
    gen_expr(p, n->kids[1], 0);
    gen_puts(p, ")");
    return PREC_POSTFIX;
}

static int cl_math_name(int fn, kiln_type t, char *buf, size_t len)
{
    static const char *const names[] = {
        [KILN_SQRT] = "sqrt", [KILN_EXP] = "exp",   [KILN_LOG] = "log",  [KILN_SIN] = "sin",     [KILN_COS] = "cos",
        [KILN_POW] = "pow",   [KILN_FABS] = "fabs", [KILN_FMA] = "fma",  [KILN_FLOOR] = "floor",
    };
    if (fn < 0 || fn > KILN_FLOOR || !kiln_scalar_is_float(t.scalar))
        return -1;
    snprintf(buf, len, "%s", names[fn]);
    return 0;
}

static void cl_vstore(gen_printer *p, const kiln_node *n)
{
    gen_indent(p);
    if (n->op == 1 && n->var->mem == KILN_MEM_GLOBAL) {
        char tb[64];
        gen_printf(p, "kiln_vstream_%s(", gen_type(p, n->kids[1]->type, tb, sizeof tb, n));
        gen_expr(p, n->kids[1], 0);
        gen_puts(p, ", ");
        cl_pointer(p, n->var, n->kids[0]);
        gen_puts(p, ");\n");
        return;
    }
    if (n->var->vectors_aligned) {
        cl_aligned_open(p, n->var, n->kids[1]->type, "", n);
        cl_pointer(p, n->var, n->kids[0]);
        gen_puts(p, ")) = ");
        gen_expr(p, n->kids[1], 0);
        gen_puts(p, ";\n");
        return;
    }
    gen_printf(p, "vstore%d(", n->kids[1]->type.lanes);
    gen_expr(p, n->kids[1], 0);
    gen_puts(p, ", 0, ");
    cl_pointer(p, n->var, n->kids[0]);
    gen_puts(p, ");\n");
}

static void cl_atomic_add(gen_printer *p, const kiln_node *n)
{
    const kiln_node *e = n->kids[0];
    kiln_scalar s = e->type.scalar;
    gen_indent(p);
    switch (s) {
    case KILN_I32: case KILN_U32:
        gen_puts(p, "atomic_add(&");
        break;
    case KILN_I64: case KILN_U64:
        gen_puts(p, "atom_add(&");
        break;
    case KILN_F32: case KILN_F64:
        gen_printf(p, "kiln_atomic_add_%s_%s(&", kiln_scalar_name(s),
                   cl_space_name[e->var && e->var->mem == KILN_MEM_LOCAL]);
        break;
    default:
        gen_fail(p, n, "atomic add on %s elements is not supported (i32, u32, i64, u64, f32, f64)",
                 kiln_scalar_name(s));
        return;
    }
    gen_expr(p, e, PREC_UNARY);
    gen_puts(p, ", ");
    gen_expr(p, n->kids[1], 0);
    gen_puts(p, ");\n");
}

static void cl_barrier(gen_printer *p, const kiln_node *n)
{
    if (n->op == KILN_FENCE_GLOBAL)
        gen_line(p, "barrier(CLK_GLOBAL_MEM_FENCE);");
    else if (n->op == (KILN_FENCE_LOCAL | KILN_FENCE_GLOBAL))
        gen_line(p, "barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);");
    else
        gen_line(p, "barrier(CLK_LOCAL_MEM_FENCE);");
}

static void cl_decl_shared(gen_printer *p, const kiln_node *n)
{
    char tb[64];
    /* aligned vectors: storage aligned for the widest (16 lanes) */
    if (n->var->vectors_aligned)
        gen_line(p, "__local %s %s[%lld] __attribute__((aligned(%zu)));", gen_type(p, n->var->type, tb, sizeof tb, n),
                 n->var->name, gen_array_count(p, n->var), 16 * kiln_scalar_bytes(n->var->type.scalar));
    else
        gen_line(p, "__local %s %s[%lld];", gen_type(p, n->var->type, tb, sizeof tb, n), n->var->name,
                 gen_array_count(p, n->var));
}

static void cl_kernel_return(gen_printer *p, const kiln_node *n)
{
    (void)n;
    gen_line(p, "return;");
}

static const char *const cl_reserved[] = {
    "bool", "char", "uchar", "short", "ushort", "uint", "ulong", "half", "size_t", "ptrdiff_t", "intptr_t",
    "uintptr_t", "kernel", "global", "local", "constant", "private", "read_only", "write_only", "read_write",
    "image1d_t", "image2d_t", "image3d_t", "sampler_t", "event_t", "complex", "imaginary", "quad",
    "get_global_id", "get_local_id", "get_group_id", "get_global_size", "get_local_size", "get_num_groups",
    "barrier", "min", "max", "fmin", "fmax", "fmod", "vload2", "vload4", "vload8", "vload16", "vstore2",
    "vstore4", "vstore8", "vstore16", "atomic_add", "atom_add", "atomic_cmpxchg", "atom_cmpxchg", NULL,
};


/* floatN, int16, ...: OpenCL's vector type names. */
static int cl_is_vector_name(const char *name)
{
    for (int s = KILN_BOOL; s < KILN_SCALAR_COUNT; s++) {
        size_t len = strlen(cl_scalar[s]);
        if (strncmp(name, cl_scalar[s], len) == 0)
            for (int w = 0; w < GEN_NWIDTHS; w++) {
                char num[8];
                snprintf(num, sizeof num, "%d", gen_widths[w]);
                if (strcmp(name + len, num) == 0)
                    return 1;
            }
    }
    return 0;
}

const gen_target gen_target_opencl = {
    .name = "OpenCL C",
    .reserved = cl_reserved,
    .reserved_fn = cl_is_vector_name,
    .helper_qual = "",
    .global_space = "__global ",
    .i64_suffix = "L",
    .u64_suffix = "UL",
    .prelude = cl_prelude,
    .type_name = cl_type_name,
    .const_array_qual = "__constant",
    .kernel = cl_kernel,
    .witem = cl_witem,
    .broadcast = cl_broadcast,
    .vec_of = cl_vec_of,
    .vconvert = cl_vconvert,
    .vload = cl_vload,
    .lane = cl_lane,
    .minmax = cl_minmax,
    .math_name = cl_math_name,
    .vstore = cl_vstore,
    .atomic_add = cl_atomic_add,
    .barrier = cl_barrier,
    .decl_shared = cl_decl_shared,
    .kernel_return = cl_kernel_return,
};
