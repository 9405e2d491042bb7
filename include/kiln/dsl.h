/*
 * kiln/dsl.h: the kernel description language.
 *
 * A description is a C function that takes a configuration and builds one
 * procedure (a kernel) with these builders. Everything a builder returns lives
 * in the arena of its kiln_ctx: kiln_ctx_free (or kiln_ctx_reset, to build the
 * next variant in the same memory) frees it all at once.
 *
 * Errors are sticky. The first failed check (undeclared variable, type
 * mismatch, write to an `in` argument, vector width mismatch, ...) leaves a
 * message in the context naming the variable and the call site
 * ("matmul.c:42: assignment to 'c': float4 value stored into float"); every
 * later builder call is a no-op that returns a valid poison object, and the
 * caller checks once: kiln_proc_end returns NULL and kiln_errmsg says why.
 *
 * Statement and declaration builders are macros that record __FILE__ and
 * __LINE__; expression builders are functions, and their types are checked
 * when the statement that uses them is built (the error names that statement).
 *
 * Ownership: nodes and variables belong to the context; never free them.
 */
#ifndef KILN_DSL_H
#define KILN_DSL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kiln_ctx kiln_ctx;
typedef struct kiln_node kiln_node; /* an expression or a statement */
typedef struct kiln_var kiln_var;   /* a named variable: argument, local, shared, constant */
typedef struct kiln_proc kiln_proc; /* a kernel or a helper function */

/* Scalar element types. */
typedef enum kiln_scalar {
    KILN_VOID = 0,
    KILN_BOOL,
    KILN_I8, KILN_U8, KILN_I16, KILN_U16,
    KILN_I32, KILN_U32, KILN_I64, KILN_U64,
    KILN_F32, KILN_F64,
    KILN_SCALAR_COUNT
} kiln_scalar;

/* A value type: a scalar or a vector of 2, 4, 8 or 16 lanes. */
typedef struct kiln_type {
    kiln_scalar scalar;
    int lanes; /* 1 for a scalar */
} kiln_type;

#define KILN_T(s) ((kiln_type){KILN_##s, 1})        /* KILN_T(F32) */
#define KILN_V(s, n) ((kiln_type){KILN_##s, (n)})   /* KILN_V(F32, 4) */

size_t kiln_scalar_bytes(kiln_scalar s);  /* 0 for void */
const char *kiln_scalar_name(kiln_scalar s); /* "f32", "i32", ... */
int kiln_scalar_is_float(kiln_scalar s);
int kiln_scalar_is_signed(kiln_scalar s);

/* Direction of an argument. Scalars are always KILN_IN. */
typedef enum kiln_dir { KILN_IN, KILN_OUT, KILN_INOUT } kiln_dir;

/* Where a variable lives. */
typedef enum kiln_mem {
    KILN_MEM_PRIVATE,  /* a local variable or a private array */
    KILN_MEM_GLOBAL,   /* an array argument */
    KILN_MEM_LOCAL,    /* work-group shared memory */
    KILN_MEM_CONSTANT  /* a constant array known when the kernel is built */
} kiln_mem;

/* Source location recorded by the statement macros. */
typedef struct kiln_loc {
    const char *file;
    int line;
    int col;   /* 0 when unknown (the builder macros); set by the importer */
} kiln_loc;
#define KILN_HERE ((kiln_loc){__FILE__, __LINE__, 0})

/* ---- context ---------------------------------------------------------- */

kiln_ctx *kiln_ctx_new(void);
void kiln_ctx_free(kiln_ctx *ctx);
/* Drop every node, variable and procedure, keep the arena's blocks for the next variant. */
void kiln_ctx_reset(kiln_ctx *ctx);
/* Bytes the arena holds from the system (does not grow across resets of same-sized builds). */
size_t kiln_ctx_arena_bytes(const kiln_ctx *ctx);
/* A copy of s that lives as long as the context's tree (file names of imported nodes). */
const char *kiln_ctx_strdup(kiln_ctx *ctx, const char *s);
/* NULL-safe; "" when there is no error. */
const char *kiln_errmsg(const kiln_ctx *ctx);
int kiln_ctx_failed(const kiln_ctx *ctx);
/* A description refuses a configuration (e.g. "tile 3 does not divide 64"): records the error. */
int kiln_fail_at(kiln_ctx *ctx, kiln_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define kiln_fail(ctx, ...) kiln_fail_at((ctx), KILN_HERE, __VA_ARGS__)

/* ---- procedures and arguments ----------------------------------------- */

/* Starts a kernel (a __kernel function in OpenCL C). Arguments and body follow. */
kiln_proc *kiln_kernel_begin_at(kiln_ctx *ctx, kiln_loc loc, const char *name);
#define kiln_kernel_begin(ctx, name) kiln_kernel_begin_at((ctx), KILN_HERE, (name))
/* Starts a helper function returning `ret` (KILN_T(VOID) for none), callable with kiln_call. */
kiln_proc *kiln_func_begin_at(kiln_ctx *ctx, kiln_loc loc, const char *name, kiln_type ret);
#define kiln_func_begin(ctx, name, ret) kiln_func_begin_at((ctx), KILN_HERE, (name), (ret))
/* Ends the procedure being built; runs the final checks. NULL on any error. */
kiln_proc *kiln_proc_end_at(kiln_ctx *ctx, kiln_loc loc);
#define kiln_proc_end(ctx) kiln_proc_end_at((ctx), KILN_HERE)
/* The kernel's required work-group size (reqd_work_group_size in OpenCL C; fixed loops in C). */
void kiln_proc_reqd_wg(kiln_proc *proc, int x, int y, int z);

/* An array argument in global memory of `ndims` dimensions, outermost first
 * (row-major: the last dimension varies fastest). Dimensions are expressions
 * over scalar arguments and constants; kiln flattens indices. */
kiln_var *kiln_arg_array_at(kiln_ctx *ctx, kiln_loc loc, const char *name, kiln_type elem,
                            kiln_dir dir, int ndims, kiln_node *const *dims);
#define kiln_arg_array(ctx, name, elem, dir, ...) \
    kiln_arg_array_at((ctx), KILN_HERE, (name), (elem), (dir), KILN_LIST(__VA_ARGS__))
/* A scalar argument (always `in`). */
kiln_var *kiln_arg_scalar_at(kiln_ctx *ctx, kiln_loc loc, const char *name, kiln_type type);
#define kiln_arg_scalar(ctx, name, type) kiln_arg_scalar_at((ctx), KILN_HERE, (name), (type))

/* Counted list of nodes from a variadic argument list: KILN_LIST(a, b) -> 2, (kiln_node*[]){a, b}. */
#define KILN_LIST(...) \
    (int)(sizeof((kiln_node *[]){__VA_ARGS__}) / sizeof(kiln_node *)), (kiln_node *[]){__VA_ARGS__}

/* ---- declarations (statements in the current block) ------------------- */

/* A private scalar or vector variable, optionally initialised (init may be NULL). */
kiln_var *kiln_decl_at(kiln_ctx *ctx, kiln_loc loc, const char *name, kiln_type type, kiln_node *init);
#define kiln_decl(ctx, name, type, init) kiln_decl_at((ctx), KILN_HERE, (name), (type), (init))
/* A named constant: `const T name = value;` */
kiln_var *kiln_decl_const_at(kiln_ctx *ctx, kiln_loc loc, const char *name, kiln_type type, kiln_node *value);
#define kiln_decl_const(ctx, name, type, value) kiln_decl_const_at((ctx), KILN_HERE, (name), (type), (value))
/* A private array with constant dimensions (outermost first). */
kiln_var *kiln_decl_array_at(kiln_ctx *ctx, kiln_loc loc, const char *name, kiln_type elem,
                             int ndims, const int *dims);
#define kiln_decl_array(ctx, name, elem, ...) \
    kiln_decl_array_at((ctx), KILN_HERE, (name), (elem), KILN_INTS(__VA_ARGS__))
/* A work-group shared array (__local in OpenCL C), declared at the kernel's top level. */
kiln_var *kiln_decl_shared_at(kiln_ctx *ctx, kiln_loc loc, const char *name, kiln_type elem,
                              int ndims, const int *dims);
#define kiln_decl_shared(ctx, name, elem, ...) \
    kiln_decl_shared_at((ctx), KILN_HERE, (name), (elem), KILN_INTS(__VA_ARGS__))
/* The description's promise that every vector load and store of `array` (an
 * argument or a shared array) starts at a multiple of the vector's width from
 * an aligned base: a target may then use aligned vector accesses (OpenCL C: a
 * pointer to the vector type, which some compilers turn into one wide access
 * where vloadN gives one per lane), and a shared array is declared aligned
 * for them. Accesses that break the promise are undefined on such targets. */
void kiln_vectors_aligned_at(kiln_ctx *ctx, kiln_loc loc, kiln_var *array);
#define kiln_vectors_aligned(ctx, array) kiln_vectors_aligned_at((ctx), KILN_HERE, (array))
/* A constant array known at build time (filter taps): `count` values in the element type. */
kiln_var *kiln_decl_const_array_at(kiln_ctx *ctx, kiln_loc loc, const char *name, kiln_type elem,
                                   int count, const double *values);
#define kiln_decl_const_array(ctx, name, elem, count, values) \
    kiln_decl_const_array_at((ctx), KILN_HERE, (name), (elem), (count), (values))

#define KILN_INTS(...) \
    (int)(sizeof((int[]){__VA_ARGS__}) / sizeof(int)), (const int[]){__VA_ARGS__}

/* ---- expressions ------------------------------------------------------ */

typedef enum kiln_binop {
    KILN_ADD, KILN_SUB, KILN_MUL, KILN_DIV,
    KILN_MOD,    /* C remainder: sign of the dividend (-7 % 3 == -1) */
    KILN_MODP,   /* floored modulo for a positive divisor: result in [0, b) (periodic wrap) */
    KILN_LT, KILN_LE, KILN_GT, KILN_GE, KILN_EQ, KILN_NE,
    KILN_AND, KILN_OR,                    /* logical */
    KILN_BAND, KILN_BOR, KILN_BXOR, KILN_SHL, KILN_SHR,
    KILN_MIN, KILN_MAX
} kiln_binop;

typedef enum kiln_unop { KILN_NEG, KILN_NOT, KILN_BNOT } kiln_unop;

/* Math builtins: spelled by each target (sqrt / sqrtf, fma, native forms are the target's call). */
typedef enum kiln_math {
    KILN_SQRT, KILN_EXP, KILN_LOG, KILN_SIN, KILN_COS, KILN_POW, KILN_FABS, KILN_FMA, KILN_FLOOR
} kiln_math;

/* Work-item queries (dimension 0..2), each target spells its own. */
typedef enum kiln_witem {
    KILN_GLOBAL_ID, KILN_LOCAL_ID, KILN_GROUP_ID,
    KILN_GLOBAL_SIZE, KILN_LOCAL_SIZE, KILN_NUM_GROUPS
} kiln_witem;

/* Literals. kiln_int is i32 when it fits, else i64. */
kiln_node *kiln_int(kiln_ctx *ctx, long long v);
kiln_node *kiln_flt(kiln_ctx *ctx, double v);   /* f32 literal */
kiln_node *kiln_dbl(kiln_ctx *ctx, double v);   /* f64 literal */
kiln_node *kiln_lit(kiln_ctx *ctx, kiln_type type, double v); /* any scalar type */

/* The value of a scalar variable (or a whole vector variable). */
kiln_node *kiln_ref(kiln_ctx *ctx, kiln_var *var);
/* An element of an array variable; one index per dimension, outermost first. */
kiln_node *kiln_elem(kiln_ctx *ctx, kiln_var *array, int nidx, kiln_node *const *idx);
#define kiln_at(ctx, array, ...) kiln_elem((ctx), (array), KILN_LIST(__VA_ARGS__))

kiln_node *kiln_bin(kiln_ctx *ctx, kiln_binop op, kiln_node *a, kiln_node *b);
kiln_node *kiln_un(kiln_ctx *ctx, kiln_unop op, kiln_node *a);
#define kiln_add(c, a, b) kiln_bin((c), KILN_ADD, (a), (b))
#define kiln_sub(c, a, b) kiln_bin((c), KILN_SUB, (a), (b))
#define kiln_mul(c, a, b) kiln_bin((c), KILN_MUL, (a), (b))
#define kiln_div(c, a, b) kiln_bin((c), KILN_DIV, (a), (b))
#define kiln_mod(c, a, b) kiln_bin((c), KILN_MOD, (a), (b))
#define kiln_modp(c, a, b) kiln_bin((c), KILN_MODP, (a), (b))
#define kiln_lt(c, a, b) kiln_bin((c), KILN_LT, (a), (b))
#define kiln_le(c, a, b) kiln_bin((c), KILN_LE, (a), (b))
#define kiln_gt(c, a, b) kiln_bin((c), KILN_GT, (a), (b))
#define kiln_ge(c, a, b) kiln_bin((c), KILN_GE, (a), (b))
#define kiln_eq(c, a, b) kiln_bin((c), KILN_EQ, (a), (b))
#define kiln_ne(c, a, b) kiln_bin((c), KILN_NE, (a), (b))
#define kiln_and(c, a, b) kiln_bin((c), KILN_AND, (a), (b))
#define kiln_or(c, a, b) kiln_bin((c), KILN_OR, (a), (b))
#define kiln_band(c, a, b) kiln_bin((c), KILN_BAND, (a), (b))
#define kiln_bor(c, a, b) kiln_bin((c), KILN_BOR, (a), (b))
#define kiln_bxor(c, a, b) kiln_bin((c), KILN_BXOR, (a), (b))
#define kiln_shl(c, a, b) kiln_bin((c), KILN_SHL, (a), (b))
#define kiln_shr(c, a, b) kiln_bin((c), KILN_SHR, (a), (b))
#define kiln_min(c, a, b) kiln_bin((c), KILN_MIN, (a), (b))
#define kiln_max(c, a, b) kiln_bin((c), KILN_MAX, (a), (b))
#define kiln_neg(c, a) kiln_un((c), KILN_NEG, (a))
#define kiln_not(c, a) kiln_un((c), KILN_NOT, (a))
#define kiln_bnot(c, a) kiln_un((c), KILN_BNOT, (a))
/* n-ary forms, folded from the left: kiln_sum(c, a, b, d) is (a + b) + d, printed
 * a + b + d; kiln_all is a && b && ..., kiln_any a || b || .... A 5-point stencil:
 *   kiln_sub(c, kiln_sum(c, up, down, left, right), kiln_mul(c, kiln_int(c, 4), centre)) */
kiln_node *kiln_fold(kiln_ctx *ctx, kiln_binop op, int n, kiln_node *const *terms);
#define kiln_sum(c, ...) kiln_fold((c), KILN_ADD, KILN_LIST(__VA_ARGS__))
#define kiln_prod(c, ...) kiln_fold((c), KILN_MUL, KILN_LIST(__VA_ARGS__))
#define kiln_all(c, ...) kiln_fold((c), KILN_AND, KILN_LIST(__VA_ARGS__))
#define kiln_any(c, ...) kiln_fold((c), KILN_OR, KILN_LIST(__VA_ARGS__))
/* Integer shorthands for indices (k adapts to the type of `a`, as kiln_int does):
 * kiln_addi(c, a, k) is a for k == 0, a + k for k > 0, a - |k| for k < 0;
 * kiln_muli(c, a, k) is a for k == 1, else a * k; kiln_divi(c, a, k) is a for
 * k == 1, else a / k. A tunable factor of 1 then prints nothing. */
kiln_node *kiln_addi(kiln_ctx *ctx, kiln_node *a, long long k);
kiln_node *kiln_muli(kiln_ctx *ctx, kiln_node *a, long long k);
kiln_node *kiln_divi(kiln_ctx *ctx, kiln_node *a, long long k);
/* cond ? a : b */
kiln_node *kiln_select(kiln_ctx *ctx, kiln_node *cond, kiln_node *a, kiln_node *b);
/* Conversion; a scalar cast to a vector type broadcasts it to every lane, and a
 * cast to the type the value has is the value itself (KILN_V(F32, 1) is f32),
 * so kiln_cast(ctx, KILN_V(F32, vec), s) needs no vec == 1 branch. */
kiln_node *kiln_cast(kiln_ctx *ctx, kiln_type to, kiln_node *a);
/* Math builtin with its natural number of arguments (FMA: 3, POW: 2, others: 1). */
kiln_node *kiln_math_call(kiln_ctx *ctx, kiln_math fn, int nargs, kiln_node *const *args);
#define kiln_math(ctx, fn, ...) kiln_math_call((ctx), (fn), KILN_LIST(__VA_ARGS__))
/* Call of a helper function built with kiln_func_begin. */
kiln_node *kiln_call_proc(kiln_ctx *ctx, kiln_proc *fn, int nargs, kiln_node *const *args);
#define kiln_call(ctx, fn, ...) kiln_call_proc((ctx), (fn), KILN_LIST(__VA_ARGS__))
/* Work-item index queries (type u64 in OpenCL's size_t sense; kiln types them as i64). */
kiln_node *kiln_workitem(kiln_ctx *ctx, kiln_witem what, int dim);
#define kiln_global_id(ctx, d) kiln_workitem((ctx), KILN_GLOBAL_ID, (d))
#define kiln_local_id(ctx, d) kiln_workitem((ctx), KILN_LOCAL_ID, (d))
#define kiln_group_id(ctx, d) kiln_workitem((ctx), KILN_GROUP_ID, (d))
#define kiln_global_size(ctx, d) kiln_workitem((ctx), KILN_GLOBAL_SIZE, (d))
#define kiln_local_size(ctx, d) kiln_workitem((ctx), KILN_LOCAL_SIZE, (d))
#define kiln_num_groups(ctx, d) kiln_workitem((ctx), KILN_NUM_GROUPS, (d))
/* Vector of `lanes` elements loaded from array[flat_index .. flat_index+lanes-1]
 * (flat_index counts scalar elements of the flattened array). One lane is a
 * plain element read (array[flat_index], a scalar), so a tunable vector width
 * needs no separate scalar path. */
kiln_node *kiln_vload(kiln_ctx *ctx, int lanes, kiln_var *array, kiln_node *flat_index);
/* The same with one index per dimension, outermost first; the last index is the
 * first element of the vector: kiln_vload_nd(c, 4, img, y, x) loads img(y, x .. x+3).
 * A wrong number of indices is an error naming the array and this call's line. */
kiln_node *kiln_vload_nd_at(kiln_ctx *ctx, kiln_loc loc, int lanes, kiln_var *array, int nidx,
                            kiln_node *const *idx);
#define kiln_vload_nd(ctx, lanes, array, ...) \
    kiln_vload_nd_at((ctx), KILN_HERE, (lanes), (array), KILN_LIST(__VA_ARGS__))
/* One lane of a vector value (lane < width); lane 0 of a scalar is the scalar. */
kiln_node *kiln_lane(kiln_ctx *ctx, kiln_node *vec, int lane);
/* A vector of type `type` (2-16 lanes) from one scalar per lane, in lane order:
 * kiln_vec(ctx, KILN_V(F32, 4), kiln_lane(ctx, v, 1), kiln_lane(ctx, v, 2), kiln_lane(ctx, v, 3), x)
 * builds shifted windows and shuffles in one expression. Each lane converts as an
 * assignment would (a weak literal adapts; f64 into f32 needs kiln_cast). */
kiln_node *kiln_vec_of(kiln_ctx *ctx, kiln_type type, int nlanes, kiln_node *const *lanes);
#define kiln_vec(ctx, type, ...) kiln_vec_of((ctx), (type), KILN_LIST(__VA_ARGS__))
/* The type an expression has (after checks); KILN_T(VOID) for a poison node. */
kiln_type kiln_node_type(const kiln_node *n);

/* ---- statements ------------------------------------------------------- */

/* lhs = rhs. lhs is a kiln_ref of a variable, a kiln_elem, or a kiln_lane of a vector variable. */
void kiln_assign_at(kiln_ctx *ctx, kiln_loc loc, kiln_node *lhs, kiln_node *rhs);
#define kiln_assign(ctx, lhs, rhs) kiln_assign_at((ctx), KILN_HERE, (lhs), (rhs))
/* lhs op= rhs (op one of ADD, SUB, MUL, DIV, MOD, BAND, BOR, BXOR, SHL, SHR). */
void kiln_assign_op_at(kiln_ctx *ctx, kiln_loc loc, kiln_binop op, kiln_node *lhs, kiln_node *rhs);
#define kiln_assign_op(ctx, op, lhs, rhs) kiln_assign_op_at((ctx), KILN_HERE, (op), (lhs), (rhs))
/* Vector store of `vec` into array[flat_index .. flat_index+lanes-1]; a scalar
 * `vec` (one lane) is a plain element store. */
void kiln_vstore_at(kiln_ctx *ctx, kiln_loc loc, kiln_var *array, kiln_node *flat_index, kiln_node *vec);
#define kiln_vstore(ctx, array, idx, vec) kiln_vstore_at((ctx), KILN_HERE, (array), (idx), (vec))
/* The same with one index per dimension, then the value (args[nargs - 1]):
 * kiln_vstore_nd(c, out, y, x, v) stores v into out(y, x .. x+lanes-1). */
void kiln_vstore_nd_at(kiln_ctx *ctx, kiln_loc loc, kiln_var *array, int nargs, kiln_node *const *args);
#define kiln_vstore_nd(ctx, array, ...) \
    kiln_vstore_nd_at((ctx), KILN_HERE, (array), KILN_LIST(__VA_ARGS__))
/* kiln_vstore and kiln_vstore_nd with a hint that the value will not be read again soon: a
 * non-temporal (streaming) store where the target has one and the address is
 * aligned to the vector's size, a plain store otherwise. Same result; only
 * the caches differ. */
void kiln_vstream_at(kiln_ctx *ctx, kiln_loc loc, kiln_var *array, kiln_node *flat_index, kiln_node *vec);
#define kiln_vstream(ctx, array, idx, vec) kiln_vstream_at((ctx), KILN_HERE, (array), (idx), (vec))
void kiln_vstream_nd_at(kiln_ctx *ctx, kiln_loc loc, kiln_var *array, int nargs, kiln_node *const *args);
#define kiln_vstream_nd(ctx, array, ...) \
    kiln_vstream_nd_at((ctx), KILN_HERE, (array), KILN_LIST(__VA_ARGS__))
/* Atomic add on an element of a global or shared array (i32/u32/f32/i64 elements). */
void kiln_atomic_add_at(kiln_ctx *ctx, kiln_loc loc, kiln_node *elem, kiln_node *value);
#define kiln_atomic_add(ctx, elem, value) kiln_atomic_add_at((ctx), KILN_HERE, (elem), (value))
/* A hint that elem (kiln_at of an array argument) will be read soon: a
 * software prefetch of its cache line where the target has one (gcc's and
 * clang's __builtin_prefetch in C and in OpenCL C under clang, OpenCL's
 * prefetch() otherwise), nothing else. It reads and writes nothing, so the
 * results are the same with or without it; the index must lie in the array
 * as a load's would. */
void kiln_prefetch_at(kiln_ctx *ctx, kiln_loc loc, kiln_node *elem);
#define kiln_prefetch(ctx, elem) kiln_prefetch_at((ctx), KILN_HERE, (elem))
/* Evaluate an expression for its effect (a call to a void helper). */
void kiln_expr_stmt_at(kiln_ctx *ctx, kiln_loc loc, kiln_node *expr);
#define kiln_expr_stmt(ctx, e) kiln_expr_stmt_at((ctx), KILN_HERE, (e))
/* Return from a helper function (value NULL for void). */
void kiln_return_at(kiln_ctx *ctx, kiln_loc loc, kiln_node *value);
#define kiln_return(ctx, v) kiln_return_at((ctx), KILN_HERE, (v))

/* for (type i = start; i < end; i += step) { body }. Returns the loop variable
 * (i32, or i64 when start or end is i64). Close with kiln_for_end.
 * kiln_for_end_unroll(ctx, u): u > 1 unrolls the body u times with a remainder
 * loop; u == 0 unrolls fully (start, end and step must then be constant). Each
 * copy is its own block, so declarations in the body stay legal. */
kiln_var *kiln_for_begin_at(kiln_ctx *ctx, kiln_loc loc, const char *name, kiln_node *start,
                            kiln_node *end, kiln_node *step);
#define kiln_for_begin(ctx, name, start, end, step) \
    kiln_for_begin_at((ctx), KILN_HERE, (name), (start), (end), (step))
void kiln_for_end_at(kiln_ctx *ctx, kiln_loc loc, int unroll);
#define kiln_for_end(ctx) kiln_for_end_at((ctx), KILN_HERE, 1)
#define kiln_for_end_unroll(ctx, u) kiln_for_end_at((ctx), KILN_HERE, (u))

/* Leave (kiln_break) or go to the next iteration of (kiln_continue) the
 * innermost for or while loop. A for loop holding one cannot be unrolled, nor
 * hold a barrier. */
void kiln_break_at(kiln_ctx *ctx, kiln_loc loc);
#define kiln_break(ctx) kiln_break_at((ctx), KILN_HERE)
void kiln_continue_at(kiln_ctx *ctx, kiln_loc loc);
#define kiln_continue(ctx) kiln_continue_at((ctx), KILN_HERE)

void kiln_while_begin_at(kiln_ctx *ctx, kiln_loc loc, kiln_node *cond);
#define kiln_while_begin(ctx, cond) kiln_while_begin_at((ctx), KILN_HERE, (cond))
void kiln_while_end_at(kiln_ctx *ctx, kiln_loc loc);
#define kiln_while_end(ctx) kiln_while_end_at((ctx), KILN_HERE)

void kiln_if_begin_at(kiln_ctx *ctx, kiln_loc loc, kiln_node *cond);
#define kiln_if_begin(ctx, cond) kiln_if_begin_at((ctx), KILN_HERE, (cond))
void kiln_else_at(kiln_ctx *ctx, kiln_loc loc);
#define kiln_else(ctx) kiln_else_at((ctx), KILN_HERE)
void kiln_if_end_at(kiln_ctx *ctx, kiln_loc loc);
#define kiln_if_end(ctx) kiln_if_end_at((ctx), KILN_HERE)

/* A plain block { ... } (scoping for declarations). */
void kiln_block_begin_at(kiln_ctx *ctx, kiln_loc loc);
#define kiln_block_begin(ctx) kiln_block_begin_at((ctx), KILN_HERE)
void kiln_block_end_at(kiln_ctx *ctx, kiln_loc loc);
#define kiln_block_end(ctx) kiln_block_end_at((ctx), KILN_HERE)

typedef enum kiln_fence { KILN_FENCE_LOCAL = 1, KILN_FENCE_GLOBAL = 2 } kiln_fence;
/* Work-group barrier; fences is a mask of kiln_fence. Only at the kernel's top
 * level or inside for loops with work-item-independent bounds. */
void kiln_barrier_at(kiln_ctx *ctx, kiln_loc loc, int fences);
#define kiln_barrier(ctx, fences) kiln_barrier_at((ctx), KILN_HERE, (fences))

/* A comment line in the generated source. */
void kiln_comment_at(kiln_ctx *ctx, kiln_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define kiln_comment(ctx, ...) kiln_comment_at((ctx), KILN_HERE, __VA_ARGS__)

/* ---- inspection ------------------------------------------------------- */

const char *kiln_proc_name(const kiln_proc *proc);
const char *kiln_var_name(const kiln_var *var);
/* Debug dump of the tree (S-expression-like), one node per line; caller frees. */
char *kiln_proc_dump(const kiln_proc *proc);

#ifdef __cplusplus
}
#endif
#endif
